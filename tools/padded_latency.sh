#!/usr/bin/env bash
# What padded batching's options cost in latency under online arrivals (issue 13): EESEN on
# E-PUR (B = 8) and on the TPU (B = 16), LibriSpeech test-clean lengths, Poisson arrivals at
# 50% and 90% of padded's saturation throughput (order arrival, every request at time zero),
# order arrival vs length with sort_window 16 / 64 / 0 (every waiting request), batch_timeout
# 0 / 10 ms / 100 ms. Prints one markdown row per run (docs/ARCHITECTURE.md, padded batching).
# Usage: bash tools/padded_latency.sh [REQUESTS]   (default 1000; EBATCH=path/to/ebatch)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ebatch="${EBATCH:-$root/build/tools/ebatch}"
requests="${1:-1000}"
work="$(mktemp -d "${TMPDIR:-/tmp}/padded-latency.XXXXXX")"
trap 'rm -rf "$work"' EXIT
exp="$root/configs/experiments/default.yaml"
stat() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"; }
run() {  # PLATFORM OUT POLICY [ARRIVALS]
  local hw=epur energy=epur_28nm
  [ "$1" = tpu ] && hw=tpu_v1 energy=tpu_28nm
  "$ebatch" run "$exp" --set "hardware=$root/configs/hw/$hw.yaml" --set "energy=$root/configs/energy/$energy.yaml" \
    --set "workload.requests=$requests" --set output.progress=off --set "policy=$3" \
    --set "workload.arrivals=${4:-{process: all_at_zero\}}" --out "$2" > /dev/null 2>&1
}
echo "| platform | load | order | sort_window | batch_timeout | p50 | p99 | seq/s |"
echo "|---|---|---|---|---|---|---|---|"
for plat in epur tpu; do
  b=8
  [ "$plat" = tpu ] && b=16
  run "$plat" "$work/sat_$plat" "{kind: padded, slots: $b}"
  sat=$(stat "$work/sat_$plat/stats.json" 'd["throughput_sequences_per_s"]')
  echo "$plat: padded saturation (order arrival, B = $b) $sat seq/s" >&2
  for load in 50 90; do
    rate=$(python3 -c "print($load / 100 * $sat)")
    for variant in "arrival 0" "length 16" "length 64" "length 0"; do
      read -r order win <<< "$variant"
      for timeout in "0 s" "10 ms" "100 ms"; do
        out="$work/run"
        rm -rf "$out"
        run "$plat" "$out" "{kind: padded, slots: $b, order: $order, sort_window: $win, batch_timeout: '$timeout'}" \
          "{process: poisson, rate: '$rate /s'}"
        printf '| %s | %s%% | %s | %s | %s | %s | %s | %s |\n' "$plat" "$load" "$order" \
          "$([ "$order" = arrival ] && echo - || echo "$win")" "$timeout" \
          "$(stat "$out/stats.json" '"%.2f s" % d["latency_s"]["p50"]')" \
          "$(stat "$out/stats.json" '"%.2f s" % d["latency_s"]["p99"]')" \
          "$(stat "$out/stats.json" '"%.3g" % d["throughput_sequences_per_s"]')"
      done
    done
  done
done
