#!/usr/bin/env bash
# Wall-clock speed of `ebatch run` on the default experiment (EESEN on E-PUR). Builds
# nothing. Usage:
#   tools/bench/bench_sim.sh [EBATCH_BIN [BENCH_DATAPATH_BIN]]
#     EBATCH_BIN          default build/tools/ebatch
#     BENCH_DATAPATH_BIN  default: bench/bench_datapath beside EBATCH_BIN; when it exists,
#                         the bare Eigen GEMM rate is measured too and compared (none: skip)
#   REPEATS=3 (environment): runs per measurement; the median is reported.
#   POLICIES="cellular-queue cellular-mmio none padded ebatch" (environment, any subset):
#                       also the timing-only run per policy, REPEATS runs each, median.
# Measures, each REPEATS times:
#   1. timing-only: default.yaml --set workload.requests=1000, medians of
#      sequence_layer_steps_per_wall_s and _per_cpu_s from wallclock.json (CPU time leaves
#      out the waits for a core that wall clock includes on a loaded machine);
#   2. functional: + simulation.functional=true, check_golden=false, workload.requests=5,
#      median time-steps per wall second (per layer direction, to compare with the bare GEMMs);
#   3. (optional) bench_datapath's BM_EigenSequence for layers 0 and 1, median of REPEATS.
# Needs python3 (parses the JSON). Run on a quiet machine: it prints the load.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
abspath() { case "$1" in /*) printf '%s\n' "$1" ;; *) printf '%s/%s\n' "$PWD" "$1" ;; esac; }
ebatch="$(abspath "${1:-$root/build/tools/ebatch}")"
bench="${2:-$(dirname "$ebatch")/bench/bench_datapath}"
[ "$bench" = none ] || bench="$(abspath "$bench")"
repeats="${REPEATS:-3}"

die() { echo "bench_sim: $*" >&2; exit 2; }
[ -x "$ebatch" ] || die "no ebatch binary at $ebatch (build first: tools/build.sh)"
command -v python3 >/dev/null || die "python3 is needed to read stats.json"
[[ "$repeats" =~ ^[1-9][0-9]*$ ]] || die "REPEATS must be a positive integer"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/ebatch-bench.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
cd "$root"
experiment=configs/experiments/default.yaml

load() { cut -d' ' -f1-3 /proc/loadavg; }
median() { python3 -c 'import statistics,sys; print(statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }
# field FILE KEY: a top-level number from a JSON file
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

echo "== machine"
echo "date       $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "cpu        $(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n1)"
echo "nproc      $(nproc)"
echo "load       $(load) (1, 5, 15 min)"
echo "ebatch     $ebatch ($("$ebatch" --version))"
echo "built      $(date -u -r "$ebatch" '+%Y-%m-%d %H:%M UTC')"
echo "tree       $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet HEAD 2>/dev/null || echo ' + local changes') (the source tree now; the binary may be older)"

run() {  # run NAME ARGS...: one ebatch run into $tmp/NAME, log kept for failures
  local name="$1"; shift
  if ! "$ebatch" run "$experiment" "$@" --out "$tmp/$name" >"$tmp/$name.log" 2>&1; then
    cat "$tmp/$name.log" >&2
    die "ebatch run failed: $*"
  fi
}

timing() {  # timing NAME ARGS...: REPEATS timing-only runs of 1000 requests; sets $rate_median, $cpu_median
  local name="$1"; shift
  local rates=() cpu_rates=() i s r c
  for i in $(seq "$repeats"); do
    run "$name$i" --set workload.requests=1000 "$@"
    s="$tmp/$name$i/wallclock.json"
    r="$(field "$s" sequence_layer_steps_per_wall_s)"
    c="$(field "$s" sequence_layer_steps_per_cpu_s)"
    rates+=("$r")
    cpu_rates+=("$c")
    printf 'run %d  %s sequence-layer-steps in %.3f s wall (%.4g /s), %.3f s CPU (%.4g /s)  (load %s)\n' \
      "$i" "$(field "$s" sequence_layer_steps)" "$(field "$s" wall_clock_s)" "$r" "$(field "$s" cpu_s)" "$c" "$(load)"
  done
  rate_median="$(median "${rates[@]}")"
  cpu_median="$(median "${cpu_rates[@]}")"
}

echo
echo "== timing-only: EESEN on E-PUR, 1000 requests ($repeats runs)"
timing timing
printf 'median     %.4g sequence-layer-steps per wall second, %.4g per CPU second (aim: >= 2e7)\n' "$rate_median" \
  "$cpu_median"

# Layer directions of the experiment's network (2 for a bidirectional one).
# Optional (POLICIES="cellular-queue cellular-mmio none padded ebatch", any subset): the same
# timing-only run per policy, REPEATS runs each and the median. ebatch is the default experiment;
# the others replace its policy kind (B = 8 as configured; none with one slot).
for policy in ${POLICIES:-}; do
  case "$policy" in
    cellular-queue) pargs=(--set policy.window_steps=~ --set policy.kind=cellular --set policy.command_mode=queue) ;;
    cellular-mmio) pargs=(--set policy.window_steps=~ --set policy.kind=cellular --set policy.command_mode=mmio) ;;
    none) pargs=(--set policy.window_steps=~ --set policy.kind=none --set policy.slots=1) ;;
    padded) pargs=(--set policy.window_steps=~ --set policy.kind=padded) ;;
    ebatch) pargs=() ;;
    *) die "POLICIES: unknown '$policy' (cellular-queue, cellular-mmio, none, padded, ebatch)" ;;
  esac
  echo
  echo "== timing-only, policy $policy: EESEN on E-PUR, 1000 requests ($repeats runs)"
  timing "$policy" "${pargs[@]}"
  printf 'median     %.4g sequence-layer-steps per wall second, %.4g per CPU second%s\n' "$rate_median" "$cpu_median" \
    "$([ "$policy" = cellular-queue ] && echo ' (aim of issue 13: >= 1.5e7)')"
done

directions="$(python3 -c '
import re,sys
m = re.search(r"^network:\n(?:  .*\n)*?  bidirectional:\s*(\w+)", open(sys.argv[1]).read(), re.M)
print(2 if m and m.group(1) == "true" else 1)' "$tmp/timing1/resolved.yaml")"

echo
echo "== functional: fp16 datapath, 5 requests, no golden check ($repeats runs)"
frates=()
for i in $(seq "$repeats"); do
  run "functional$i" --set workload.requests=5 --set simulation.functional=true --set simulation.check_golden=false
  s="$tmp/functional$i/wallclock.json"
  steps="$(field "$s" sequence_layer_steps)"
  wall="$(field "$s" wall_clock_s)"
  r="$(python3 -c 'import sys; print(float(sys.argv[1]) * int(sys.argv[2]) / float(sys.argv[3]))' "$steps" "$directions" "$wall")"
  frates+=("$r")
  printf 'run %d  %s sequence-layer-steps x %d directions in %.3f s wall: %.4g layer-direction steps/s  (load %s)\n' \
    "$i" "$steps" "$directions" "$wall" "$r" "$(load)"
done
fmed="$(median "${frates[@]}")"
printf 'median     %.4g layer-direction time-steps/s (= %.4g sequence-layer-steps/s)\n' \
  "$fmed" "$(python3 -c 'import sys; print(float(sys.argv[1]) / int(sys.argv[2]))' "$fmed" "$directions")"

if [ "$bench" = none ]; then
  exit 0
elif [ ! -x "$bench" ]; then
  echo
  echo "(no bench_datapath at $bench: bare GEMM comparison skipped; build with -DEBATCH_BENCHMARKS=ON)"
  exit 0
fi

echo
echo "== bare Eigen GEMMs (bench_datapath BM_EigenSequence, T=758, median of $repeats)"
"$bench" --benchmark_filter='^BM_EigenSequence/' --benchmark_repetitions="$repeats" \
  --benchmark_report_aggregates_only=true --benchmark_format=json >"$tmp/bare.json" 2>"$tmp/bare.log" \
  || { cat "$tmp/bare.log" >&2; die "bench_datapath failed"; }
python3 - "$tmp/bare.json" "$fmed" "$tmp/timing1/resolved.yaml" <<'PY'
import json, re, sys
bench = json.load(open(sys.argv[1]))["benchmarks"]
# Median aggregate rows when repeated; otherwise the single iteration row.
rate = {}
for b in bench:
    layer = int(re.search(r"layer:(\d+)", b["run_name"]).group(1))
    if b.get("aggregate_name") == "median" or (b.get("run_type") == "iteration" and layer not in rate):
        rate[layer] = b["items_per_second"]
layers = int(re.search(r"^  layers:\s*(\d+)", open(sys.argv[3]).read(), re.M).group(1))
# Mean time of one layer-direction step over the network: layer 0 plus (layers-1) of layer 1.
bare = layers / (1 / rate[0] + (layers - 1) / rate[1])
functional = float(sys.argv[2])
print(f"layer 0    {rate[0]:.4g} time-steps/s")
print(f"layer 1-{layers-1}  {rate[1]:.4g} time-steps/s")
print(f"network    {bare:.4g} layer-direction time-steps/s (layer 0 once, layer 1 {layers-1} times)")
print(f"functional / bare = {functional / bare:.2f} (aim: >= 0.67, i.e. within 1.5x of the bare products)")
PY
echo "load       $(load)"
