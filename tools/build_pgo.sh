#!/usr/bin/env bash
# Builds the ebatch command with profile-guided optimisation (GCC -fprofile-generate, then
# -fprofile-use) in build-pgo/ (or the directory given). Opt-in, for long sweeps: about twice
# the build time of tools/build.sh, and the same results (the code is the same; only the
# compiler's inlining and layout differ). docs/PERFORMANCE.md has the measured gain.
# Training: short timing-only runs of every policy on E-PUR and the TPU, and one functional run,
# so that no platform's or policy's path is treated as cold.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${1:-$root/build-pgo}"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
profile="$dir/profile"
train="$(mktemp -d)"
trap 'rm -rf "$train"' EXIT
common=(-DCMAKE_BUILD_TYPE=Release -DEBATCH_CHECKS=OFF -DEBATCH_TESTS=OFF -DEBATCH_BENCHMARKS=OFF)

echo "build_pgo: instrumented build in $dir"
rm -rf "$profile"
cmake -S "$root" -B "$dir" "${common[@]}" \
  -DCMAKE_CXX_FLAGS="-fprofile-generate=$profile -fprofile-update=single" \
  -DCMAKE_EXE_LINKER_FLAGS="-fprofile-generate=$profile" >/dev/null
cmake --build "$dir" -j "$(nproc)" --target ebatch

echo "build_pgo: training runs"
run() {  # config, then --set overrides
  local config="$1"
  shift
  "$dir/tools/ebatch" run "$root/configs/experiments/$config" --set output.progress=off --out "$train/run" "$@" \
    >/dev/null
}
for config in default.yaml eesen_tpu.yaml; do
  run "$config" --set workload.requests=200
  run "$config" --set workload.requests=100 --set 'policy={kind: cellular, slots: 8}'
  run "$config" --set workload.requests=100 --set 'policy={kind: cellular, slots: 8, command_mode: mmio}'
  run "$config" --set workload.requests=200 --set 'policy={kind: padded, slots: 8}'
  run "$config" --set workload.requests=100 --set 'policy={kind: none, slots: 1}'
done
run nmt_encoder_epur.yaml --set workload.requests=100
run default.yaml --set workload.requests=4 --set simulation.functional=true

echo "build_pgo: optimised build"
cmake -S "$root" -B "$dir" "${common[@]}" \
  -DCMAKE_CXX_FLAGS="-fprofile-use=$profile -fprofile-correction -Wno-missing-profile" \
  -DCMAKE_EXE_LINKER_FLAGS="" >/dev/null
cmake --build "$dir" -j "$(nproc)" --target ebatch
echo "build_pgo: $dir/tools/ebatch"
