#!/usr/bin/env bash
# Builds everything and runs the main job: `tessera demo` starts a local validator of its own
# (tessera-localnet) and plays the whole story — a dataset by a 70/20/10 team, a model trained on
# it, a buyer, a paid inference job, every contributor claiming — then prints who paid and who
# received what.
source "$(dirname "$0")/env.sh"
CARGO_TARGET_DIR="$LOCALNET_TARGET" bash scripts/localnet.sh build
export TESSERA_LOCALNET="$LOCALNET_BIN"
cargo build --locked --workspace --all-targets
cargo run --locked -q -p tessera-cli -- demo
