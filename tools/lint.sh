#!/usr/bin/env bash
# Static analysis: clang-tidy (checks in .clang-tidy) over every C++ source of the
# project, then cppcheck (warning, performance and portability checks). Exit 0 only
# when both report nothing. Configures build-lint/ for compile_commands.json (no build).
# Usage: bash tools/lint.sh [FILE.cpp...]       (JOBS=J, default the number of cores)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jobs="${JOBS:-$(nproc)}"
bash "$root/tools/setup.sh" build test
missing=()
command -v clang-tidy >/dev/null || missing+=(clang-tidy)
command -v cppcheck >/dev/null || missing+=(cppcheck)
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=(); [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
build="$root/build-lint"
cmake -S "$root" -B "$build" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON -DCMAKE_DISABLE_PRECOMPILE_HEADERS=ON \
  -DEBATCH_TESTS=ON -DEBATCH_BENCHMARKS=OFF -DEBATCH_CHECKS=ON >/dev/null
cd "$root"
if [ $# -gt 0 ]; then files=("$@"); else
  # Every project source in the compile database (the fuzz targets need clang: tools/fuzz.sh).
  mapfile -t files < <(git ls-files 'common/*.cpp' 'hw/*.cpp' 'runtime/*.cpp' 'tb/*.cpp' 'tools/*.cpp' 'tests/*.cpp' |
    grep -v '^tests/fuzz/fuzz_main.cpp$')
fi
echo "lint: clang-tidy on ${#files[@]} files, $jobs at a time" >&2
tidy_log="$build/clang-tidy.log"
printf '%s\n' "${files[@]}" | xargs -P "$jobs" -n 4 clang-tidy -p "$build" --quiet >"$tidy_log" 2>/dev/null || true
tidy=$(grep -cE "(warning|error): " "$tidy_log" || true)
grep -E "(warning|error): " "$tidy_log" | sort -u >&2 || true
echo "lint: cppcheck" >&2
cppcheck_log="$build/cppcheck.log"
cppcheck --project="$build/compile_commands.json" --enable=warning,performance,portability --inline-suppr \
  --library=googletest \
  --suppress=missingIncludeSystem --suppress='*:/usr/*' -i "$build" --quiet -j "$jobs" \
  --template='{file}:{line}: {severity}: {message} [{id}]' 2>"$cppcheck_log" || true
cpp=$(grep -c ": " "$cppcheck_log" || true)
cat "$cppcheck_log" >&2
echo "lint: clang-tidy ${tidy} findings, cppcheck ${cpp} findings"
[ "$tidy" -eq 0 ] && [ "$cpp" -eq 0 ]
