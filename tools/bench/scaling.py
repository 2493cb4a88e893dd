#!/usr/bin/python3
"""Scaling benchmark of `ebatch run` (timing-only): wall time, simulation speed and peak
resident memory against the number of requests and against the sequence length.

  tools/bench/scaling.py [--ebatch build/tools/ebatch] [--requests 1e3,1e4,1e5,1e6]
                         [--cellular-requests 1e3,1e4,1e5] [--lengths 10,100,1000,10000]
                         [--length-requests 1000] [--platform epur|tpu] [--csv FILE]

Each point is one `ebatch run` of the default experiment (EESEN, LibriSpeech test-clean
lengths) with a fixed window N = 64 (no tuner, so every point simulates the same kind of
work), requests.csv written (it is streamed) and no trace. Peak resident memory is the
child's ru_maxrss from wait4(). Prints a Markdown table per curve and the machine; --csv
writes every point. Python 3 standard library only. Exit code 2 on bad arguments.
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import stats_keys as K  # noqa: E402  the keys of stats.json (tools/stats_keys.py)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def counts(text):
    try:
        out = [int(float(x)) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}': give numbers such as 1e3,1e4")
    if not out or min(out) < 1:
        raise argparse.ArgumentTypeError(f"'{text}': give positive numbers")
    return out


def run_point(ebatch, tmp, sets):
    out = os.path.join(tmp, "run")
    shutil.rmtree(out, ignore_errors=True)
    args = [ebatch, "run", os.path.join(ROOT, "configs/experiments/default.yaml"), "--out", out,
            "--set", "output.progress=off", "--set", "output.trace=off"]
    for s in sets:
        args += ["--set", s]
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"scaling: ebatch run {' '.join(sets)} failed (exit {code}): {err.strip()}")
    with open(os.path.join(out, "stats.json")) as f:
        stats = json.load(f)
    with open(os.path.join(out, "wallclock.json")) as f:
        stats.update(json.load(f))
    return {"wall_s": wall, "max_rss_mb": usage.ru_maxrss / 1024.0,
            "steps": stats[K.SEQUENCE_LAYER_STEPS],
            "steps_per_s": stats[K.SEQUENCE_LAYER_STEPS] / wall,
            "sim_wall_s": stats["wall_clock_s"],
            "completed": stats[K.REQUESTS_COMPLETED]}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--ebatch", default=os.path.join(ROOT, "build/tools/ebatch"))
    p.add_argument("--requests", type=counts, default=counts("1e3,1e4,1e5,1e6"))
    p.add_argument("--cellular-requests", type=counts, default=counts("1e3,1e4,1e5"))
    p.add_argument("--lengths", type=counts, default=counts("10,100,1000,10000"))
    p.add_argument("--length-requests", type=int, default=1000)
    p.add_argument("--platform", choices=["epur", "tpu"], default="epur")
    p.add_argument("--csv", help="write every point to this CSV file")
    a = p.parse_args()
    if not os.access(a.ebatch, os.X_OK):
        print(f"scaling: no ebatch binary at {a.ebatch} (bash tools/build.sh)", file=sys.stderr)
        return 2
    hw = [] if a.platform == "epur" else [f"hardware={ROOT}/configs/hw/tpu_v1.yaml",
                                           f"energy={ROOT}/configs/energy/tpu_28nm.yaml"]
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), cpu)
    except OSError:
        pass
    print(f"machine: {cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}; "
          f"ebatch {subprocess.run([a.ebatch, '--version'], capture_output=True, text=True).stdout.strip()}; "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    rows = []
    with tempfile.TemporaryDirectory(prefix="ebatch-scaling.") as tmp:
        for policy, reqs in (("ebatch", a.requests), ("cellular", a.cellular_requests)):
            print(f"\n{a.platform}, EESEN, policy {policy}: against the number of requests\n")
            print("| requests | seq-layer-steps | wall (s) | M steps/s | peak RSS (MB) |")
            print("|---:|---:|---:|---:|---:|")
            for n in reqs:
                pol = ("policy={kind: ebatch, slots: 8, window_steps: 64}" if policy == "ebatch"
                       else "policy={kind: cellular, slots: 8}")
                r = run_point(a.ebatch, tmp, hw + [pol, f"workload.requests={n}"])
                rows.append({"curve": "requests", "policy": policy, "requests": n, "length": "", **r})
                print(f"| {n} | {r['steps']} | {r['wall_s']:.2f} | {r['steps_per_s'] / 1e6:.1f} | "
                      f"{r['max_rss_mb']:.1f} |", flush=True)
        print(f"\n{a.platform}, EESEN, ebatch N = 64, {a.length_requests} requests of a fixed length\n")
        print("| length (steps) | seq-layer-steps | wall (s) | M steps/s | peak RSS (MB) |")
        print("|---:|---:|---:|---:|---:|")
        for length in a.lengths:
            r = run_point(a.ebatch, tmp, hw + ["policy={kind: ebatch, slots: 8, window_steps: 64}",
                                               f"workload.requests={a.length_requests}",
                                               f"workload.lengths={{distribution: fixed, value: {length}, unit: steps}}"])
            rows.append({"curve": "length", "policy": "ebatch", "requests": a.length_requests, "length": length, **r})
            print(f"| {length} | {r['steps']} | {r['wall_s']:.2f} | {r['steps_per_s'] / 1e6:.1f} | "
                  f"{r['max_rss_mb']:.1f} |", flush=True)
    if a.csv:
        keys = ["curve", "policy", "requests", "length", "steps", "wall_s", "steps_per_s", "max_rss_mb",
                "sim_wall_s", "completed"]
        with open(a.csv + ".tmp", "w") as f:
            f.write(",".join(keys) + "\n")
            for r in rows:
                f.write(",".join(str(r[k]) for k in keys) + "\n")
        os.replace(a.csv + ".tmp", a.csv)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
