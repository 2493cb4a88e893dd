#!/usr/bin/env bash
# Instruction-count profile of one timing-only `ebatch run` under callgrind (valgrind):
# repeatable for the same binary and inputs, whatever else the machine is doing.
# Usage: tools/bench/profile.sh [POLICY_SECTION] [REQUESTS] [EXPERIMENT]
#   POLICY_SECTION  default "{kind: cellular, slots: 8}" (any policy section, as for --set policy=)
#   REQUESTS        default 100
#   EXPERIMENT      default configs/experiments/default.yaml (EESEN on E-PUR)
# Prints the total instructions, instructions per sequence-layer-step and the 20 costliest
# functions (self cost); keeps the callgrind file for callgrind_annotate / kcachegrind.
# Needs valgrind (Debian package valgrind) and a Release build (bash tools/build.sh).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
ebatch="${EBATCH:-$root/build/tools/ebatch}"
policy="${1:-{kind: cellular, slots: 8\}}"
requests="${2:-100}"
experiment="${3:-$root/configs/experiments/default.yaml}"
command -v valgrind >/dev/null || { echo "profile: valgrind is not installed (apt-get install valgrind)" >&2; exit 2; }
[ -x "$ebatch" ] || { echo "profile: no ebatch binary at $ebatch (bash tools/build.sh)" >&2; exit 2; }
tmp="$(mktemp -d "${TMPDIR:-/tmp}/ebatch-profile.XXXXXX")"
out="$tmp/callgrind.out"
valgrind --tool=callgrind --callgrind-out-file="$out" "$ebatch" run "$experiment" --set "policy=$policy" \
  --set "workload.requests=$requests" --set output.progress=off --out "$tmp/run" >"$tmp/log" 2>&1 \
  || { cat "$tmp/log" >&2; exit 1; }
total=$(sed -n 's/^==[0-9]*== Collected : //p; s/^==[0-9]*== I *refs: *//p' "$tmp/log" | tr -d , | head -n1)
steps=$(sed -n 's/.*"sequence_layer_steps": *\([0-9]*\).*/\1/p' "$tmp/run/stats.json")
commands=$(sed -n 's/.*"commands": *\([0-9]*\).*/\1/p' "$tmp/run/stats.json")
echo "policy $policy, $requests requests: $total instructions, $steps sequence-layer-steps," \
  "$((total / steps)) instructions per step, $commands accelerator commands ($((total / commands)) per command)"
callgrind_annotate "$out" 2>/dev/null | sed -n '/^Ir/,$p' | sed -n '3,22p' | cut -c1-150
echo "callgrind file: $out"
