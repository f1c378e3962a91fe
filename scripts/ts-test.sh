#!/usr/bin/env bash
# The TypeScript suite (tests/*.ts, mocha + the Anchor TS client) against tessera-localnet:
#   1. `npm ci` when node_modules is missing or older than package-lock.json (hash stamp), then
#      the SDK check: sdk/src/generated must match what Codama generates from idl/*.json;
#   2. a keypair for the suite, named upgrade authority of the programs (initialize_config needs
#      it) and used as the provider wallet (ANCHOR_WALLET);
#   3. scripts/localnet.sh run: starts the validator on a fresh ledger, waits until healthy
#      (a validator that does not come up fails with its log within LOCALNET_TIMEOUT=60 s),
#      runs `npm test`, and always stops the validator.
# Ends with one summary line, "typescript: N passed, N failed, N skipped".
#
# Environment: LOCALNET_RPC_PORT (8899; the websocket is the next port), LOCALNET_TIMEOUT (60),
# TS_TEST_FAUCET_PORT (9900). The validator binary is built first if missing
# (scripts/localnet.sh build; cold: ~25 min on 2 cores).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/paths.sh"
cd "$ROOT"

say() { echo "ts-test: $*" >&2; }
die() { say "error: $*"; exit 1; }

command -v node >/dev/null || die "node is not installed (Node 20 or later is needed)"
command -v npm >/dev/null || die "npm is not installed"

# 1. Dependencies, exactly as locked.
stamp="node_modules/.tessera-package-lock.sha256"
want="$(cat package-lock.json package.json | sha256sum | cut -d' ' -f1) node-$(node --version)"
if [ ! -d node_modules ] || [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
  say "npm ci (node_modules missing or stale)"
  npm ci --no-audit --no-fund
  echo "$want" >"$stamp"
fi

# 1b. The SDK's generated core (sdk/src/generated) is not stale against the committed IDLs: Codama
# regenerates it into a temporary folder and compares (fix: `npm run sdk:generate`, commit).
if ! node sdk/scripts/generate.mjs --check; then
  say "error: sdk/src/generated is stale against idl/*.json"
  echo "typescript: 0 passed, 1 failed, 0 skipped"
  exit 1
fi

# 2. The validator binary: localnet/ is its own Cargo workspace with its own target dir (the
# caller's CARGO_TARGET_DIR, e.g. the main workspace's from scripts/env.sh, is for the tests'
# `cargo run -p tessera-idl`).
BIN="$LOCALNET_BIN"
if [ ! -x "$BIN" ]; then
  say "tessera-localnet not built yet: building it (scripts/localnet.sh build; cold: ~25 min)"
  CARGO_TARGET_DIR="$LOCALNET_TARGET" bash scripts/localnet.sh build
fi

# 3. A throw-away state directory: the suite's keypair, the ledger, the pid file and the log.
state="$(mktemp -d "${TMPDIR:-/tmp}/tessera-ts-test.XXXXXX")"
cleanup() { rm -rf "$state"; }
trap cleanup EXIT
wallet="$state/upgrade-authority.json"
node -e '
  const { Keypair } = require("@solana/web3.js");
  require("fs").writeFileSync(process.argv[1], JSON.stringify(Array.from(Keypair.generate().secretKey)), { mode: 0o600 });
' "$wallet"

log="$state/mocha.log"
status=0
CARGO_TARGET_DIR="$LOCALNET_TARGET" LOCALNET_DIR="$state" LOCALNET_TIMEOUT="${LOCALNET_TIMEOUT:-60}" \
  bash scripts/localnet.sh run --quiet --upgrade-authority "$wallet" \
  --faucet-port "${TS_TEST_FAUCET_PORT:-9900}" -- \
  env ANCHOR_WALLET="$wallet" CARGO_TARGET_DIR="$MAIN_TARGET" npm test 2>&1 | tee "$log" || status=$?
# (localnet.sh exports ANCHOR_PROVIDER_URL=http://127.0.0.1:$LOCALNET_RPC_PORT to the command.)

# mocha's closing lines: "N passing (…)", "N pending", "N failing".
passed="$(grep -oE '^ *[0-9]+ passing' "$log" | grep -oE '[0-9]+' | tail -n1 || true)"
failed="$(grep -oE '^ *[0-9]+ failing' "$log" | grep -oE '[0-9]+' | tail -n1 || true)"
pending="$(grep -oE '^ *[0-9]+ pending' "$log" | grep -oE '[0-9]+' | tail -n1 || true)"
if [ -z "$passed" ] && [ -z "$failed" ]; then
  say "error: the TypeScript suite did not run (exit status $status); see above"
  [ "$status" -ne 0 ] || status=1
  exit "$status"
fi
passed="${passed:-0}" failed="${failed:-0}" pending="${pending:-0}"
echo
echo "typescript: ${passed} passed, ${failed} failed, ${pending} skipped"
if [ "$status" -eq 0 ] && [ "$passed" -eq 0 ]; then
  say "error: no test ran"
  exit 1
fi
exit "$status"
