#!/usr/bin/env bash
# Plots of ebatch results: installs Python 3, matplotlib and NumPy from Debian when
# missing (tools/setup.sh plots), then runs tools/plot.py with Debian's Python 3.
# Usage: bash tools/plots.sh COMMAND [ARGS]...      (bash tools/plots.sh --help)
#   bash tools/plots.sh latency-cdf results/demo --out results/demo/latency_cdf
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bash "$here/setup.sh" plots >&2
# Debian's interpreter, which sees the apt packages; a python3 found first on PATH
# (pyenv, a virtualenv) may not have matplotlib.
py=/usr/bin/python3
[ -x "$py" ] || py=python3
exec "$py" "$here/plot.py" "$@"
