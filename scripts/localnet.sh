#!/usr/bin/env bash
# A local Solana validator serving the Tessera programs: Agave's own TestValidator 3.1.12
# (localnet/, its own Cargo workspace) with the three programs, compiled for the host,
# registered natively at their ids. JSON-RPC on 127.0.0.1:8899, websocket on 8900, faucet on
# 9900 (requestAirdrop); SPL Token, Token-2022 and ATA are in its genesis.
#
#   scripts/localnet.sh build               build the binary (cold: ~25 min on 2 cores)
#   scripts/localnet.sh start [ARGS...]     start in the background, wait until healthy
#   scripts/localnet.sh stop                stop the background validator
#   scripts/localnet.sh status              is it running and healthy?
#   scripts/localnet.sh run [ARGS...] -- CMD...
#                                           start, run CMD, always stop; exits with CMD's code
#
# ARGS go to tessera-localnet (see `tessera-localnet --help`); `start` and `run` pass --reset
# unless LOCALNET_KEEP_LEDGER=1 (then the chain continues where `stop` left it: the validator
# writes a snapshot on a clean exit, see localnet/README.md). LOCALNET_PROFILE=release builds and
# runs an optimised binary ($LOCALNET_TARGET/release/tessera-localnet; for benchmarks, e.g.
# `TESSERA_LOCALNET=<that binary>` for bench/examples/open_loop.rs; cold build much longer than
# the debug one); default debug. Environment: LOCALNET_RPC_PORT (8899), LOCALNET_DIR (state:
# ledger, pid file, log; default $HOME/.cache/tessera/localnet), LOCALNET_TIMEOUT (60 s),
# LOCALNET_CARGO_TARGET_DIR (default $HOME/.cache/tessera/localnet-target). The localnet
# workspace never builds into the caller's CARGO_TARGET_DIR (the main workspace's, e.g. from
# scripts/env.sh): the two builds would thrash each other's artifacts. The command given to
# `run` gets the caller's environment unchanged, plus TESSERA_RPC_URL and ANCHOR_PROVIDER_URL.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/paths.sh"
LOCALNET_SRC="$ROOT/localnet"
STATE="${LOCALNET_DIR:-$HOME/.cache/tessera/localnet}"
PIDFILE="$STATE/tessera-localnet.pid"
LOG="$STATE/tessera-localnet.log"
LEDGER="$STATE/test-ledger"
RPC_PORT="${LOCALNET_RPC_PORT:-8899}"
RPC_URL="http://127.0.0.1:$RPC_PORT"
TIMEOUT="${LOCALNET_TIMEOUT:-60}"
BIN="$LOCALNET_BIN"
PROFILE_ARGS=()
case "${LOCALNET_PROFILE:-debug}" in
  debug) ;;
  release)
    BIN="$LOCALNET_TARGET/release/tessera-localnet"
    PROFILE_ARGS=(--release)
    ;;
  *) echo "localnet: error: LOCALNET_PROFILE must be debug or release" >&2; exit 1 ;;
esac

say() { echo "localnet: $*" >&2; }
die() { say "error: $*"; exit 1; }

install_packages() {
  # Debian packages the Agave build needs (RocksDB, protobuf, udev, bindgen) and curl (the
  # health check), installed only if missing.
  local need=() pkg
  for pkg in pkg-config libssl-dev clang libclang-dev protobuf-compiler libudev-dev cmake curl; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
  done
  if [ "${#need[@]}" -gt 0 ]; then
    say "installing Debian packages: ${need[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
  fi
}

build() {
  install_packages
  "$LOCALNET_SRC/patch-crates.sh"
  # --bins --examples in one invocation: one feature resolution for the binary and the smoke
  # example (built alone, the binary would get a second copy of much of the graph).
  if ! (cd "$LOCALNET_SRC" && CARGO_TARGET_DIR="$LOCALNET_TARGET" \
    CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}" cargo build --locked "${PROFILE_ARGS[@]+"${PROFILE_ARGS[@]}"}" --bins --examples); then
    say "build failed. If cargo said the lock file needs updating: the programs' or the client's"
    say "dependencies changed; refresh it with: (cd localnet && cargo update -w) and commit it."
    exit 1
  fi
  [ -x "$BIN" ] || die "build produced no $BIN"
}

running_pid() {
  # Prints the pid of the background validator if it is alive (and really ours).
  [ -f "$PIDFILE" ] || return 1
  local pid
  pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  grep -q tessera-localnet "/proc/$pid/cmdline" 2>/dev/null || return 1
  echo "$pid"
}

healthy() {
  curl -s --max-time 2 -H 'Content-Type: application/json' \
    -d '{"jsonrpc":"2.0","id":1,"method":"getHealth"}' "$RPC_URL" 2>/dev/null | grep -q '"result":"ok"'
}

start() {
  local pid
  command -v curl >/dev/null || install_packages
  if pid="$(running_pid)"; then
    die "already running (pid $pid, $RPC_URL); use: $0 stop"
  fi
  [ -x "$BIN" ] || build
  mkdir -p "$STATE"
  local args=(--ledger "$LEDGER" --rpc-port "$RPC_PORT")
  [ "${LOCALNET_KEEP_LEDGER:-0}" = 1 ] || args+=(--reset)
  : >"$LOG"
  # setsid: its own process group, so a Ctrl-C at the terminal reaches it only through `stop`.
  setsid "$BIN" "${args[@]}" "$@" >>"$LOG" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$PIDFILE"
  local waited=0
  until grep -q '^tessera-localnet ready:' "$LOG" 2>/dev/null && healthy; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PIDFILE"
      say "tessera-localnet exited during start-up; last lines of $LOG:"
      tail -n 40 "$LOG" >&2
      exit 1
    fi
    if [ "$waited" -ge "$((TIMEOUT * 10))" ]; then
      say "not healthy after ${TIMEOUT}s ($RPC_URL); last lines of $LOG:"
      tail -n 40 "$LOG" >&2
      stop || true
      exit 1
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  say "running (pid $pid): $(grep '^tessera-localnet ready:' "$LOG" | tail -n1); log $LOG"
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$PIDFILE"
    say "not running"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  local waited=0
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$waited" -ge 600 ]; then # 60 s (the binary itself gives up after 45 s)
      say "pid $pid did not stop within 60 s of SIGTERM; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  rm -f "$PIDFILE"
  say "stopped (pid $pid)"
}

status() {
  local pid
  if pid="$(running_pid)"; then
    if healthy; then say "running (pid $pid), healthy at $RPC_URL"; else say "running (pid $pid), NOT healthy at $RPC_URL"; fi
  else
    say "not running"
    return 1
  fi
}

run() {
  local args=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do args+=("$1"); shift; done
  [ "${1:-}" = "--" ] || die "usage: $0 run [ARGS...] -- COMMAND..."
  shift
  [ $# -gt 0 ] || die "usage: $0 run [ARGS...] -- COMMAND..."
  trap 'stop' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  start "${args[@]+"${args[@]}"}"
  local status=0
  ANCHOR_PROVIDER_URL="$RPC_URL" TESSERA_RPC_URL="$RPC_URL" "$@" || status=$?
  exit "$status"
}

cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
  build) build ;;
  start) start "$@" ;;
  stop) stop ;;
  status) status ;;
  run) run "$@" ;;
  *)
    sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
