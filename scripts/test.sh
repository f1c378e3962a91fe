#!/usr/bin/env bash
# The whole test suite:
#   1. builds tessera-localnet (the local validator, its own workspace in localnet/);
#   2. cargo test: the programs' unit tests, the integration tests of the three programs in
#      Agave's runtime, the client's unit tests, the CLI and access-gate tests against a real
#      local validator, the demo's numbers, the reduced cost report, the indexer on SQLite and
#      on a Postgres server it starts (Debian's `postgresql`, installed if missing);
#   3. the TypeScript suite (tests/, Anchor's TS client) against the local validator, which also
#      checks that the committed IDLs match the program sources;
#   4. the web app's browser tests (app/, headless Chromium) against a local validator of their own.
# Ends with one summary line, "N passed, N failed".
source "$(dirname "$0")/env.sh"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

# The indexer's tests start a throwaway Postgres server (initdb, pg_ctl): Debian's `postgresql`
# package, installed if missing.
if ! dpkg -s postgresql >/dev/null 2>&1; then
  echo "installing Debian packages: postgresql" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq postgresql >/dev/null
fi

CARGO_TARGET_DIR="$LOCALNET_TARGET" bash scripts/localnet.sh build
export TESSERA_LOCALNET="$LOCALNET_BIN"

status=0
# Formatting (rustfmt.toml), both workspaces; a diff fails the suite. Skipped, saying so, where
# the toolchain has no rustfmt.
if cargo fmt --version >/dev/null 2>&1; then
  if cargo fmt --all --check >/dev/null && (cd localnet && cargo fmt --check >/dev/null); then
    echo "test result: ok. 1 passed; 0 failed (cargo fmt --check)" | tee -a "$log"
  else
    echo "cargo fmt --check: the code is not formatted; run cargo fmt --all (and in localnet/)" >&2
    echo "test result: FAILED. 0 passed; 1 failed (cargo fmt --check)" | tee -a "$log"
    status=1
  fi
else
  echo "cargo fmt --check: skipped (rustfmt is not installed)" >&2
fi
cargo test --locked --no-fail-fast --workspace --lib --bins --tests 2>&1 | tee -a "$log" || status=$?
bash scripts/ts-test.sh 2>&1 | tee -a "$log" || status=$?
bash scripts/app-test.sh 2>&1 | tee -a "$log" || status=$?

passed=$(grep -oE 'test result: [a-zA-Z]+\. [0-9]+ passed' "$log" | awk '{s+=$4} END {print s+0}')
failed=$(grep -oE 'test result: [a-zA-Z]+\. [0-9]+ passed; [0-9]+ failed' "$log" | awk '{s+=$6} END {print s+0}')
ts_passed=$(grep -oE '^typescript: [0-9]+ passed' "$log" | awk '{s+=$2} END {print s+0}')
ts_failed=$(grep -oE '^typescript: [0-9]+ passed, [0-9]+ failed' "$log" | awk '{s+=$4} END {print s+0}')
app_passed=$(grep -oE '^app: [0-9]+ passed' "$log" | awk '{s+=$2} END {print s+0}')
app_failed=$(grep -oE '^app: [0-9]+ passed, [0-9]+ failed' "$log" | awk '{s+=$4} END {print s+0}')
echo
echo "rust: ${passed} passed, ${failed} failed; typescript: ${ts_passed} passed, ${ts_failed} failed; app: ${app_passed} passed, ${app_failed} failed"
echo "$((passed + ts_passed + app_passed)) passed, $((failed + ts_failed + app_failed)) failed"
if [ "$status" -eq 0 ] && [ "$((passed + ts_passed + app_passed))" -eq 0 ]; then
  echo "no test ran" >&2
  exit 1
fi
exit "$status"
