# Sourced by every script: the paths they share, defined once. No side effects.
#   ROOT             the repository
#   MAIN_TARGET      the main workspace's target dir (CARGO_TARGET_DIR, default under ~/.cache)
#   LOCALNET_TARGET  tessera-localnet's own target dir (LOCALNET_CARGO_TARGET_DIR): localnet/ is
#                    its own Cargo workspace, and the two builds would thrash each other's artifacts
#   LOCALNET_BIN     the validator binary built there
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MAIN_TARGET="${CARGO_TARGET_DIR:-$HOME/.cache/tessera/target}"
LOCALNET_TARGET="${LOCALNET_CARGO_TARGET_DIR:-$HOME/.cache/tessera/localnet-target}"
LOCALNET_BIN="$LOCALNET_TARGET/debug/tessera-localnet"
