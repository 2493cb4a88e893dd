#!/usr/bin/env bash
# Fuzzes the parsers of untrusted input with libFuzzer (clang, ASan, UBSan): the experiment
# YAML loader, the request-trace CSV reader, the .npy/.npz readers, the sweep file's reader
# and the `--set` overrides (tests/fuzz/fuzz_entries.h). Builds in build-fuzz/ with clang++, then runs each target for
# SECONDS (default 120) from a copy of its seed corpus (tests/fuzz/corpus/<target>/).
# A crash, hang (> 10 s) or out-of-memory (> 2 GiB) input is written to
# build-fuzz/artifacts/<target>/; copy it to tests/fuzz/regressions/<target>/ once fixed, so the
# suite replays it (FuzzCorpus test). Prints the executions, coverage (libFuzzer's edge counters
# "cov" and features "ft" reached) and findings per target.
# Usage: bash tools/fuzz.sh [SECONDS] [TARGET...]
#   (targets: experiment_yaml request_trace npy npz sweep_file set_override)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-120}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(experiment_yaml request_trace npy npz sweep_file set_override)
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || { echo "fuzz: SECONDS must be a positive integer" >&2; exit 2; }
bash "$root/tools/setup.sh" build
if ! command -v clang++ >/dev/null || ! dpkg-query -W -f='${Status}' libclang-rt-14-dev 2>/dev/null | grep -q "ok installed"; then
  echo "fuzz: installing clang and its runtime (libFuzzer)" >&2
  sudo_cmd=(); [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends clang libclang-rt-14-dev >/dev/null
fi
build="$root/build-fuzz"
cmake -S "$root" -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEBATCH_FUZZ=ON \
  -DEBATCH_TESTS=OFF -DEBATCH_BENCHMARKS=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target $(printf 'fuzz_%s ' "${targets[@]}")
export ASAN_OPTIONS=detect_leaks=0:detect_stack_use_after_return=0:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
status=0
printf '\n%-16s %12s %10s %8s %8s %8s  %s\n' target executions "exec/s" coverage features findings artifacts
for t in "${targets[@]}"; do
  corpus="$build/corpus/$t"; artifacts="$build/artifacts/$t"
  mkdir -p "$corpus" "$artifacts"
  cp -n "$root/tests/fuzz/corpus/$t/"* "$corpus/" 2>/dev/null || true
  log="$build/fuzz_$t.log"
  set +e
  "$build/tests/fuzz/fuzz_$t" "$corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix="$artifacts/" >"$log" 2>&1
  rc=$?
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n1)
  found=$(find "$artifacts" -type f | wc -l)
  # libFuzzer's last status line: "cov: N" edges (coverage counters) and "ft: M" features reached.
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -n1 | cut -d' ' -f2)
  printf '%-16s %12s %10s %8s %8s %8s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$found" "$artifacts"
  if [ $rc -ne 0 ] || [ "$found" -gt 0 ]; then status=1; grep -m5 -E "ERROR|SUMMARY|==[0-9]+==" "$log" >&2 || true; fi
done
exit $status
