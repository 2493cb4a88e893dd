#!/usr/bin/env bash
# Runs the sensitivity sweeps of docs/RESULTS.md (configs/sweeps/sensitivity/*.yaml), each
# with `ebatch sweep`, into OUT/NAME/ (default OUT: results/sensitivity), and prints one
# table per sweep (the swept values, throughput, p99 latency, energy per sequence, DRAM per
# sequence). A finished sweep is not rerun (ebatch sweep resumes). Usage:
#   bash tools/sensitivity.sh [OUT] [SWEEP_NAME...]      (EBATCH=path/to/ebatch, JOBS=J)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ebatch="${EBATCH:-$root/build/tools/ebatch}"
jobs="${JOBS:-$(nproc)}"
out="${1:-results/sensitivity}"
shift || true
[ -x "$ebatch" ] || { echo "sensitivity: no ebatch binary at $ebatch (bash tools/build.sh)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "sensitivity: python3 is needed to print the tables" >&2; exit 2; }
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for f in "$root"/configs/sweeps/sensitivity/*.yaml; do names+=("$(basename "$f" .yaml)"); done
fi
for name in "${names[@]}"; do
  file="$root/configs/sweeps/sensitivity/$name.yaml"
  [ -f "$file" ] || { echo "sensitivity: no sweep $file" >&2; exit 2; }
  "$ebatch" sweep "$file" --jobs "$jobs" --out "$out/$name" >/dev/null
  echo "## $name"
  python3 - "$out/$name/sweep.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
metrics = ["throughput_sequences_per_s", "latency_s.p99", "energy_j.per_sequence", "dram.bytes_per_sequence"]
keys = [k for k in rows[0] if k != "point" and k not in metrics and not k.startswith(("latency_s.p50", "step_slots",
        "simulated", "requests"))]
head = keys + ["seq/s", "p99 (s)", "energy/seq (mJ)", "DRAM/seq (MiB)"]
print("| " + " | ".join(head) + " |")
print("|" + "---|" * len(head))
for r in rows:
    def f(k, scale=1.0, fmt="{:.4g}"):
        try:
            return fmt.format(float(r[k]) * scale)
        except (ValueError, KeyError):
            return "failed"
    print("| " + " | ".join([r[k] for k in keys] + [f(metrics[0]), f(metrics[1]), f(metrics[2], 1e3),
                                                   f(metrics[3], 1 / 2**20)]) + " |")
print()
PY
done
