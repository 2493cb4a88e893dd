#!/usr/bin/env bash
# Installs what is missing, builds, and runs the default experiment.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/tools/setup.sh" build
bash "$root/tools/build.sh" -DEBATCH_TESTS=OFF -DEBATCH_BENCHMARKS=OFF
cd "$root"
./build/tools/ebatch validate configs/experiments/default.yaml
