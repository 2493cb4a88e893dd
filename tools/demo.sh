#!/usr/bin/env bash
# Installs what is missing, builds, runs the default experiment (EESEN on E-PUR with
# E-BATCH) and compares the batching policies on the same requests.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/tools/setup.sh" build
bash "$root/tools/build.sh" -DEBATCH_TESTS=OFF -DEBATCH_BENCHMARKS=OFF
cd "$root"
./build/tools/ebatch validate configs/experiments/default.yaml >/dev/null
./build/tools/ebatch run configs/experiments/default.yaml --out results/demo/run
./build/tools/ebatch compare configs/experiments/default.yaml --out results/demo
