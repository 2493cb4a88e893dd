#!/usr/bin/env bash
# Smoke test of tools/plot.py: a tiny compare (8 requests) and a tiny sweep (4 points of
# 8 requests) with the ebatch binary, then every subcommand, checking that each PNG and
# SVG is written, that a rerun gives identical files, and that bad input exits with 2
# and one message. Takes a few seconds once the binary is built; not part of CI.
# Usage: bash tools/check_plots.sh        (EBATCH=path/to/ebatch to use another binary)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ebatch="${EBATCH:-$root/build/tools/ebatch}"
if [ ! -x "$ebatch" ]; then
  echo "check_plots: no ebatch binary at $ebatch; build it (bash tools/build.sh) or set EBATCH=..." >&2
  exit 1
fi
bash "$root/tools/setup.sh" plots >&2
py=/usr/bin/python3
[ -x "$py" ] || py=python3
plot=("$py" "$root/tools/plot.py")

SECONDS=0
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
checks=0
fail() { echo "check_plots: FAIL: $*" >&2; exit 1; }

# Inputs: a compare directory and a sweep directory.
"$ebatch" compare "$root/configs/experiments/default.yaml" --set workload.requests=8 \
  --out "$tmp/cmp" >"$tmp/compare.log" 2>&1 || { cat "$tmp/compare.log" >&2; fail "ebatch compare"; }
cat >"$tmp/sweep.yaml" <<EOF
experiment: $root/configs/experiments/default.yaml
name: check_plots
set: {workload.requests: 8}
grid:
  policy.slots: [2, 4]
  policy.window_steps: [8, 32]
EOF
if "$ebatch" sweep --help >/dev/null 2>&1; then
  "$ebatch" sweep "$tmp/sweep.yaml" --out "$tmp/sw" >"$tmp/sweep.log" 2>&1 \
    || { cat "$tmp/sweep.log" >&2; fail "ebatch sweep"; }
else  # no sweep command in this binary: the same layout by hand
  metrics=(throughput_sequences_per_s latency_s.p50 latency_s.p99 energy_j.per_sequence
           dram.bytes_per_sequence step_slots.padding_fraction simulated_time_s)
  (IFS=,; echo "point,policy.slots,policy.window_steps,${metrics[*]}") >"$tmp/sw.csv"
  i=0
  for b in 2 4; do
    for n in 8 32; do
      id=$(printf %04d $i)
      "$ebatch" run "$root/configs/experiments/default.yaml" --set workload.requests=8 \
        --set policy.slots=$b --set policy.window_steps=$n --out "$tmp/sw/points/$id" >/dev/null 2>&1 \
        || fail "ebatch run (point $id)"
      "$py" - "$tmp/sw/points/$id/stats.json" "$id,$b,$n" "${metrics[@]}" >>"$tmp/sw.csv" <<'PY'
import json, sys
stats = json.load(open(sys.argv[1]))
def get(key):
    cur = stats
    for part in key.split("."):
        cur = cur[part]
    return repr(cur) if isinstance(cur, float) else str(cur)
print(",".join([sys.argv[2]] + [get(k) for k in sys.argv[3:]]))
PY
      i=$((i + 1))
    done
  done
  mv "$tmp/sw.csv" "$tmp/sw/sweep.csv"
fi

if "$ebatch" reproduce --help >/dev/null 2>&1; then
  "$ebatch" reproduce --quick --no-plots --out "$tmp/rep" >"$tmp/reproduce.log" 2>&1 \
    || { cat "$tmp/reproduce.log" >&2; fail "ebatch reproduce --quick"; }
fi

# Every subcommand writes a PNG and an SVG.
run_plot() {  # NAME ARGS...
  local name="$1"; shift
  "${plot[@]}" "$@" --out "$tmp/out/$name" >"$tmp/plot.log" 2>&1 \
    || { cat "$tmp/plot.log" >&2; fail "plot.py $* exited with $?"; }
  [ -s "$tmp/out/$name.png" ] && [ "$(head -c 8 "$tmp/out/$name.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] \
    || fail "$name.png missing or not a PNG"
  [ -s "$tmp/out/$name.svg" ] && grep -q "<svg" "$tmp/out/$name.svg" || fail "$name.svg missing or not an SVG"
  checks=$((checks + 1))
}
run_plot latency_cdf latency-cdf "$tmp/cmp"
run_plot latency_cdf_two latency-cdf "$tmp/cmp" "$tmp/cmp/ebatch"
run_plot energy energy "$tmp/cmp"
run_plot energy_run energy "$tmp/cmp/ebatch"
run_plot sweep sweep "$tmp/sw" --x policy.window_steps --group policy.slots
run_plot sweep_metrics sweep "$tmp/sw" --x policy.slots --where policy.window_steps=8 \
  --metrics latency_s.p99,dram.bytes_per_sequence,accelerator.compute_utilisation
run_plot pareto pareto "$tmp/sw"
run_plot tuner tuner "$tmp/cmp/ebatch"
[ -d "$tmp/rep" ] && run_plot reproduce reproduce "$tmp/rep"

# Reruns give byte-identical files; --format picks the files.
mkdir -p "$tmp/again"
for name in energy pareto; do
  case $name in
    energy) args=(energy "$tmp/cmp") ;;
    pareto) args=(pareto "$tmp/sw") ;;
  esac
  "${plot[@]}" "${args[@]}" --out "$tmp/again/$name" >/dev/null
  cmp -s "$tmp/out/$name.png" "$tmp/again/$name.png" || fail "$name.png differs on a rerun"
  cmp -s "$tmp/out/$name.svg" "$tmp/again/$name.svg" || fail "$name.svg differs on a rerun"
  checks=$((checks + 1))
done
"${plot[@]}" tuner "$tmp/cmp" --format svg --out "$tmp/again/only_svg" >/dev/null
[ -s "$tmp/again/only_svg.svg" ] && [ ! -e "$tmp/again/only_svg.png" ] || fail "--format svg"
checks=$((checks + 1))

# Bad input: exit code 2, one line naming the file, no traceback.
expect_error() {  # TEXT ARGS...: stderr must contain TEXT
  local text="$1"; shift
  local rc=0
  "${plot[@]}" "$@" --out "$tmp/bad/x" >/dev/null 2>"$tmp/err.log" || rc=$?
  [ $rc -eq 2 ] || fail "plot.py $* exited with $rc, expected 2"
  grep -qF -- "$text" "$tmp/err.log" || fail "plot.py $*: message does not name '$text': $(cat "$tmp/err.log")"
  ! grep -q Traceback "$tmp/err.log" || fail "plot.py $*: traceback"
  [ ! -e "$tmp/bad/x.png" ] || fail "plot.py $*: wrote a file on bad input"
  checks=$((checks + 1))
}
mkdir -p "$tmp/empty"
expect_error "$tmp/missing" latency-cdf "$tmp/missing"
expect_error "$tmp/empty: neither a run directory" energy "$tmp/empty"
expect_error "$tmp/sw: neither a run directory" energy "$tmp/sw"
expect_error "$tmp/sw/sweep.csv: unknown key 'policy.nope'" sweep "$tmp/sw" --x policy.nope
expect_error "unknown key 'energy_j.nope'" pareto "$tmp/sw" --energy energy_j.nope
expect_error "$tmp/cmp/cellular/stats.json: empty 'tuner' table" tuner "$tmp/cmp/cellular"
expect_error "$tmp/empty/sweep.csv: no such file" sweep "$tmp/empty" --x policy.slots
expect_error "$tmp/empty/reproduce.json: no such file" reproduce "$tmp/empty"
rm "$tmp/cmp/padded/requests.csv" "$tmp/cmp/padded/stats.json"
expect_error "$tmp/cmp/padded: missing" latency-cdf "$tmp/cmp"

echo "check_plots: ok ($checks checks, ${SECONDS}s)"
