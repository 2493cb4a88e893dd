#!/usr/bin/env bash
# Feeds `ebatch` a catalogue of bad inputs and prints, per case, the exit code and the one
# message it gave; fails unless every case exits 2 with a one-line message and leaves no
# output folder. The table in docs/RELIABILITY.md is this script's output.
# Usage: bash tools/check_bad_inputs.sh        (EBATCH=path/to/ebatch to use another binary)
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ebatch="$(realpath "${EBATCH:-$root/build/tools/ebatch}" 2>/dev/null || echo "${EBATCH:-}")"
[ -x "$ebatch" ] || { echo "check_bad_inputs: no ebatch binary at $ebatch" >&2; exit 2; }
tmp="$(mktemp -d "${TMPDIR:-/tmp}/ebatch-bad.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
exp="$root/configs/experiments/default.yaml"
cd "$tmp"
printf 'name: x\nseed: [1\n' > malformed.yaml
printf 'name: x\nname: y\n' > duplicate.yaml
sed 's/^seed: 42/sead: 42/' "$exp" | sed "s|\.\./|$root/configs/|" > misspelt.yaml
printf 'id,arrival_s,length\n0,0,5\n1,0.5,0\n' > trace_zero.csv
printf 'id,arrival_s,length\n0,1,5\n1,0.5,3\n' > trace_unsorted.csv
printf 'id,arrival_s\n0,0\n' > trace_header.csv
printf 'not a zip' > weights.npz
printf '\x93NUMPY\x01\x00\x10\x00{"descr": "<f4"' > truncated.npy
fail=0
n=0
row() {  # DESCRIPTION ARGS...
  local what="$1"; shift
  n=$((n + 1))
  local out="$tmp/out$n"
  "$ebatch" "$@" --out "$out" >"$tmp/stdout" 2>"$tmp/stderr"
  local rc=$?
  local msg lines
  msg="$(tr -d '\r' <"$tmp/stderr" | sed "s|$tmp/||g; s|$root/||g")"
  lines=$(grep -c . "$tmp/stderr")
  printf '| %s | %s | `%s` |\n' "$what" "$rc" "$msg"
  if [ "$rc" -ne 2 ] || [ "$lines" -ne 1 ] || [ -e "$out" ]; then
    echo "check_bad_inputs: FAIL: $what (exit $rc, $lines lines, output folder $( [ -e "$out" ] && echo left || echo absent))" >&2
    fail=1
  fi
}
echo "| bad input | exit | message |"
echo "|---|---|---|"
row "malformed YAML" run malformed.yaml
row "duplicate key" run duplicate.yaml
row "misspelt key" run misspelt.yaml
row "missing file" run nowhere.yaml
row "unknown key by --set" run "$exp" --set policy.slotz=4
row "wrong type" run "$exp" --set workload.requests=many
row "out of range" run "$exp" --set policy.slots=0
row "impossible hardware (buffer)" run "$exp" --set hardware.input_buffer=16B
row "impossible hardware (DRAM)" run "$exp" --set hardware.dram.capacity=1KiB
row "unit missing" run "$exp" --set hardware.frequency=500
row "policy option for another policy" run "$exp" --set "policy={kind: cellular, slots: 4, window_steps: 8}"
row "too many slots for the register map" run "$exp" --set policy.slots=300
row "trace with a zero length" run "$exp" --set "workload.lengths={distribution: trace}" --set "workload.trace=$tmp/trace_zero.csv"
row "trace not sorted" run "$exp" --set "workload.arrivals={process: trace}" --set "workload.trace=$tmp/trace_unsorted.csv"
row "trace header wrong" run "$exp" --set "workload.lengths={distribution: trace}" --set "workload.trace=$tmp/trace_header.csv"
row "weights not an .npz" run "$exp" --set simulation.functional=true --set "simulation.weights=$tmp/weights.npz"
row "inputs a truncated .npy, not an .npz" run "$exp" --set simulation.functional=true --set "simulation.inputs=$tmp/truncated.npy"
row "bad fault list" run "$exp" --set "simulation.faults={dram_error: 3}"
row "unknown command option" run "$exp" --bogus
# Outputs that must not escape --out or be left half-written (issue 17).
c="$root/configs"
printf 'base: %s\nrequests: 2\npolicies: [cellular, ebatch]\nplatforms:\n  epur: {hardware: %s, energy: %s, slots: 2, claims: {throughput: 1, energy_efficiency: 1}}\nnetworks:\n  ../../escape: {network: %s, lengths: %s}\n' \
  "$c/experiments/default.yaml" "$c/hw/epur.yaml" "$c/energy/epur_28nm.yaml" "$root/models/eesen.yaml" \
  "$root/models/datasets/imdb.yaml" > escape.yaml
printf 'experiment: %s\nset: {workload.requests: 2}\ngrid: {policy.slots: [2, 4]}\n' "$exp" > sweep.yaml
mkdir -p a_folder
row "reproduce network name leading out of --out" reproduce --config escape.yaml --no-plots
row "--emit-slurm given a folder" sweep sweep.yaml --emit-slurm "$tmp/a_folder"
row "--slurm-partition with a blank" sweep sweep.yaml --emit-slurm "$tmp/array.sh" --slurm-partition "a b"
exit $fail
