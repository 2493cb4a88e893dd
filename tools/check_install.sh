#!/usr/bin/env bash
# The README's install step: `cmake --install BUILD --prefix PREFIX` puts a working `ebatch`
# in PREFIX/bin, and with PREFIX/bin on PATH a bare `ebatch` is that one (run in the suite as
# Install.PutsEbatchInPrefixBin). Usage: bash tools/check_install.sh BUILD_DIR
set -euo pipefail
build="${1:?usage: check_install.sh BUILD_DIR}"
prefix="$(mktemp -d)"
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
export PATH="$prefix/bin:$PATH"
[ "$(command -v ebatch)" = "$prefix/bin/ebatch" ] || { echo "check_install: ebatch is not $prefix/bin/ebatch" >&2; exit 1; }
cd "$prefix"  # away from the checkout: the default experiment is still found
ebatch --version
ebatch validate >/dev/null
echo "check_install: ok ($prefix/bin/ebatch)"
