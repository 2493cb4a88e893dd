#!/usr/bin/env bash
# Configures and builds ebatch in build/ (Release). Extra arguments go to CMake.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release -DEBATCH_CHECKS=OFF "$@" >/dev/null
cmake --build "$root/build" -j "$(nproc)"
