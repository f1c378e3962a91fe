#!/usr/bin/env bash
# The whole test suite: the programs' unit tests (money math, split accounting) and the
# integration tests that drive both programs through Agave's runtime with the real SPL Token.
# Ends with one summary line, "N passed, N failed".
source "$(dirname "$0")/env.sh"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
cargo test --locked --workspace --lib --bins --tests 2>&1 | tee "$log" || status=$?
passed=$(grep -oE 'test result: [a-zA-Z]+\. [0-9]+ passed' "$log" | awk '{s+=$4} END {print s+0}')
failed=$(grep -oE '[0-9]+ failed;' "$log" | awk '{s+=$1} END {print s+0}')
echo
echo "${passed} passed, ${failed} failed"
if [ "$status" -eq 0 ] && [ "$passed" -eq 0 ]; then
  echo "no test ran" >&2
  exit 1
fi
exit "$status"
