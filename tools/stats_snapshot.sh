#!/usr/bin/env bash
# Runs every shipped experiment (configs/experiments/*.yaml) and every point of every shipped
# sweep (configs/sweeps/**/*.yaml) and collects their stats.json files into OUT, one file per
# run, so that two trees (before and after a refactoring) can be compared byte for byte:
#   bash tools/stats_snapshot.sh OUT_BEFORE            (with the old binary)
#   EBATCH=other/build/tools/ebatch bash tools/stats_snapshot.sh OUT_AFTER
#   diff -r OUT_BEFORE OUT_AFTER && echo identical
# Or both at once: bash tools/stats_snapshot.sh --compare OLD_EBATCH NEW_EBATCH [OUT]
# stats.json holds only modelled results (no wall clock), so identical models give identical bytes.
# EXTRA=1 (environment): also the default experiment under every policy variant a speed change
# can reach (cellular in queue and mmio mode x each scheduler x in_flight slots and auto, 300
# requests; ebatch, padded, none as configured), files extra_*.json.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jobs="${JOBS:-$(nproc)}"

extra() {  # EBATCH OUT WORK: the default experiment under each policy variant
  local ebatch="$1" out="$2" work="$3" exp="$root/configs/experiments/default.yaml" mode sched fl name
  local -a variants=("ebatch:" "padded:--set policy.window_steps=~ --set policy.kind=padded"
    "none:--set policy.window_steps=~ --set policy.kind=none --set policy.slots=1")
  for mode in queue mmio; do
    for sched in oldest_deepest most_ready sticky; do
      for fl in slots auto; do
        variants+=("cellular_${mode}_${sched}_${fl}:--set policy.window_steps=~ --set policy.kind=cellular \
--set policy.command_mode=$mode --set policy.scheduler=$sched --set policy.in_flight=$fl --set workload.requests=300")
      done
    done
  done
  local v args
  for v in "${variants[@]}"; do
    name="${v%%:*}"
    read -r -a args <<<"${v#*:}"
    (cd "$root" && "$ebatch" run "$exp" "${args[@]}" --out "$work/extra_$name" >/dev/null 2>&1) ||
      echo "stats_snapshot: extra run $name exited $?" >&2
    [ -f "$work/extra_$name/stats.json" ] && cp "$work/extra_$name/stats.json" "$out/extra_$name.json"
  done
}

snapshot() {  # EBATCH OUT
  local ebatch="$1" out="$2" work
  [ -x "$ebatch" ] || { echo "stats_snapshot: no ebatch binary at $ebatch" >&2; exit 2; }
  rm -rf "$out"
  mkdir -p "$out"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' RETURN
  for f in "$root"/configs/experiments/*.yaml; do
    local name
    name="$(basename "$f" .yaml)"
    (cd "$root" && "$ebatch" run "$f" --out "$work/exp_$name" >/dev/null 2>&1) ||
      echo "stats_snapshot: run of $f exited $?" >&2
    [ -f "$work/exp_$name/stats.json" ] && cp "$work/exp_$name/stats.json" "$out/experiment_$name.json"
  done
  while IFS= read -r f; do
    local rel name
    rel="${f#"$root"/configs/sweeps/}"
    name="$(echo "${rel%.yaml}" | tr '/' '_')"
    (cd "$root" && "$ebatch" sweep "$f" --jobs "$jobs" --out "$work/sweep_$name" >/dev/null 2>&1) ||
      echo "stats_snapshot: sweep $f exited $?" >&2
    for p in "$work/sweep_$name"/points/*/; do
      [ -f "$p/stats.json" ] && cp "$p/stats.json" "$out/sweep_${name}_$(basename "$p").json"
    done
  done < <(find "$root/configs/sweeps" -name '*.yaml' | sort)
  [ "${EXTRA:-0}" = 1 ] && extra "$ebatch" "$out" "$work"
  echo "stats_snapshot: $(ls "$out" | wc -l) stats.json files in $out" >&2
}

if [ "${1:-}" = "--compare" ]; then
  [ $# -ge 3 ] || { echo "usage: stats_snapshot.sh --compare OLD_EBATCH NEW_EBATCH [OUT]" >&2; exit 2; }
  base="${4:-$(mktemp -d)}"
  snapshot "$2" "$base/before"
  snapshot "$3" "$base/after"
  if diff -rq "$base/before" "$base/after"; then
    echo "stats_snapshot: $(ls "$base/before" | wc -l) stats.json files byte-identical"
  else
    echo "stats_snapshot: stats.json files differ (see diff -r $base/before $base/after)" >&2
    exit 1
  fi
else
  [ $# -eq 1 ] || { echo "usage: stats_snapshot.sh OUT | --compare OLD_EBATCH NEW_EBATCH [OUT]" >&2; exit 2; }
  snapshot "${EBATCH:-$root/build/tools/ebatch}" "$1"
fi
