#!/usr/bin/env bash
# Derives localnet/.patched/<crate> from the crates.io sources of a few Agave crates, changing
# only their Cargo.toml, for the `[patch.crates-io]` in localnet/Cargo.toml.
#
# Why: every 3.x solana-gossip and solana-faucet pin interface crates exactly
# (`solana-clock = "=3.0.0"`, ...) while anchor-lang 1.2.2 needs newer semver-compatible
# versions (`solana-clock ^3.0.1`, ...), so no lock file can hold both. The rewrite:
#   * every exact requirement `version = "=X"` becomes the caret requirement `version = "X"`;
#   * `warnings = "deny"` becomes "allow" (registry crates are lint-capped, path crates are
#     not, and rustc 1.95 warns on code that was clean for the compiler Agave 3.1 targeted).
# Nothing else changes: the Rust sources are the registry's, byte for byte. No third-party
# source is committed; `.patched/` is git-ignored and rebuilt by this script.
#
# Idempotent: if `.patched/` already holds what this script would produce (stamp file), it
# returns at once. `--force` rebuilds.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="$HERE/.patched"
AGAVE_VERSION="3.1.12"
CRATES=(solana-gossip solana-faucet)
# Bump when the rewrite below changes, so existing .patched/ directories are rebuilt.
RECIPE=1
STAMP_TEXT="recipe=$RECIPE version=$AGAVE_VERSION crates=${CRATES[*]}"

if [ "${1:-}" != "--force" ] && [ -f "$OUT/.stamp" ] && [ "$(cat "$OUT/.stamp")" = "$STAMP_TEXT" ]; then
  ok=1
  for c in "${CRATES[@]}"; do [ -f "$OUT/$c/Cargo.toml" ] || ok=0; done
  [ "$ok" = 1 ] && exit 0
fi

CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Find the registry's .crate archive (downloaded and checksum-verified by cargo); fetch it
# with a throwaway project if it is not in the cache yet.
find_crate() {
  ls "$CARGO_HOME"/registry/cache/*/"$1-$AGAVE_VERSION.crate" 2>/dev/null | head -n1 || true
}
missing=0
for c in "${CRATES[@]}"; do [ -n "$(find_crate "$c")" ] || missing=1; done
if [ "$missing" = 1 ]; then
  echo "patch-crates: fetching ${CRATES[*]} $AGAVE_VERSION from crates.io" >&2
  mkdir -p "$tmp/fetch/src"
  : >"$tmp/fetch/src/lib.rs"
  {
    printf '[package]\nname = "tessera-patch-fetch"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n\n[dependencies]\n'
    for c in "${CRATES[@]}"; do printf '%s = "=%s"\n' "$c" "$AGAVE_VERSION"; done
    printf '\n[workspace]\n'
  } >"$tmp/fetch/Cargo.toml"
  (cd "$tmp/fetch" && cargo fetch --quiet)
fi

rm -rf "$OUT.new"
mkdir -p "$OUT.new"
for c in "${CRATES[@]}"; do
  archive="$(find_crate "$c")"
  if [ -z "$archive" ]; then
    echo "patch-crates: $c-$AGAVE_VERSION.crate not found under $CARGO_HOME/registry/cache" >&2
    exit 1
  fi
  tar -xzf "$archive" -C "$tmp"
  src="$tmp/$c-$AGAVE_VERSION"
  # Exact pins -> carets (plain and inline-table forms), then the lint.
  sed -E \
    -e 's/^([[:space:]]*version[[:space:]]*=[[:space:]]*")=[[:space:]]*/\1/' \
    -e 's/(version[[:space:]]*=[[:space:]]*")=[[:space:]]*/\1/g' \
    -e 's/^([[:space:]]*warnings[[:space:]]*=[[:space:]]*)"deny"/\1"allow"/' \
    "$src/Cargo.toml" >"$src/Cargo.toml.patched"
  mv "$src/Cargo.toml.patched" "$src/Cargo.toml"
  if grep -qE 'version[[:space:]]*=[[:space:]]*"=' "$src/Cargo.toml"; then
    echo "patch-crates: exact pins left in $c/Cargo.toml" >&2
    exit 1
  fi
  mv "$src" "$OUT.new/$c"
done
printf '%s\n' "$STAMP_TEXT" >"$OUT.new/.stamp"
rm -rf "$OUT"
mv "$OUT.new" "$OUT"
echo "patch-crates: wrote $OUT (${CRATES[*]} $AGAVE_VERSION, exact pins relaxed)" >&2
