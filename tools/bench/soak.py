#!/usr/bin/python3
"""Soak benchmark (not a CI test): one long `ebatch run` per platform and policy, with the
process's resident memory sampled while it runs.

  tools/bench/soak.py [--ebatch build/tools/ebatch] [--requests 1000000]
                      [--platforms epur,tpu] [--policies none,padded,cellular,ebatch]
                      [--interval 0.5] [--csv FILE]

Each run is configs/experiments/nmt_encoder_<platform>.yaml (NMT encoder, WMT14-like
lengths: short sequences, so a million requests take seconds to minutes) with every
request arriving at time zero, B = 16 for the batching policies and E-BATCH's window from
the tuner. VmRSS is read from /proc/PID/status every --interval seconds. Prints one
Markdown row per run: wall time, simulation speed, completed requests, and resident
memory at a quarter, half and three quarters of the run and at its peak (flat = no growth). Exit code 1 if a run
fails or does not complete every request, 2 on bad arguments.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import stats_keys as K  # noqa: E402  the keys of stats.json (tools/stats_keys.py)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
POLICY = {"none": "{kind: none}", "padded": "{kind: padded, slots: 16}",
          "cellular": "{kind: cellular, slots: 16}",
          "ebatch": "{kind: ebatch, slots: 16, window_steps: auto}"}


def rss_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


def names(text, allowed):
    out = [x.strip() for x in text.split(",") if x.strip()]
    bad = [x for x in out if x not in allowed]
    if bad or not out:
        raise argparse.ArgumentTypeError(f"'{text}': choose from {', '.join(allowed)}")
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--ebatch", default=os.path.join(ROOT, "build/tools/ebatch"))
    p.add_argument("--requests", type=lambda s: int(float(s)), default=1_000_000)
    p.add_argument("--platforms", type=lambda s: names(s, ["epur", "tpu"]), default=["epur", "tpu"])
    p.add_argument("--policies", type=lambda s: names(s, list(POLICY)), default=list(POLICY))
    p.add_argument("--interval", type=float, default=0.5)
    p.add_argument("--csv")
    a = p.parse_args()
    if not os.access(a.ebatch, os.X_OK):
        print(f"soak: no ebatch binary at {a.ebatch} (bash tools/build.sh)", file=sys.stderr)
        return 2
    print(f"soak: {a.requests} requests per run, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print("\n| platform | policy | wall (s) | M steps/s | completed | RSS at 25% (MB) | at 50% | at 75% | peak |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    rows, status = [], 0
    with tempfile.TemporaryDirectory(prefix="ebatch-soak.") as tmp:
        for plat in a.platforms:
            for pol in a.policies:
                out = os.path.join(tmp, f"{plat}_{pol}")
                args = [a.ebatch, "run", os.path.join(ROOT, f"configs/experiments/nmt_encoder_{plat}.yaml"),
                        "--set", f"workload.requests={a.requests}", "--set", f"policy={POLICY[pol]}",
                        "--set", "output.progress=off", "--out", out]
                start = time.perf_counter()
                proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                samples = []
                while proc.poll() is None:
                    r = rss_mb(proc.pid)
                    if r is not None:
                        samples.append((time.perf_counter() - start, r))
                    time.sleep(a.interval)
                wall = time.perf_counter() - start
                err = proc.stderr.read().decode(errors="replace").strip()
                proc.stderr.close()
                if proc.returncode != 0:
                    print(f"soak: {plat}/{pol} failed (exit {proc.returncode}): {err}", file=sys.stderr)
                    status = 1
                    continue
                with open(os.path.join(out, "stats.json")) as f:
                    stats = json.load(f)
                if not stats[K.COMPLETE]:
                    status = 1
                steps = stats[K.SEQUENCE_LAYER_STEPS]
                def at(fraction):
                    if not samples:
                        return float("nan")
                    return min(samples, key=lambda s: abs(s[0] - fraction * wall))[1]
                peak = max(s[1] for s in samples) if samples else float("nan")
                row = {"platform": plat, "policy": pol, "wall_s": wall, "steps": steps,
                       "steps_per_s": steps / wall, "completed": stats[K.REQUESTS_COMPLETED],
                       "rss_25_mb": at(0.25), "rss_50_mb": at(0.5), "rss_75_mb": at(0.75), "rss_peak_mb": peak,
                       "samples": len(samples)}
                rows.append(row)
                print(f"| {plat} | {pol} | {wall:.1f} | {steps / wall / 1e6:.2f} | {row['completed']} | "
                      f"{row['rss_25_mb']:.1f} | {row['rss_50_mb']:.1f} | {row['rss_75_mb']:.1f} | {peak:.1f} |",
                      flush=True)
                shutil.rmtree(out, ignore_errors=True)
    if a.csv:
        keys = list(rows[0]) if rows else []
        with open(a.csv + ".tmp", "w") as f:
            f.write(",".join(keys) + "\n")
            for r in rows:
                f.write(",".join(str(r[k]) for k in keys) + "\n")
        os.replace(a.csv + ".tmp", a.csv)
    return status


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
