#!/usr/bin/env bash
# The web app's browser tests (app/tests/*.test.ts: Debian's Chromium driven by playwright-core)
# against tessera-localnet:
#   1. Chromium from Debian (apt-get install chromium) if /usr/bin/chromium is missing — never a
#      browser download;
#   2. `npm ci` in app/ (and at the root, whose node_modules the tests' migrations/deploy.ts
#      import uses) when node_modules is missing or older than package-lock.json (hash stamp);
#   3. `npm run build` in app/ (app/dist);
#   4. the `tessera` CLI (cargo build --locked --workspace --bin tessera, in the shared target
#      dir; a no-op when scripts/test.sh's cargo test built it): the pay-per-call tests start its
#      metered gate (`tessera serve --price-per-call … --cors-origin <the app>`), TESSERA_BIN;
#   5. a keypair named upgrade authority of the programs (initialize_config needs it);
#   6. scripts/localnet.sh run on its own ports (so it does not collide with the TS suite's
#      validator): the validator on a fresh ledger, then `vite preview` serving app/dist, then
#      the tests; the validator and the server are always stopped.
# Screenshots of every page go to app/test-output/. Ends with one summary line,
# "app: N passed, N failed".
#
# Environment: APP_TEST_RPC_PORT (8999; the websocket is the next port), APP_TEST_FAUCET_PORT
# (9990), APP_TEST_HTTP_PORT (4179), LOCALNET_TIMEOUT (60), CHROMIUM (/usr/bin/chromium),
# APP_TESTS (some files only, e.g. APP_TESTS=tests/publisher.test.ts; default: every tests/*.test.ts).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/paths.sh"
cd "$ROOT"

say() { echo "app-test: $*" >&2; }
die() { say "error: $*"; exit 1; }

command -v node >/dev/null || die "node is not installed (Node 20.19 or later is needed)"
command -v npm >/dev/null || die "npm is not installed"

# 1. The system browser.
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
  say "installing Debian's chromium"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
  [ -x "$CHROMIUM" ] || die "chromium was installed but $CHROMIUM is missing (set CHROMIUM)"
fi

# 2. Dependencies, exactly as locked.
npm_ci() {
  local dir="$1"
  local stamp="$dir/node_modules/.tessera-package-lock.sha256"
  local want
  want="$(cat "$dir/package-lock.json" "$dir/package.json" | sha256sum | cut -d' ' -f1) node-$(node --version)"
  if [ ! -d "$dir/node_modules" ] || [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
    say "npm ci in $dir (node_modules missing or stale)"
    (cd "$dir" && npm ci --no-audit --no-fund)
    echo "$want" >"$stamp"
  fi
}
npm_ci "$ROOT"
npm_ci "$ROOT/app"

# 3. The static site (type-checked), and the tests' own type check.
if ! (cd app && npm run build && node_modules/.bin/tsc --noEmit -p tests/tsconfig.json); then
  say "error: the app does not build or type-check; see above"
  echo "app: 0 passed, 1 failed"
  exit 1
fi

# The validator binary (localnet/ is its own Cargo workspace with its own target dir).
if [ ! -x "$LOCALNET_BIN" ]; then
  say "tessera-localnet not built yet: building it (scripts/localnet.sh build; cold: ~25 min)"
  CARGO_TARGET_DIR="$LOCALNET_TARGET" bash scripts/localnet.sh build
fi

# 4. The CLI whose metered gate the browser pays (tests/gate.ts).
tessera_bin="$MAIN_TARGET/debug/tessera"
say "building the tessera CLI (cargo build --locked --workspace --bin tessera)"
if ! (source scripts/env.sh && cargo build --locked --workspace --bin tessera); then
  say "error: the tessera CLI does not build; see above"
  echo "app: 0 passed, 1 failed"
  exit 1
fi

# 5. A throw-away state directory: the keypair, the ledger, the logs.
state="$(mktemp -d "${TMPDIR:-/tmp}/tessera-app-test.XXXXXX")"
cleanup() { rm -rf "$state"; }
trap cleanup EXIT
wallet="$state/upgrade-authority.json"
(cd app && node -e '
  const { Keypair } = require("@solana/web3.js");
  require("fs").writeFileSync(process.argv[1], JSON.stringify(Array.from(Keypair.generate().secretKey)), { mode: 0o600 });
' "$wallet")

http_port="${APP_TEST_HTTP_PORT:-4179}"
log="$state/tests.log"
status=0
# 6. Validator (localnet.sh run), then the static server and the tests (app/tests/run.sh).
CARGO_TARGET_DIR="$LOCALNET_TARGET" LOCALNET_DIR="$state" LOCALNET_RPC_PORT="${APP_TEST_RPC_PORT:-8999}" \
  LOCALNET_TIMEOUT="${LOCALNET_TIMEOUT:-60}" \
  bash scripts/localnet.sh run --quiet --upgrade-authority "$wallet" --faucet-port "${APP_TEST_FAUCET_PORT:-9990}" -- \
  env ANCHOR_WALLET="$wallet" APP_URL="http://127.0.0.1:$http_port" APP_HTTP_PORT="$http_port" TESSERA_BIN="$tessera_bin" \
  bash app/tests/run.sh 2>&1 | tee "$log" || status=$?
# (localnet.sh exports TESSERA_RPC_URL=http://127.0.0.1:$LOCALNET_RPC_PORT to the command.)

# node:test's spec reporter closes with "ℹ pass N", "ℹ fail N" and "ℹ cancelled N" (tests that
# never ran because a hook failed: counted as failed).
count() { grep -aoE "^ℹ $1 [0-9]+" "$log" | grep -oE '[0-9]+' | tail -n1 || true; }
passed="$(count pass)"
failed="$(count fail)"
cancelled="$(count cancelled)"
[ -z "$failed" ] || failed=$((failed + ${cancelled:-0}))
if [ -z "$passed" ] && [ -z "$failed" ]; then
  say "error: the browser tests did not run (exit status $status); see above"
  echo "app: 0 passed, 1 failed"
  [ "$status" -ne 0 ] || status=1
  exit "$status"
fi
passed="${passed:-0}" failed="${failed:-0}"
echo
echo "app: ${passed} passed, ${failed} failed"
if [ "$status" -eq 0 ] && [ "$passed" -eq 0 ]; then
  say "error: no test ran"
  exit 1
fi
exit "$status"
