#!/usr/bin/env bash
# Installs what is missing, builds with warnings as errors, runs the whole suite.
# Builds in build-test/ with the TLM protocol checkers and invariant checks compiled in
# (EBATCH_CHECKS), apart from the Release build of tools/build.sh in build/.
# Options: --sanitize  build in build-asan/ with AddressSanitizer and UBSan.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build-test"
extra=()
if [ "${1:-}" = "--sanitize" ]; then
  build="$root/build-asan"
  extra=(-DEBATCH_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo)
  # LeakSanitizer trips on SystemC's thread-stack guard pages (REFERENCE.md section 10).
  export ASAN_OPTIONS=detect_leaks=0:detect_stack_use_after_return=0
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi
bash "$root/tools/setup.sh" build test
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DEBATCH_WERROR=ON -DEBATCH_TESTS=ON -DEBATCH_CHECKS=ON "${extra[@]}" >/dev/null
cmake --build "$build" -j "$(nproc)"
cd "$build"
ctest -j "$(nproc)" --output-on-failure --timeout 600
