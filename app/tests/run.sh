#!/usr/bin/env bash
# Serves app/dist with `vite preview` on APP_HTTP_PORT, runs the browser tests, stops the server.
# Called by scripts/app-test.sh inside `scripts/localnet.sh run` (TESSERA_RPC_URL, ANCHOR_WALLET).
# APP_TESTS (default: every tests/*.test.ts) runs some files only, e.g. APP_TESTS=tests/channels.test.ts.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

port="${APP_HTTP_PORT:-4179}"
mkdir -p test-output
node_modules/.bin/vite preview --host 127.0.0.1 --port "$port" --strictPort >test-output/preview.log 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/" >/dev/null && break
  kill -0 "$server" 2>/dev/null || { cat test-output/preview.log >&2; exit 1; }
  sleep 0.1
done

node --import tsx --import ./tests/anchor-esm.mjs --test --test-concurrency=1 --test-reporter=spec --test-timeout=600000 ${APP_TESTS:-tests/*.test.ts}
