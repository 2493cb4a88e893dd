#!/usr/bin/env bash
# Installs what is missing, builds with warnings as errors and runs the whole suite twice:
#   1. in build-test/, Release with the TLM protocol checkers and invariant checks compiled
#      in (EBATCH_CHECKS), apart from the Release build of tools/build.sh in build/;
#   2. in build-asan/, the same under AddressSanitizer and UndefinedBehaviorSanitizer.
# CI runs this (.ci/run). Options: --no-sanitize  only the first;  --sanitize  only the second.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
plain=1 sanitized=1
case "${1:-}" in
  "") ;;
  --no-sanitize) sanitized=0 ;;
  --sanitize) plain=0 ;;
  *) echo "usage: tools/test.sh [--no-sanitize | --sanitize]" >&2; exit 2 ;;
esac
bash "$root/tools/setup.sh" build test slurm

suite() {  # BUILD_DIR CMAKE_ARGS...
  local build="$1"; shift
  cmake -S "$root" -B "$build" -DEBATCH_WERROR=ON -DEBATCH_TESTS=ON -DEBATCH_CHECKS=ON "$@" >/dev/null
  cmake --build "$build" -j "$(nproc)"
  (cd "$build" && ctest -j "$(nproc)" --output-on-failure --timeout 600)
}

if [ $plain -eq 1 ]; then
  echo "== test suite (build-test/: checks on)"
  suite "$root/build-test" -DCMAKE_BUILD_TYPE=Release
fi
if [ $sanitized -eq 1 ]; then
  echo "== test suite under ASan + UBSan (build-asan/)"
  # LeakSanitizer trips on SystemC's thread-stack guard pages (REFERENCE.md section 10).
  export ASAN_OPTIONS=detect_leaks=0:detect_stack_use_after_return=0
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  # The RTL co-simulation tests pass under the sanitizers too (docs/ARCHITECTURE.md, "RTL
  # co-simulation"), but compiling the verilated models under ASan costs minutes of CI: they
  # are built here only with EBATCH_ASAN_RTL=1; otherwise ctest reports them as skipped.
  rtl=OFF
  [ "${EBATCH_ASAN_RTL:-0}" = 1 ] && rtl=AUTO
  # -g1: line tables and function names for the sanitizers' stack traces, without the full
  # debug information, which cost about a sixth of this suite's compile time.
  suite "$root/build-asan" -DEBATCH_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEBATCH_BENCHMARKS=OFF \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG" -DEBATCH_RTL=$rtl
fi
