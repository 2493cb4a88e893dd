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
# Hostile inputs (issue 17): non-regular files, an alias bomb, a zip bomb, non-finite arrays.
mkfifo fifo.yaml
python3 - "$root" <<'PY'
import struct, sys, zipfile, zlib
a = ['x'] * 9
text = 'a: &a [%s]\n' % ','.join(a)
for prev, cur in zip('abcdefgh', 'bcdefghi'):
    text += '%s: &%s [%s]\n' % (cur, cur, ','.join(['*' + prev] * 9))
open('bomb.yaml', 'w').write(text)  # 9^9 nodes expanded, 344 bytes
flow = '[&a [%s]' % ','.join(a)
for prev, cur in zip('abcdefgh', 'bcdefghi'):
    flow += ', &%s [%s]' % (cur, ','.join(['*' + prev] * 9))
open('bomb_flow.txt', 'w').write(flow + ']')  # the same on one line, for --set

def npy(shape, values):
    dims = ', '.join(str(d) for d in shape) + (',' if len(shape) == 1 else '')
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }" % dims
    header += ' ' * (63 - (10 + len(header)) % 64) + '\n'
    return b'\x93NUMPY\x01\x00' + struct.pack('<H', len(header)) + header.encode() + struct.pack('<%df' % len(values), *values)

def tiny_weights(path, bias=0.0, suffixes=('_l0',), hh_shape=(8, 2)):  # network tiny: LSTM, input 2, hidden 2, one layer
    with zipfile.ZipFile(path, 'w') as z:
        for sfx in suffixes:
            z.writestr('weight_ih%s.npy' % sfx, npy((8, 2), [0.1] * 16))
            z.writestr('weight_hh%s.npy' % sfx, npy(hh_shape, [0.1] * (hh_shape[0] * hh_shape[1])))
            z.writestr('bias_ih%s.npy' % sfx, npy((8,), [0.0] * 7 + [bias]))
            z.writestr('bias_hh%s.npy' % sfx, npy((8,), [0.0] * 8))
tiny_weights('weights_inf.npz', float('inf'))
tiny_weights('weights_nan.npz', float('nan'))
# Weights of another network (issue 14): a second layer, a second direction, a wrong shape.
tiny_weights('weights_2layers.npz', suffixes=('_l0', '_l1'))
tiny_weights('weights_bidir.npz', suffixes=('_l0', '_l0_reverse'))
tiny_weights('weights_shape.npz', hh_shape=(8, 3))
with zipfile.ZipFile('inputs_nan.npz', 'w') as z:  # request 0 of length 5, one NaN at [3, 1]
    z.writestr('seq_0.npy', npy((5, 2), [0.5] * 7 + [float('nan')] + [0.5] * 2))
# A zip bomb: a deflated member that declares 1.5 GB uncompressed.
with zipfile.ZipFile('weights_bomb.npz', 'w', zipfile.ZIP_DEFLATED) as z:
    z.writestr('weight_ih_l0.npy', npy((8, 2), [0.1] * 16))
data = bytearray(open('weights_bomb.npz', 'rb').read())
cd = data.rfind(b'PK\x01\x02')
data[cd + 24:cd + 28] = struct.pack('<I', 1500000000)
open('weights_bomb.npz', 'wb').write(bytes(data))
PY
printf 'id,arrival_s,length\n0,0,5\n1,9.3e6,3\n' > trace_late.csv
sed "s|\.\./|$root/configs/|" "$exp" > latin1.yaml
printf 'k\xe9y\x01\xff: 1\n' >> latin1.yaml
tiny='network={name: tiny, cell: lstm, input_size: 2, hidden_size: 2, layers: 1}'
tiny_len='workload.lengths={distribution: fixed, value: 5}'
fail=0
n=0
row() {  # DESCRIPTION ARGS...   (NO_OUT=1: the command takes no --out)
  local what="$1"; shift
  n=$((n + 1))
  local out="$tmp/out$n"
  if [ -n "${NO_OUT:-}" ]; then
    timeout 30 "$ebatch" "$@" >"$tmp/stdout" 2>"$tmp/stderr"
  else
    timeout 30 "$ebatch" "$@" --out "$out" >"$tmp/stdout" 2>"$tmp/stderr"
  fi
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
row "unknown spill mode" run "$exp" --set hardware.spill=disk
row "no window fits on chip (spill: reject)" run "$exp" --set hardware.spill=reject --set "hardware.intermediate_memory=100 KiB"
row "unknown control block" run "$exp" --set hardware.control=verilog
row "RTL control beyond its FIFOs" run "$exp" --set hardware.control=rtl --set policy.slots=200 --set policy.slot_queue_depth=8
row "unit missing" run "$exp" --set hardware.frequency=500
row "policy option for another policy" run "$exp" --set "policy={kind: cellular, slots: 4, window_steps: 8}"
row "too many slots for the register map" run "$exp" --set policy.slots=300
row "cellular in flight below the slots" run "$exp" --set "policy={kind: cellular, slots: 8, in_flight: 4}"
row "cellular in flight beyond the register map" run "$exp" --set "policy={kind: cellular, slots: 64, in_flight: auto}"
row "trace with a zero length" run "$exp" --set "workload.lengths={distribution: trace}" --set "workload.trace=$tmp/trace_zero.csv"
row "trace not sorted" run "$exp" --set "workload.arrivals={process: trace}" --set "workload.trace=$tmp/trace_unsorted.csv"
row "trace header wrong" run "$exp" --set "workload.lengths={distribution: trace}" --set "workload.trace=$tmp/trace_header.csv"
row "weights not an .npz" run "$exp" --set simulation.functional=true --set "simulation.weights=$tmp/weights.npz"
row "inputs a truncated .npy, not an .npz" run "$exp" --set simulation.functional=true --set "simulation.inputs=$tmp/truncated.npy"
row "bad fault list" run "$exp" --set "simulation.faults={dram_error: 3}"
row "unknown command option" run "$exp" --bogus
# Issue 17: inputs that hang, crash or exhaust memory; values that are accepted but should not be.
row "experiment a FIFO" run fifo.yaml
row "experiment /dev/zero" run /dev/zero
row "hardware include a FIFO" run "$exp" --set "hardware=$tmp/fifo.yaml"
row "trace /dev/zero" run "$exp" --set "workload.lengths={distribution: trace}" --set workload.trace=/dev/zero
row "YAML alias bomb (344 bytes)" run bomb.yaml
printf 'a: &a [*a]\n' > self_alias.yaml
row "YAML alias inside its own anchor (a cycle)" run self_alias.yaml
row "compare: a later policy's slots do not fit the DRAM" compare "$exp" --set "hardware.dram.capacity=40 MiB" --set workload.requests=20
row "alias bomb in --set" run "$exp" --set "description=$(cat bomb_flow.txt)"
row "a billion requests" run "$exp" --set workload.requests=1000000000
row "functional 8192 x 8192 LSTM" run "$exp" --set simulation.functional=true --set network.input_size=8192 --set network.hidden_size=8192 --set hardware.input_buffer=1MiB
row "zip bomb weights (1.5 GB member)" run "$exp" --set "$tiny" --set "$tiny_len" --set simulation.functional=true --set "simulation.weights=$tmp/weights_bomb.npz"
row "infinite bias" run "$exp" --set "$tiny" --set "$tiny_len" --set simulation.functional=true --set "simulation.weights=$tmp/weights_inf.npz"
row "NaN weight" run "$exp" --set "$tiny" --set "$tiny_len" --set simulation.functional=true --set "simulation.weights=$tmp/weights_nan.npz"
row "weights with a layer the network lacks" run "$exp" --set "$tiny" --set "$tiny_len" --set simulation.functional=true --set "simulation.weights=$tmp/weights_2layers.npz"
row "weights with a second direction" run "$exp" --set "$tiny" --set "$tiny_len" --set simulation.functional=true --set "simulation.weights=$tmp/weights_bidir.npz"
row "weights array of the wrong shape" run "$exp" --set "$tiny" --set "$tiny_len" --set simulation.functional=true --set "simulation.weights=$tmp/weights_shape.npz"
row "embedding size not the input size" run "$exp" --set "network={name: tiny, cell: lstm, input_size: 2, hidden_size: 2, layers: 1, embedding: {vocabulary: 5, size: 3}}"
row "NaN input" run "$exp" --set "$tiny" --set simulation.functional=true --set workload.requests=1 --set "$tiny_len" --set "simulation.inputs=$tmp/inputs_nan.npz"
row "host reaction latency 1e10 s" run "$exp" --set "policy.host_reaction_latency=1e10 s"
row "unknown command mode" run "$exp" --set policy.command_mode=ring
row "command ring of 0 entries" run "$exp" --set policy.command_queue_entries=0
row "DRAM latency 1e8 s" run "$exp" --set "hardware.dram.latency=1e8 s"
# Issue 14: decoders and encoder-decoder networks.
row "autoregressive and bidirectional" run "$exp" --set network.autoregressive=true
row "encoder layers without a decoder" run "$exp" --set network.bidirectional=false --set network.encoder_layers=2
row "encoder and decoder of different depths" run "$exp" --set network.bidirectional=false --set network.autoregressive=true --set network.encoder_layers=1
row "decoding options for an encoder" run "$exp" --set "workload.decoding={max_length: 50}"
row "functional decoder without an embedding" run "$exp" --set network.bidirectional=false --set network.autoregressive=true --set simulation.functional=true
row "DRAM bandwidth 1e-300 B/s" run "$exp" --set "hardware.dram.bandwidth=1e-300 B/s"
row "trace row at 9.3e6 s" run "$exp" --set "workload.arrivals={process: trace}" --set "workload.trace=$tmp/trace_late.csv"
row "Poisson rate 1e-300 /s" run "$exp" --set "workload.arrivals={process: poisson, rate: 1e-300/s}"
row "length 1e12 steps" run "$exp" --set "workload.lengths={distribution: fixed, value: 1e12}"
row "hexadecimal size" run "$exp" --set "hardware.input_buffer=0x10 MiB"
row "hexadecimal frequency" run "$exp" --set "hardware.frequency=0x1p30 Hz"
NO_OUT=1 row "empty --out" run "$exp" --out ""
row "Latin-1 and control bytes in a key" run latin1.yaml
NO_OUT=1 row "empty experiment path" validate ""
NO_OUT=1 row "gemm near 2^63" gemm --m 9223372036854775807 --k 9223372036854775807 --n 9223372036854775807
NO_OUT=1 row "gemm 2^32" gemm --m 4294967296 --k 4294967296 --n 4294967296
NO_OUT=1 row "stray argument to gemm" gemm --m 4 --k 4 --n 4 extra
NO_OUT=1 row "stray argument to reproduce" reproduce extra
NO_OUT=1 row "gemm --trace without --rtl" gemm --m 4 --k 4 --n 4 --trace "$tmp/t.vcd"
NO_OUT=1 row "gemm --rtl on an array size not built" gemm --m 4 --k 4 --n 4 --rtl
NO_OUT=1 row "gemm --rtl --trace into a missing folder" gemm --m 4 --k 4 --n 4 --rtl --set array.rows=4 --set array.cols=4 --trace "$tmp/none/t.vcd"
# Issue 15: capacity at an SLO and the energy recompute.
row "capacity: --slo without a bound" capacity "$exp" --slo p99
row "capacity: unknown latency statistic" capacity "$exp" --slo p97=2s
row "capacity: --slo without a unit" capacity "$exp" --slo p99=2
row "capacity: unknown policy" capacity "$exp" --policies none,celular
row "capacity: --seeds 0" capacity "$exp" --seeds 0
row "capacity: --curve not a fraction" capacity "$exp" --curve 0.5,x
NO_OUT=1 row "energy: not a run folder" energy "$tmp/no_run"
NO_OUT=1 row "energy: a timing key" energy "$tmp/no_run" --set hardware.weight_streaming=serial

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
