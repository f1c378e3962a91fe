# Sourced by the other scripts: build caches outside the clone, quiet runtime logs, and the
# Debian packages the Rust build needs (installed only if missing).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/paths.sh"
export CARGO_TARGET_DIR="$MAIN_TARGET"
export RUST_LOG="${RUST_LOG:-error}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
cd "$ROOT"

need=()
for pkg in pkg-config libssl-dev; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ "${#need[@]}" -gt 0 ]; then
  echo "installing Debian packages: ${need[*]}" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
