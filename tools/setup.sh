#!/usr/bin/env bash
# Installs what ebatch needs from Debian 12 with apt-get, only what is missing,
# so re-runs take a second. Usage: tools/setup.sh [build|test|plots]...
#   build  compiler toolchain and libraries (always)
#   test   GoogleTest, Google Benchmark, GTKWave (vcd2fst checks VCD files), GNU parallel (sweeps),
#          Verilator (RTL co-simulation, hw/rtl/)
#   plots  Python 3 with matplotlib and NumPy
#   slurm  slurm-wlm and munge (a one-node cluster for tools/slurm_test.sh)
set -euo pipefail

packages=(g++ cmake make pkg-config libsystemc-dev libyaml-cpp-dev libboost-dev
          libboost-program-options-dev libeigen3-dev zlib1g-dev)
for want in "$@"; do
  case "$want" in
    build) ;;
    test) packages+=(libgtest-dev libgmock-dev libbenchmark-dev gtkwave parallel verilator) ;;
    plots) packages+=(python3 python3-matplotlib python3-numpy) ;;
    slurm) packages+=(slurm-wlm munge) ;;
    *) echo "setup.sh: unknown component '$want' (build, test, plots, slurm)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}" >&2
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
