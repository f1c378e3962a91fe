#!/usr/bin/env bash
# Builds the whole workspace and runs the end-to-end demo: a dataset and a model published as
# tokens, access bought, royalties claimed, with who received what.
source "$(dirname "$0")/env.sh"
cargo build --locked --workspace --all-targets
cargo run --locked -q -p tessera-program-tests --bin tessera-demo
