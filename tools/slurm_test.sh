#!/usr/bin/env bash
# Brings up a one-node Slurm cluster on localhost from Debian's packages (slurm-wlm, munge:
# bash tools/setup.sh slurm), submits the job array that `ebatch sweep --emit-slurm` writes
# for a small sweep, and checks what a user relies on:
#   - the array's sweep.csv equals a local `--jobs 2` run's, byte for byte;
#   - no empty slurm-*.out file is left, neither in the submit folder nor beside the points,
#     and the aggregation's report is DIR/slurm-aggregate-JOBID.out;
#   - --slurm-time and --slurm-partition reach the job (the job runs in the named partition);
#   - resubmitting the array reruns no point that is done.
# The daemons listen on 127.0.0.1 only (CommunicationParameters=NoInAddrAny,NoCtldInAddrAny),
# on ports picked here; munged, slurmctld and slurmd are started here and stopped by their
# PIDs at the end, however the script ends. Needs root (slurmd runs the jobs as the submitter).
# Usage: bash tools/slurm_test.sh     (EBATCH=path/to/ebatch; exit 77 when Slurm is missing)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ebatch="$(realpath "${EBATCH:-$root/build/tools/ebatch}")"
[ -x "$ebatch" ] || { echo "slurm_test: no ebatch binary at $ebatch" >&2; exit 2; }
for tool in munged slurmctld slurmd sbatch squeue sinfo; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] ||
    { echo "slurm_test: $tool not found (bash tools/setup.sh slurm); skipped" >&2; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "slurm_test: needs root (slurmd, munged as the munge user); skipped" >&2; exit 77; }
PATH="$PATH:/usr/sbin"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/ebatch-slurm.XXXXXX")"
chmod 755 "$tmp"
pids=()
cleanup() {
  local rc=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  if [ "$rc" -ne 0 ]; then
    for log in "$tmp"/slurmctld.log "$tmp"/slurmd.log "$tmp"/munge/munged.log; do
      [ -f "$log" ] && { echo "--- $log" >&2; tail -20 "$log" >&2; }
    done
  fi
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM  # a timeout's signal: through cleanup, which stops the daemons
step() { echo "slurm_test: $*" >&2; }
# Slurm's clients retry a controller that does not answer: each call is bounded.
for tool in sbatch squeue sinfo; do eval "$tool() { timeout 20 $(type -P "$tool") \"\$@\"; }"; done
fail() { echo "slurm_test: FAIL: $*" >&2; exit 1; }
# Waits up to $1 seconds for the command after it to succeed.
wait_for() {
  local secs="$1"; shift
  for _ in $(seq $((secs * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}

# munge, with its own key and socket, as the munge user.
mkdir -p "$tmp/munge"
dd if=/dev/urandom of="$tmp/munge/munge.key" bs=1024 count=1 status=none
chown -R munge:munge "$tmp/munge"
chmod 755 "$tmp/munge"
chmod 400 "$tmp/munge/munge.key"
runuser -u munge -- munged --key-file="$tmp/munge/munge.key" --socket="$tmp/munge/munge.socket" \
  --pid-file="$tmp/munge/munged.pid" --log-file="$tmp/munge/munged.log" --seed-file="$tmp/munge/munged.seed"
wait_for 10 test -s "$tmp/munge/munged.pid" || fail "munged did not start"
pids+=("$(cat "$tmp/munge/munged.pid")")

# Two free ports on the loopback address.
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 20000))
    ! grep -qi ":$(printf '%04X' "$p") " /proc/net/tcp && { echo "$p"; return; }
  done
}
ctld_port="$(free_port)"
slurmd_port="$(free_port)"
[ "$ctld_port" != "$slurmd_port" ] || slurmd_port=$((ctld_port + 1))
mkdir -p "$tmp/state" "$tmp/spool"
cat >"$tmp/slurm.conf" <<CONF
ClusterName=ebatchtest
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
CommunicationParameters=NoInAddrAny,NoCtldInAddrAny
AuthType=auth/munge
AuthInfo=socket=$tmp/munge/munge.socket
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MaxArraySize=1001
NodeName=localhost NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=ebatchq Nodes=localhost Default=NO MaxTime=INFINITE State=UP
PartitionName=other Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$tmp/slurm.conf"
slurmctld -f "$SLURM_CONF" -i
wait_for 20 test -s "$tmp/slurmctld.pid" || fail "slurmctld did not start"
pids+=("$(cat "$tmp/slurmctld.pid")")
slurmd -f "$SLURM_CONF" -N localhost
wait_for 20 test -s "$tmp/slurmd.pid" || fail "slurmd did not start"
pids+=("$(cat "$tmp/slurmd.pid")")
step "munged, slurmctld and slurmd started; waiting for the node"
node_idle() { sinfo -h -n localhost -o %T | grep -q '^idle'; }
wait_for 30 node_idle || fail "the node did not become idle: $(sinfo -h -o '%T %E' 2>&1)"

# A sweep of 4 short points.
mkdir -p "$tmp/submit"
cd "$tmp/submit"
cat >"$tmp/s.yaml" <<YAML
experiment: $root/configs/experiments/default.yaml
set: {workload.requests: 6, workload.lengths: "{distribution: fixed, value: 5}"}
grid: {policy.slots: [2, 4], policy.window_steps: [8, 16]}
YAML
"$ebatch" sweep "$tmp/s.yaml" --out "$tmp/out" --emit-slurm "$tmp/array.sh" \
  --slurm-partition ebatchq --slurm-time 10:00 >/dev/null
grep -q '^#SBATCH --partition=ebatchq$' "$tmp/array.sh" || fail "no --partition line"
grep -q '^#SBATCH --time=10:00$' "$tmp/array.sh.aggregate.sh" || fail "no --time line"
step "submitting the array"
array="$(sbatch --parsable "$tmp/array.sh")"
aggregate="$(sbatch --parsable --dependency="afterany:$array" "$tmp/array.sh.aggregate.sh")"
partition="$(squeue -h -j "$array" -o %P | head -1)"
queue_empty() { [ -z "$(squeue -h -o %i)" ]; }
wait_for 100 queue_empty || fail "jobs still queued after 100 s: $(squeue -h 2>&1)"
[ -z "$partition" ] || [ "$partition" = ebatchq ] || fail "the array ran in partition '$partition', not ebatchq"
[ -s "$tmp/out/sweep.csv" ] || fail "no sweep.csv from the aggregation job"
[ -s "$tmp/out/slurm-aggregate-$aggregate.out" ] || fail "no aggregation report slurm-aggregate-$aggregate.out"
leftovers="$(find "$tmp/submit" "$tmp/out" -name 'slurm-*.out' -empty)$(ls "$tmp/submit")"
[ -z "$leftovers" ] || fail "left in the submit folder or empty: $leftovers"

step "array and aggregation done; the same sweep here with --jobs 2"
# The same sweep here, two jobs at a time: the same CSV.
"$ebatch" sweep "$tmp/s.yaml" --out "$tmp/local" --jobs 2 >/dev/null 2>&1 || fail "local sweep failed"
cmp "$tmp/out/sweep.csv" "$tmp/local/sweep.csv" || fail "sweep.csv differs from --jobs 2"

# Resubmitted: no point runs again (each task finds its stats.json and exits).
step "resubmitting the array"
before="$(stat -c %Y.%s "$tmp"/out/points/*/stats.json)"
sleep 1
sbatch --parsable "$tmp/array.sh" >/dev/null
wait_for 60 queue_empty || fail "the resubmitted array is still queued after 60 s"
[ "$(stat -c %Y.%s "$tmp"/out/points/*/stats.json)" = "$before" ] || fail "a resubmission reran a point that was done"
echo "slurm_test: ok (array $array, aggregate $aggregate; sweep.csv identical to --jobs 2; resubmission reran nothing)"
