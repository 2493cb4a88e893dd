#!/usr/bin/python3
"""Plots of ebatch results (Debian's python3-matplotlib and python3-numpy only).

  plot.py latency-cdf RUN_OR_COMPARE_DIR...   latency CDF, one curve per run / policy
  plot.py energy RUN_OR_COMPARE_DIR...        energy per sequence by component, stacked
  plot.py sweep SWEEP_DIR --x KEY [--group KEY] [--metrics M1,M2] [--where KEY=VALUE]
  plot.py pareto SWEEP_DIR [--energy KEY] [--latency KEY]
  plot.py tuner RUN_DIR                       the window tuner's table
  plot.py reproduce REPRODUCE_DIR [--dry-run] ratios to the strongest baseline vs the paper, with ranges
  plot.py load-curve CAPACITY_DIR [--dry-run] p50 and p99 against offered load, one line per policy

--dry-run prints the data a figure would draw (JSON on stdout) without matplotlib.

A run directory holds stats.json and/or requests.csv (`ebatch run --out DIR`); a compare
directory holds compare.json and one run directory per policy (`ebatch compare --out DIR`);
a sweep directory holds sweep.csv and points/NNNN/ (`ebatch sweep --out DIR`).
Each command writes PREFIX.png and PREFIX.svg (--out PREFIX, --format png,svg); the same
inputs give byte-identical files. Exit codes: 0 written, 2 bad input (one message naming
the file, no traceback).
"""

import argparse
import csv
import json
import math
import os
import re
import sys

import stats_keys as K  # the keys of stats.json, generated from tb/stats_schema.h

PROG = "plot.py"
FORMATS = ("png", "svg")
DEFAULT_SWEEP_METRICS = ",".join([K.THROUGHPUT_SEQUENCES_PER_S, K.ENERGY_J_PER_SEQUENCE])

# First dotted component of a key in an experiment config (what a sweep sweeps).
CONFIG_SECTIONS = {"name", "description", "seed", "hardware", "energy", "network", "workload",
                   "policy", "simulation", "output"}

# Short names for swept keys in legends and labels; axis titles for them.
KEY_SYMBOL = {"policy.slots": "B", "policy.window_steps": "N", "policy.kind": "policy",
              "policy.refill": "refill", "policy.slot_queue_depth": "queue",
              "workload.requests": "requests", "workload.arrivals.rate": "rate",
              "hardware.precision": "precision", "network": "network"}
KEY_TITLE = {"policy.slots": "batch slots B", "policy.window_steps": "window N (time-steps)",
             "policy.kind": "policy", "policy.slot_queue_depth": "slot queue depth",
             "workload.requests": "requests", "workload.arrivals.rate": "arrival rate (1/s)"}


# Energy components -> index into tab20 (E-PUR and TPU-like components with the same role alike).
COMPONENT_COLOR = {"dram": 0, "weight_buffer": 2, "weight_fifo": 2, "input_buffer": 4,
                   "unified_buffer": 4, "intermediate_memory": 6, "accumulators": 6, "dpu": 8,
                   "array": 8, "mfu": 10, "activation_unit": 10, "control": 14}


class PlotError(Exception):
    """Bad input: reported as one line on stderr, exit code 2."""


def warn(msg):
    print(f"{PROG}: warning: {msg}", file=sys.stderr)


# ---- matplotlib, set up for identical output on every run --------------------

def load_matplotlib():
    try:
        import matplotlib
    except ImportError:
        raise PlotError(f"matplotlib is not installed for {sys.executable}; run "
                        "'bash tools/setup.sh plots' and use Debian's /usr/bin/python3 "
                        "(or 'bash tools/plots.sh ...')")
    matplotlib.use("Agg")
    matplotlib.rcdefaults()  # ignore any matplotlibrc of the user
    matplotlib.rcParams.update({
        "svg.hashsalt": "ebatch-plot",  # fixed ids in SVG files
        "svg.fonttype": "path",
        "font.family": "DejaVu Sans",   # shipped with matplotlib
        "font.size": 10,
        "axes.titlesize": 11,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "legend.fontsize": 9,
        "figure.dpi": 100,
        "savefig.dpi": 100,
    })
    import matplotlib.pyplot as plt
    return matplotlib, plt


def save(fig, plt, args):
    prefix = args.out
    parent = os.path.dirname(prefix)
    if parent:
        try:
            os.makedirs(parent, exist_ok=True)
        except OSError as e:
            raise PlotError(f"{parent}: cannot create directory ({e.strerror})")
    written = []
    for fmt in args.format:
        path = f"{prefix}.{fmt}"
        try:
            fig.savefig(path, format=fmt, dpi=args.dpi, bbox_inches="tight",
                        metadata={"Date": None} if fmt == "svg" else {"Date": None, "Software": None})
        except OSError as e:
            raise PlotError(f"{path}: cannot write ({e.strerror or e})")
        written.append(path)
    plt.close(fig)
    print("wrote " + ", ".join(written))


# ---- reading inputs ----------------------------------------------------------

def load_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise PlotError(f"{path}: no such file")
    except json.JSONDecodeError as e:
        raise PlotError(f"{path}:{e.lineno}: not valid JSON ({e.msg})")
    except (OSError, UnicodeDecodeError) as e:
        raise PlotError(f"{path}: cannot read ({getattr(e, 'strerror', None) or e})")


def read_csv(path):
    """Header and rows (lists of strings) of a CSV file."""
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
    except FileNotFoundError:
        raise PlotError(f"{path}: no such file")
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise PlotError(f"{path}: cannot read ({getattr(e, 'strerror', None) or e})")
    if not rows:
        raise PlotError(f"{path}: empty file (no header)")
    return rows[0], rows[1:]


def number(text):
    """float of a CSV/JSON scalar, None if empty or not a number."""
    if text is None or isinstance(text, bool):
        return None
    if isinstance(text, (int, float)):
        return float(text)
    try:
        v = float(text)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def dotted(data, key):
    """The value at a dotted path (list items by index), or raise KeyError."""
    cur = data
    for part in key.split("."):
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
        elif isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
            cur = cur[int(part)]
        else:
            raise KeyError(key)
    return cur


class Run:
    """One run directory (on its own or a policy inside a compare directory)."""

    def __init__(self, path, label=None):
        self.path = path
        self.label = label
        self._stats = None

    @property
    def stats_path(self):
        return os.path.join(self.path, "stats.json")

    @property
    def requests_path(self):
        return os.path.join(self.path, "requests.csv")

    def stats(self):
        if self._stats is None:
            data = load_json(self.stats_path)
            if not isinstance(data, dict):
                raise PlotError(f"{self.stats_path}: not an ebatch stats.json (expected an object)")
            self._stats = data
        return self._stats

    def stat(self, key):
        try:
            return dotted(self.stats(), key)
        except KeyError:
            raise PlotError(f"{self.stats_path}: no '{key}' (not an ebatch stats.json?)")

    def policy_label(self):
        """'ebatch (N = 64)', 'cellular', ... from stats.json; the folder name without it."""
        if not os.path.exists(self.stats_path):
            return os.path.basename(os.path.normpath(self.path))
        s = self.stats()
        label = str(s.get(K.POLICY, os.path.basename(os.path.normpath(self.path))))
        if s.get(K.POLICY) == "ebatch" and s.get(K.WINDOW_STEPS) is not None:
            label += f" (N = {s[K.WINDOW_STEPS]})"
        return label

    def latencies(self):
        """(sorted latencies of finished requests, number of requests)."""
        header, rows = read_csv(self.requests_path)
        if "latency_s" not in header:
            raise PlotError(f"{self.requests_path}: no 'latency_s' column (header: {','.join(header)})")
        col = header.index("latency_s")
        values = []
        for i, row in enumerate(rows, start=2):
            if not row:
                continue
            cell = row[col].strip() if col < len(row) else ""
            if cell == "":
                continue  # not finished
            v = number(cell)
            if v is None:
                raise PlotError(f"{self.requests_path}:{i}: latency_s '{cell}' is not a number")
            values.append(v)
        total = sum(1 for r in rows if r)
        if not values:
            raise PlotError(f"{self.requests_path}: no finished requests")
        return sorted(values), total


def is_run_dir(path):
    return any(os.path.isfile(os.path.join(path, f)) for f in ("stats.json", "requests.csv"))


def compare_policies(path):
    """Policy folder names of a compare directory, in the comparison's order."""
    cj = os.path.join(path, "compare.json")
    cc = os.path.join(path, "compare.csv")
    if os.path.isfile(cj):
        data = load_json(cj)
        try:
            names = [str(p["policy"]) for p in data["policies"]]
        except (KeyError, TypeError):
            raise PlotError(f"{cj}: no 'policies' list with a 'policy' each (not an ebatch compare.json?)")
        source = cj
    else:
        header, rows = read_csv(cc)
        if not header or header[0] != "policy":
            raise PlotError(f"{cc}: first column is not 'policy' (not an ebatch compare.csv?)")
        names = [r[0] for r in rows if r]
        source = cc
    if not names:
        raise PlotError(f"{source}: no policies")
    for n in names:
        if not is_run_dir(os.path.join(path, n)):
            raise PlotError(f"{os.path.join(path, n)}: missing (named in {source}; "
                            "expected stats.json and requests.csv there)")
    return names


def load_runs(paths):
    """Run and compare directories -> list of Run, labelled by policy (and folder if several)."""
    runs = []
    for arg in paths:
        path = arg
        if os.path.isfile(path) and os.path.basename(path) in ("stats.json", "requests.csv",
                                                                 "compare.json", "compare.csv"):
            path = os.path.dirname(path) or "."
        if not os.path.exists(path):
            raise PlotError(f"{arg}: no such directory")
        if not os.path.isdir(path):
            raise PlotError(f"{arg}: not a directory (give a run or compare directory)")
        prefix = os.path.basename(os.path.abspath(path)) + ": " if len(paths) > 1 else ""
        if any(os.path.isfile(os.path.join(path, f)) for f in ("compare.json", "compare.csv")):
            for name in compare_policies(path):
                r = Run(os.path.join(path, name))
                r.label = prefix + r.policy_label()
                runs.append(r)
        elif is_run_dir(path):
            r = Run(path)
            if prefix and os.path.exists(r.stats_path) and \
                    os.path.basename(os.path.abspath(path)) == str(r.stats().get(K.POLICY)):
                # a policy folder of a compare directory: name it by the compare directory
                prefix = os.path.basename(os.path.dirname(os.path.abspath(path))) + ": "
            # without stats.json the label is the folder's name already
            r.label = (prefix if os.path.exists(r.stats_path) else "") + r.policy_label()
            runs.append(r)
        else:
            hint = ""
            if os.path.isfile(os.path.join(path, "sweep.csv")):
                hint = "; it is a sweep directory: use 'sweep' or 'pareto', or pass points/NNNN"
            raise PlotError(f"{arg}: neither a run directory (stats.json, requests.csv) "
                            f"nor a compare directory (compare.json){hint}")
    return runs


def experiment_title(runs, skip_missing=False):
    """'EESEN on E-PUR, 1000 requests' from the runs' stats.json when they agree, else ''."""
    titles = set()
    for r in runs:
        if not os.path.exists(r.stats_path):
            if skip_missing:
                continue
            return ""
        s = r.stats()
        parts = []
        if s.get(K.NETWORK) and s.get(K.PLATFORM):
            parts.append(f"{str(s[K.NETWORK]).upper()} on {platform_name(s[K.PLATFORM])}")
        if s.get(K.REQUESTS_SUBMITTED) is not None:
            parts.append(f"{s[K.REQUESTS_SUBMITTED]} requests")
        arrivals = arrivals_text(r.path)
        if arrivals:
            parts.append(arrivals)
        titles.add(", ".join(parts))
    return titles.pop() if len(titles) == 1 else ""


def arrivals_text(path):
    """'all at time zero' or 'Poisson arrivals at 4 /s' from the run's resolved.yaml, or ''."""
    try:
        with open(os.path.join(path, "resolved.yaml"), encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError):
        return ""
    # workload.arrivals, in block style (indented lines below) or flow style ({...})
    m = re.search(r"^  arrivals:(.*(?:\n {3,}.*)*)", text, re.M)
    proc = re.search(r"process:\s*(\w+)", m.group(1)) if m else None
    if not proc:
        return ""
    if proc.group(1) == "all_at_zero":
        return "all at time zero"
    rate = re.search(r"rate:\s*([^,}\n]+?)\s*(?:[,}\n]|$)", m.group(1))
    if proc.group(1) == "poisson":
        return "Poisson arrivals" + (f" at {rate.group(1)}" if rate else "")
    return f"{proc.group(1)} arrivals"


def platform_name(p):
    return {"epur": "E-PUR", "tpu": "TPU-like array", "tpu_v1": "TPU-like array",
            "systolic": "TPU-like array"}.get(str(p), str(p))


# ---- units -------------------------------------------------------------------

def time_unit(max_s):
    if max_s < 1e-3:
        return "us", 1e6
    if max_s < 1.0:
        return "ms", 1e3
    return "s", 1.0


def energy_unit(max_j):
    if max_j < 1e-3:
        return "uJ", 1e6
    if max_j < 1.0:
        return "mJ", 1e3
    return "J", 1.0


def bytes_unit(max_b):
    for unit, scale in (("GiB", 2.0 ** 30), ("MiB", 2.0 ** 20), ("KiB", 2.0 ** 10)):
        if max_b >= scale:
            return unit, 1.0 / scale
    return "B", 1.0


LATENCY_NAMES = {"mean": "mean latency", "p50": "median (p50) latency", "p95": "p95 latency",
                 "p99": "p99 latency", "max": "max latency"}


def metric_axis(key, values):
    """(axis label with unit, scale factor) for a stats.json metric."""
    finite = [abs(v) for v in values if v is not None]
    top = max(finite) if finite else 1.0
    if key in (K.THROUGHPUT_SEQUENCES_PER_S, "throughput_per_s"):
        return "throughput (sequences/s)", 1.0
    if key.startswith(K.LATENCY_S + ".") or key.startswith("latency_"):
        unit, scale = time_unit(top)
        name = key.split(".")[-1].replace("latency_", "").replace("_s", "")
        return f"{LATENCY_NAMES.get(name, key)} ({unit})", scale
    if key.startswith(K.ENERGY_J + "."):
        unit, scale = energy_unit(top)
        rest = key[len(K.ENERGY_J + "."):]
        if key == K.ENERGY_J_PER_SEQUENCE:
            return f"energy per sequence ({unit})", scale
        return f"energy {rest.replace(K.name(K.ENERGY_J_COMPONENTS) + '.', '').replace('.', ' ')} ({unit})", scale
    if key == "energy_per_sequence_j":
        unit, scale = energy_unit(top)
        return f"energy per sequence ({unit})", scale
    if key.startswith(K.DRAM + ".bytes") or key.endswith("_bytes") or key.endswith("bytes_per_sequence"):
        unit, scale = bytes_unit(top)
        what = "DRAM traffic per sequence" if key.endswith("per_sequence") else key
        return f"{what} ({unit})", scale
    if key.endswith("fraction") or key.endswith("utilisation"):
        name = {K.STEP_SLOTS_PADDING_FRACTION: "padded step-slots",
                K.ACCELERATOR_COMPUTE_UTILISATION: "compute utilisation",
                K.DRAM_BUSY_FRACTION: "DRAM busy"}.get(key, key)
        return f"{name} (%)", 100.0
    if key.endswith("_s"):
        unit, scale = time_unit(top)
        name = {K.SIMULATED_TIME_S: "simulated time", "wall_clock_s": "wall-clock time"}.get(key, key)
        return f"{name} ({unit})", scale
    return key, 1.0


def key_title(key):
    return KEY_TITLE.get(key, key)


def key_symbol(key):
    return KEY_SYMBOL.get(key, key.split(".")[-1])


def fmt_value(v):
    """'64' for 64.0, else the text as written."""
    f = number(v)
    if f is not None and f == int(f) and abs(f) < 1e15:
        return str(int(f))
    return str(v) if v != "" else "(unset)"


def fmt_quantity(v, unit):
    if v >= 100:
        return f"{v:.0f} {unit}"
    if v >= 10:
        return f"{v:.1f} {unit}"
    return f"{v:.3g} {unit}"


def log2_axis_if_wide(ax, xs, which="x"):
    """Log-2 scale with ticks at the values when they span at least 8x."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator
    xs = sorted(set(xs))
    if not xs or min(xs) <= 0 or max(xs) / min(xs) < 8:
        return
    (ax.set_xscale if which == "x" else ax.set_yscale)("log", base=2)
    axis = ax.xaxis if which == "x" else ax.yaxis
    axis.set_major_locator(FixedLocator(xs))
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: fmt_value(v)))
    axis.set_minor_locator(NullLocator())


# ---- latency-cdf -------------------------------------------------------------

def cmd_latency_cdf(args):
    runs = load_runs(args.dirs)
    data = [(r, *r.latencies()) for r in runs]
    _, plt = load_matplotlib()
    top = max(lat[-1] for _, lat, _ in data)
    unit, scale = time_unit(top)
    fig, ax = plt.subplots(figsize=(8, 5))
    colors = plt.get_cmap("tab10").colors
    for i, (r, lat, total) in enumerate(data):
        xs = [0.0] + [v * scale for v in lat]
        ys = [0.0] + [(k + 1) / total for k in range(len(lat))]
        def quantile(q):  # of all requests; unfinished ones count as slowest
            k = max(0, math.ceil(q * total) - 1)
            return fmt_quantity(lat[k] * scale, unit) if k < len(lat) else "not reached"
        label = f"{r.label}: p50 {quantile(0.5)}, p99 {quantile(0.99)}"
        if len(lat) < total:
            label += f" ({len(lat)} of {total} finished)"
        # Earlier curves a little wider, so a curve drawn over an identical one still shows.
        ax.step(xs, ys, where="post", color=colors[i % len(colors)], lw=max(1.3, 2.6 - 0.4 * i),
                ls=("-", "--", "-.", ":")[i % 4], label=label)
    for q in (0.5, 0.99):
        ax.axhline(q, color="0.5", lw=0.8, ls=":")
        ax.annotate(f"p{int(q * 100)}", xy=(1.0, q), xycoords=("axes fraction", "data"),
                    xytext=(3, 0), textcoords="offset points", va="center", fontsize=8, color="0.4")
    ax.set_xlim(left=0)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(f"latency, arrival to result ({unit})")
    ax.set_ylabel("fraction of requests finished")
    sub = experiment_title(runs)
    ax.set_title(args.title or ("Request latency CDF" + (f": {sub}" if sub else "")))
    if len(data) <= 5:
        ax.legend(loc="lower right", title="policy")
    else:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, title="policy", frameon=False)
    save(fig, plt, args)


# ---- energy ------------------------------------------------------------------

def cmd_energy(args):
    runs = load_runs(args.dirs)
    bars = []  # (label, {component: (dynamic, leakage)} per sequence)
    for r in runs:
        comps = r.stat(K.ENERGY_J_COMPONENTS)
        n = number(r.stat(K.REQUESTS_COMPLETED))
        if not isinstance(comps, dict) or not comps:
            raise PlotError(f"{r.stats_path}: '{K.ENERGY_J_COMPONENTS}' is empty")
        if not n:
            raise PlotError(f"{r.stats_path}: no completed requests ({K.REQUESTS_COMPLETED} = 0)")
        per = {}
        dynamic, leakage = K.name(K.ENERGY_J_COMPONENTS_COMPONENT_DYNAMIC), K.name(K.ENERGY_J_COMPONENTS_COMPONENT_LEAKAGE)
        for name, c in comps.items():
            try:
                dyn, leak = number(c[dynamic]), number(c[leakage])
            except (KeyError, TypeError):
                raise PlotError(f"{r.stats_path}: {K.ENERGY_J_COMPONENTS}.{name} has no dynamic/leakage")
            if dyn is None or leak is None:
                raise PlotError(f"{r.stats_path}: {K.ENERGY_J_COMPONENTS}.{name}: dynamic/leakage not numbers")
            per[name] = (dyn / n, leak / n)
        bars.append((r.label, per))
    _, plt = load_matplotlib()
    from matplotlib.patches import Patch

    names = sorted({c for _, per in bars for c in per})
    # Largest component at the bottom; colours fixed by name order.
    order = sorted(names, key=lambda c: (-max(sum(per.get(c, (0, 0))) for _, per in bars), c))
    # Components with the same role share a colour on both platforms.
    cmap = plt.get_cmap("tab20").colors
    spare = [c for k, c in enumerate(cmap) if k not in set(COMPONENT_COLOR.values())]
    color, extra = {}, 0
    for c in names:
        if c in COMPONENT_COLOR:
            color[c] = cmap[COMPONENT_COLOR[c]]
        else:
            color[c] = spare[extra % len(spare)]
            extra += 1
    top = max(sum(sum(v) for v in per.values()) for _, per in bars)
    unit, scale = energy_unit(top)

    fig, ax = plt.subplots(figsize=(max(6.0, 1.3 * len(bars) + 3.5), 5))
    xs = range(len(bars))
    bottoms = [0.0] * len(bars)
    for c in order:
        for part, (alpha, hatch) in enumerate(((1.0, None), (0.45, "////"))):
            h = [per.get(c, (0.0, 0.0))[part] * scale for _, per in bars]
            ax.bar(xs, h, 0.6, bottom=bottoms, color=color[c], alpha=alpha, hatch=hatch,
                   edgecolor="white" if hatch is None else color[c], linewidth=0.4)
            bottoms = [b + v for b, v in zip(bottoms, h)]
    for x, total in zip(xs, bottoms):
        ax.annotate(fmt_quantity(total, unit), (x, total), xytext=(0, 3), textcoords="offset points",
                    ha="center", va="bottom", fontsize=9)
    ax.set_xticks(list(xs))
    ax.set_xticklabels([b[0] for b in bars], rotation=0 if len(bars) <= 5 else 30,
                       ha="center" if len(bars) <= 5 else "right")
    ax.set_ylim(0, max(bottoms) * 1.1)
    ax.set_ylabel(f"energy per sequence ({unit})")
    ax.grid(axis="x", visible=False)
    sub = experiment_title(runs)
    ax.set_title(args.title or ("Energy per sequence by component" + (f": {sub}" if sub else "")))
    by_color = {}
    for c in reversed(order):
        by_color.setdefault(color[c], []).append(c.replace("_", " "))
    handles = [Patch(facecolor=col, label=" / ".join(cs)) for col, cs in by_color.items()]
    handles += [Patch(facecolor="white", edgecolor="white", label=""),
                Patch(facecolor="0.35", label="dynamic (solid)"),
                Patch(facecolor="0.35", alpha=0.45, hatch="////", edgecolor="0.35",
                      label="leakage (hatched, light)")]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), title="component")
    save(fig, plt, args)


# ---- sweeps ------------------------------------------------------------------

class Sweep:
    def __init__(self, arg):
        path = arg
        if os.path.isdir(path):
            path = os.path.join(path, "sweep.csv")
        elif not os.path.exists(path):
            raise PlotError(f"{arg}: no such directory")
        self.csv = path
        self.dir = os.path.dirname(path) or "."
        if not os.path.isfile(path):
            hint = ""
            if os.path.isfile(os.path.join(arg, "compare.json")) or is_run_dir(arg):
                hint = " (this is a run or compare directory)"
            raise PlotError(f"{path}: no such file; not a sweep directory{hint}")
        header, rows = read_csv(path)
        if not header or header[0] != "point":
            raise PlotError(f"{path}: first column is '{header[0] if header else ''}', expected 'point' "
                            "(not an ebatch sweep.csv)")
        if len(set(header)) != len(header):
            raise PlotError(f"{path}: repeated column names")
        self.header = header
        self.rows = []
        for i, r in enumerate(rows, start=2):
            if not r:
                continue
            if len(r) != len(header):
                raise PlotError(f"{path}:{i}: {len(r)} fields, the header has {len(header)}")
            self.rows.append(dict(zip(header, r)))
        if not self.rows:
            raise PlotError(f"{path}: no points")
        self.swept = [h for h in header[1:] if h.split(".")[0] in CONFIG_SECTIONS]
        self._stats = {}

    def point_stats(self, point):
        if point not in self._stats:
            p = os.path.join(self.dir, "points", point, "stats.json")
            self._stats[point] = load_json(p) if os.path.isfile(p) else None
        return self._stats[point]

    def require_column(self, key, option):
        if key not in self.header:
            raise PlotError(f"{self.csv}: unknown key '{key}' for {option} "
                            f"(columns: {', '.join(self.header[1:])})")

    def values(self, key, option):
        """A metric for every row (None where missing): the column, else points/NNNN/stats.json."""
        if key in self.header:
            return [number(r[key]) for r in self.rows]
        out, found = [], False
        for r in self.rows:
            s = self.point_stats(r["point"])
            try:
                v = number(dotted(s, key)) if s is not None else None
                found = found or s is not None
            except KeyError:
                if s is not None:
                    raise PlotError(f"{self.csv}: unknown key '{key}' for {option}: not a column "
                                    f"(columns: {', '.join(self.header[1:])}) nor a value in "
                                    f"{os.path.join(self.dir, 'points', r['point'], 'stats.json')}")
                v = None
            out.append(v)
        if not found:
            raise PlotError(f"{self.csv}: unknown key '{key}' for {option} "
                            f"(columns: {', '.join(self.header[1:])}; no points/NNNN/stats.json to look in)")
        return out

    def subtitle(self, rows):
        """'EESEN on E-PUR, 1000 requests' when the points' stats.json agree."""
        runs = [Run(os.path.join(self.dir, "points", r["point"])) for r in rows]
        return experiment_title(runs, skip_missing=True)

    def varying(self, rows=None):
        rows = self.rows if rows is None else rows
        return [k for k in self.swept if len({r[k] for r in rows}) > 1]


def ordered(values):
    """Distinct values: numeric order if all numbers, else order of appearance."""
    seen = list(dict.fromkeys(values))
    if all(number(v) is not None for v in seen):
        return sorted(seen, key=number)
    return seen


def parse_where(sweep, items):
    out = []
    for item in items or []:
        if "=" not in item:
            raise PlotError(f"--where '{item}': expected KEY=VALUE")
        k, v = item.split("=", 1)
        sweep.require_column(k, "--where")
        if not any(r[k] == v or (number(r[k]) is not None and number(r[k]) == number(v)) for r in sweep.rows):
            raise PlotError(f"{sweep.csv}: no point has {k} = {v} (values: "
                            f"{', '.join(fmt_value(x) for x in ordered([r[k] for r in sweep.rows]))})")
        out.append((k, v))
    return out


def match(row, where):
    return all(row[k] == v or (number(row[k]) is not None and number(row[k]) == number(v)) for k, v in where)


def cmd_sweep(args):
    sweep = Sweep(args.dir)
    sweep.require_column(args.x, "--x")
    if args.group:
        sweep.require_column(args.group, "--group")
        if args.group == args.x:
            raise PlotError("--group must differ from --x")
    where = parse_where(sweep, args.where)
    metrics = [m.strip() for m in args.metrics.split(",") if m.strip()]
    if not metrics:
        raise PlotError("--metrics: give at least one metric")
    idx = [i for i, r in enumerate(sweep.rows) if match(r, where)]
    rows = [sweep.rows[i] for i in idx]
    group = args.group
    others = [k for k in sweep.varying(rows) if k not in (args.x, group)]
    if group is None and len(others) == 1:
        group = others.pop()
    if others:
        verb = "varies; fix it" if len(others) == 1 else "vary; fix them"
        raise PlotError(f"{sweep.csv}: {', '.join(others)} also {verb} with --where KEY=VALUE "
                        "(or choose --group)")
    values = {m: sweep.values(m, "--metrics") for m in metrics}
    _, plt = load_matplotlib()

    xs_text = ordered([r[args.x] for r in rows])
    numeric_x = all(number(v) is not None for v in xs_text)
    xpos = {v: (number(v) if numeric_x else i) for i, v in enumerate(xs_text)}
    groups = ordered([r[group] for r in rows]) if group else [None]

    fig, axes = plt.subplots(len(metrics), 1, sharex=True, squeeze=False,
                             figsize=(8, 1.0 + 2.8 * len(metrics)))
    axes = [a[0] for a in axes]
    colors = plt.get_cmap("viridis" if len(groups) > 10 else "tab10")
    markers = "osD^vP*Xh<>"
    seen, plotted = {}, []
    for m, ax in zip(metrics, axes):
        label, scale = metric_axis(m, values[m])
        for gi, g in enumerate(groups):
            pts = []
            for i, r in zip(idx, rows):
                if group and r[group] != g:
                    continue
                key = (r[args.x], g)
                if key in seen and seen[key] != r["point"]:
                    raise PlotError(f"{sweep.csv}: points {seen[key]} and {r['point']} have the same "
                                    f"{args.x}" + (f" and {group}" if group else "") +
                                    "; narrow with --where KEY=VALUE")
                seen[key] = r["point"]
                v = values[m][i]
                if v is None:  # a failed point: a gap in the line
                    warn(f"{sweep.csv}: point {r['point']} has no value for {m} (left out)")
                pts.append((xpos[r[args.x]], math.nan if v is None else v * scale))
            pts.sort()
            plotted += [p[1] for p in pts if not math.isnan(p[1])]
            c = colors(gi / max(1, len(groups) - 1)) if len(groups) > 10 else colors(gi % 10)
            name = f"{key_symbol(group)} = {fmt_value(g)}" if group else None
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker=markers[gi % len(markers)],
                    color=c, lw=1.6, ms=5, ls="-" if numeric_x else ":", label=name)
        ax.set_ylabel(label)
        if plotted and min(plotted) >= 0 and max(plotted) > 0:
            ax.set_ylim(0, max(plotted) * 1.08)
        seen, plotted = {}, []
    if numeric_x:
        log2_axis_if_wide(axes[-1], [number(v) for v in xs_text])
    else:
        axes[-1].set_xticks(list(range(len(xs_text))))
        axes[-1].set_xticklabels([fmt_value(v) for v in xs_text])
    axes[-1].set_xlabel(key_title(args.x))
    if group:
        axes[0].legend(title=key_title(group), loc="best", ncol=1 if len(groups) <= 6 else 2)
    fixed = ", ".join(f"{key_symbol(k)} = {fmt_value(v)}" for k, v in where)
    if len(metrics) <= 2:
        default_title = " and ".join(metric_axis(m, values[m])[0].split(" (")[0] for m in metrics)
        default_title = default_title[0].upper() + default_title[1:] + " against " + key_title(args.x)
    else:
        default_title = "Sweep results against " + key_title(args.x)
    if fixed:
        default_title += f" ({fixed})"
    sub = sweep.subtitle(rows)
    axes[0].set_title(args.title or (default_title + (f"\n{sub}" if sub else "")))
    fig.align_ylabels(axes)
    save(fig, plt, args)


def readable_log_ticks(axis, lo, hi):
    """Ticks at 1, 2, 5 x 10^k (and 3 when that leaves fewer than 4) in plain numbers."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator
    ticks = []
    for subs in ((1, 2, 5), (1, 2, 3, 5), (1, 1.5, 2, 3, 4, 5, 7)):
        ticks = [m * 10.0 ** e for e in range(math.floor(math.log10(lo)) - 1, math.ceil(math.log10(hi)) + 1)
                 for m in subs if lo <= m * 10.0 ** e <= hi]
        if len(ticks) >= 4:
            break
    axis.set_major_locator(FixedLocator(ticks))
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
    axis.set_minor_locator(NullLocator())


def pareto_front(points):
    """Indices of points not dominated in (latency, energy), both lower is better
    (identical points are all kept), in order of latency."""
    order = sorted(range(len(points)), key=lambda i: (points[i][0], points[i][1]))
    front, best = [], math.inf
    for i in order:
        if points[i][1] < best or (front and points[i] == points[front[-1]]):
            front.append(i)
            best = points[i][1]
    return front


def spread(ys, gap, low, high):
    """Positions near ys (sorted descending) at least gap apart, within [low, high]."""
    out = []
    for y in ys:
        y = min(y, high if not out else out[-1] - gap)
        out.append(y)
    if out and out[-1] < low:  # pushed off the bottom: shift everything up
        shift = low - out[-1]
        out = [y + shift for y in out]
        for k in range(len(out) - 2, -1, -1):
            out[k] = max(out[k], out[k + 1] + gap)
    return out


def cmd_pareto(args):
    sweep = Sweep(args.dir)
    where = parse_where(sweep, args.where)
    energy = sweep.values(args.energy, "--energy")
    latency = sweep.values(args.latency, "--latency")
    pts, rows = [], []
    for r, e, l in zip(sweep.rows, energy, latency):
        if not match(r, where):
            continue
        if e is None or l is None:
            warn(f"{sweep.csv}: point {r['point']} has no {args.energy if e is None else args.latency} (left out)")
            continue
        pts.append((l, e))
        rows.append(r)
    if not pts:
        raise PlotError(f"{sweep.csv}: no point has both {args.energy} and {args.latency}")
    front = pareto_front(pts)
    _, plt = load_matplotlib()
    xlabel, xs = metric_axis(args.latency, [p[0] for p in pts])
    ylabel, ys = metric_axis(args.energy, [p[1] for p in pts])
    shown = sweep.varying(rows) or sweep.swept

    fig, ax = plt.subplots(figsize=(8.5, 5.5))
    on_front = set(front)
    others = [i for i in range(len(pts)) if i not in on_front]
    ax.scatter([pts[i][0] * xs for i in others], [pts[i][1] * ys for i in others], s=28,
               color="0.6", alpha=0.8, label=f"dominated points ({len(others)})", zorder=2)
    fx = [pts[i][0] * xs for i in front]
    fy = [pts[i][1] * ys for i in front]
    ax.step(fx, fy, where="post", color="tab:red", lw=1.2, alpha=0.7, zorder=3)
    ax.scatter(fx, fy, s=55, color="tab:red", edgecolor="black", linewidth=0.6,
               label=f"Pareto front ({len(front)})", zorder=4)
    # Limits by hand (log scale when a quantity spans 4x or more), then the labels.
    allx = [p[0] * xs for p in pts]
    ally = [p[1] * ys for p in pts]
    for vals, axis, setlim, setscale in ((allx, ax.xaxis, ax.set_xlim, ax.set_xscale),
                                         (ally, ax.yaxis, ax.set_ylim, ax.set_yscale)):
        lo, hi = min(vals), max(vals)
        if lo > 0 and hi / lo >= 4:
            setscale("log")
            f = (hi / lo) ** 0.08
            setlim(lo / f, hi * f)
            readable_log_ticks(axis, lo / f, hi * f)
        else:
            pad = (hi - lo) * 0.08 or abs(hi) * 0.1 or 1.0
            setlim(lo - pad, hi + pad)
    # Labels in a column right of the front, spread vertically, with leader lines.
    to_axes = ax.transAxes.inverted()
    disp = [ax.transData.transform((x, y)) for x, y in zip(fx, fy)]
    axy = [to_axes.transform(d) for d in disp]
    col_x = min(0.72, max(a[0] for a in axy) + 0.1)
    ty = spread([a[1] for a in axy], 0.055, 0.04, 0.96)
    for k, i in enumerate(front):
        text = ", ".join(f"{key_symbol(c)} = {fmt_value(rows[i][c])}" for c in shown)
        ax.annotate(text, (fx[k], fy[k]), xytext=(col_x, ty[k]), textcoords="axes fraction",
                    fontsize=8.5, color="darkred", va="center", ha="left", zorder=5,
                    bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="0.8", alpha=0.9),
                    arrowprops=dict(arrowstyle="-", color="darkred", lw=0.6, alpha=0.7,
                                    shrinkA=0, shrinkB=4))
    ax.set_xlabel(xlabel + " (lower is better)")
    ax.set_ylabel(ylabel + " (lower is better)")
    fixed = ", ".join(f"{key_symbol(k)} = {fmt_value(v)}" for k, v in where)
    sub = sweep.subtitle(rows)
    ax.set_title(args.title or (f"{ylabel.split(' (')[0].capitalize()} against "
                                f"{xlabel.split(' (')[0]}: {len(pts)} sweep points"
                                + (f" ({fixed})" if fixed else "") + (f"\n{sub}" if sub else "")))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.11), ncol=2, frameon=False)
    save(fig, plt, args)


# ---- tuner -------------------------------------------------------------------

def cmd_tuner(args):
    runs = load_runs([args.dir])
    with_table = [r for r in runs if os.path.exists(r.stats_path) and r.stats().get(K.TUNER)]
    if not with_table:
        where = runs[0].stats_path if len(runs) == 1 else os.path.join(args.dir, "*/stats.json")
        raise PlotError(f"{where}: empty 'tuner' table (window_steps was fixed, or the policy is not ebatch)")
    if len(with_table) > 1:
        raise PlotError(f"{args.dir}: several runs have a tuner table; give one run directory")
    run = with_table[0]
    s = run.stats()
    table = []
    window, energy, p99 = (K.name(k) for k in (K.TUNER_I_WINDOW, K.TUNER_I_ENERGY_PER_SEQUENCE_J,
                                                K.TUNER_I_P99_LATENCY_S))
    for i, row in enumerate(s[K.TUNER]):
        try:
            w, e, l = number(row[window]), number(row[energy]), number(row[p99])
        except (KeyError, TypeError):
            raise PlotError(f"{run.stats_path}: tuner[{i}] lacks window, energy_per_sequence_j or p99_latency_s")
        if None in (w, e, l):
            raise PlotError(f"{run.stats_path}: tuner[{i}]: window, energy or latency is not a number")
        table.append((w, e, l))
    table.sort()
    _, plt = load_matplotlib()
    eunit, escale = energy_unit(max(t[1] for t in table))
    tunit, tscale = time_unit(max(t[2] for t in table))
    fig, ax = plt.subplots(figsize=(8, 5))
    ax2 = ax.twinx()
    w = [t[0] for t in table]
    l1 = ax.plot(w, [t[1] * escale for t in table], "o-", color="tab:blue", lw=1.8,
                 label="energy per sequence")
    l2 = ax2.plot(w, [t[2] * tscale for t in table], "s--", color="tab:orange", lw=1.8,
                  label="p99 latency")
    log2_axis_if_wide(ax, w)
    chosen = number(s.get(K.WINDOW_STEPS))
    handles = l1 + l2
    if chosen is not None:
        handles.append(ax.axvline(chosen, color="0.3", ls=":", lw=1.2,
                                  label=f"chosen window N = {fmt_value(chosen)}"))
    ax.set_xlabel("window N (time-steps)")
    ax.set_ylabel(f"energy per sequence ({eunit})", color="tab:blue")
    ax2.set_ylabel(f"p99 latency ({tunit})", color="tab:orange")
    ax.tick_params(axis="y", colors="tab:blue")
    ax2.tick_params(axis="y", colors="tab:orange")
    ax.set_ylim(bottom=0)
    ax2.set_ylim(bottom=0)
    ax2.grid(False)
    desc = str(s.get(K.POLICY_DESCRIPTION, ""))
    slots = re.search(r"(\d+) slots", desc)
    pilot = re.search(r"tuner on (\d+) pilot requests", desc)
    sub = experiment_title([run]).split(",")[0]
    bits = [b for b in (sub, f"B = {slots.group(1)}" if slots else "",
                        f"estimated on {pilot.group(1)} pilot requests" if pilot else "") if b]
    ax.set_title(args.title or ("E-BATCH window tuner" + (": " + ", ".join(bits) if bits else "")))
    ax.legend(handles=handles, loc="upper right")
    save(fig, plt, args)


def reproduce_data(path):
    """The bars of the reproduce figure: per platform, per network and for the geometric mean,
    E-BATCH over the strongest baseline variant (saturation throughput and energy efficiency,
    capacity at the SLO and energy efficiency there), each with its range; the paper's claims."""
    data = load_json(path)
    try:
        baseline = data["baseline"]
        headline = data.get("headline")
        summary = data["summary"]
    except (KeyError, TypeError):
        raise PlotError(f"{path}: not an 'ebatch reproduce' result (needs runs, summary, baseline)")
    if not isinstance(headline, list):  # a reproduce of before issue 15: the saturation summary
        headline = []
        for s in summary:
            if s.get("load") != "saturation":
                continue
            nets = [{"network": n["network"],
                     "saturation_throughput_ratio": n["throughput_ratio"],
                     "saturation_energy_efficiency_ratio": n["energy_efficiency_ratio"]} for n in s["networks"]]
            headline.append({"platform": s["platform"], "networks": nets,
                             "paper_throughput_ratio": s["paper_throughput_ratio"],
                             "paper_energy_efficiency_ratio": s["paper_energy_efficiency_ratio"],
                             "geomean_saturation_throughput_ratio": s["geomean_throughput_ratio"],
                             "geomean_saturation_energy_efficiency_ratio": s["geomean_energy_efficiency_ratio"]})
    if not headline:
        raise PlotError(f"{path}: empty summary")
    metrics = [("saturation_throughput_ratio", "throughput (saturation)"),
               ("saturation_energy_efficiency_ratio", "energy efficiency (saturation)"),
               ("capacity_ratio", "capacity at the SLO"),
               ("energy_efficiency_at_capacity_ratio", "energy efficiency at capacity")]
    out = {"baseline": baseline, "quick": bool(data.get("quick")), "requests_per_run": data.get("requests_per_run"),
           "platforms": []}
    for h in headline:
        groups = [(n["network"], n) for n in h.get("networks", [])]
        groups.append(("geomean", {k: h.get("geomean_" + k) for k, _ in metrics} |
                       {k + "_min": h.get("geomean_" + k + "_min") for k, _ in metrics} |
                       {k + "_max": h.get("geomean_" + k + "_max") for k, _ in metrics}))
        series = []
        for key, label in metrics:
            values = [number(g.get(key)) for _, g in groups]
            if all(v is None or v <= 0 for v in values):
                continue
            lo = [number(g.get(key + "_min")) for _, g in groups]
            hi = [number(g.get(key + "_max")) for _, g in groups]
            series.append({"key": key, "label": label,
                           "values": [v if v is not None else 0 for v in values],
                           "min": [a if a is not None else (v or 0) for a, v in zip(lo, values)],
                           "max": [b if b is not None else (v or 0) for b, v in zip(hi, values)]})
        out["platforms"].append({"platform": h["platform"], "groups": [g for g, _ in groups], "series": series,
                                 "paper_throughput_ratio": number(h.get("paper_throughput_ratio")),
                                 "paper_energy_efficiency_ratio": number(h.get("paper_energy_efficiency_ratio"))})
    return out


def legend_below(ax, ncol=2):
    """A legend under the axes (outside them): it covers no data."""
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=ncol, fontsize=8, frameon=False)


def cmd_reproduce(args):
    path = os.path.join(args.dir, "reproduce.json") if os.path.isdir(args.dir) else args.dir
    d = reproduce_data(path)
    if args.dry_run:
        print(json.dumps(d, indent=1, sort_keys=True))
        return
    _, plt = load_matplotlib()
    np = __import__("numpy")
    plats = d["platforms"]
    fig, axes = plt.subplots(1, len(plats), figsize=(7.0 * len(plats), 5.6), squeeze=False)
    colors = ["tab:blue", "tab:green", "tab:orange", "tab:purple"]
    for col, p in enumerate(plats):
        ax = axes[0][col]
        groups, series = p["groups"], p["series"]
        x = np.arange(len(groups))
        width = 0.8 / max(1, len(series))
        top = 1.0
        for i, s in enumerate(series):
            xs = x + (i - (len(series) - 1) / 2) * width
            vals = np.array(s["values"], dtype=float)
            err = np.array([np.clip(vals - np.array(s["min"]), 0, None), np.clip(np.array(s["max"]) - vals, 0, None)])
            ax.bar(xs, vals, width, color=colors[i % len(colors)], label=s["label"], yerr=err, capsize=2,
                   error_kw={"lw": 0.8})
            top = max(top, float(np.max(np.array(s["max"]))), float(np.max(vals)))
        for value, style, label in ((p["paper_throughput_ratio"], "--", "paper: throughput"),
                                    (p["paper_energy_efficiency_ratio"], ":", "paper: energy efficiency")):
            if value:
                ax.axhline(value, color="0.2", ls=style, lw=1.2, label=f"{label} {fmt_value(value)}x")
                top = max(top, value)
        ax.axhline(1.0, color="0.5", lw=0.8)
        ax.set_ylim(0, top * 1.08)  # room above the tallest bar and range: nothing is clipped
        ax.set_xticks(x)
        ax.set_xticklabels(groups, rotation=20, ha="right")
        ax.set_ylabel(f"E-BATCH / strongest {d['baseline']} variant")
        ax.set_title(f"{platform_name(p['platform'])} (bars: defaults; whiskers: range over the uncertain parameters)",
                     fontsize=9)
        legend_below(ax, ncol=3)
    n = d.get("requests_per_run")
    fig.suptitle(args.title or f"ebatch reproduce: {n} requests per run" + (" (--quick)" if d.get("quick") else ""))
    fig.tight_layout()
    save(fig, plt, args)


def load_curve_data(path):
    """Per axis (relative: offered load / the policy's own capacity; absolute: requests/s) and
    policy, the points (x, p50, p99) of a capacity folder's load_curve.csv, and the SLO."""
    folder = path if os.path.isdir(path) else os.path.dirname(path)
    header, rows = read_csv(os.path.join(folder, "load_curve.csv"))
    need = ("policy", "axis", "fraction", "offered_rate_per_s", "latency_p50_s", "latency_p99_s", "slo_statistic",
            "slo_s", "complete")
    missing = [c for c in need if c not in header]
    if missing:
        raise PlotError(f"{os.path.join(folder, 'load_curve.csv')}: not an 'ebatch capacity --curve' result "
                        f"(no column {missing[0]})")
    col = {c: header.index(c) for c in need}
    out = {"slo_statistic": None, "slo_s": None, "axes": {"relative": {}, "absolute": {}}}
    for r in rows:
        if len(r) < len(header) or r[col["complete"]] != "true":
            continue
        axis = r[col["axis"]]
        if axis not in out["axes"]:
            continue
        out["slo_statistic"] = r[col["slo_statistic"]]
        out["slo_s"] = number(r[col["slo_s"]])
        x = number(r[col["fraction"]]) if axis == "relative" else number(r[col["offered_rate_per_s"]])
        out["axes"][axis].setdefault(r[col["policy"]], []).append(
            [x, number(r[col["latency_p50_s"]]), number(r[col["latency_p99_s"]])])
    for axis in out["axes"].values():
        for pts in axis.values():
            pts.sort()
    if not any(out["axes"].values()):
        raise PlotError(f"{os.path.join(folder, 'load_curve.csv')}: no complete points")
    return out


def cmd_load_curve(args):
    d = load_curve_data(args.dir)
    if args.dry_run:
        print(json.dumps(d, indent=1, sort_keys=True))
        return
    _, plt = load_matplotlib()
    fig, axes = plt.subplots(1, 2, figsize=(12, 5.2), squeeze=False)
    policies = sorted({p for axis in d["axes"].values() for p in axis})
    cmap = plt.get_cmap("tab10")
    for col, (axis, xlabel) in enumerate((("relative", "offered load / the policy's own capacity"),
                                          ("absolute", "offered load (requests/s)"))):
        ax = axes[0][col]
        for i, pol in enumerate(policies):
            pts = d["axes"][axis].get(pol)
            if not pts:
                continue
            xs = [p[0] for p in pts]
            ax.plot(xs, [p[2] for p in pts], "-o", color=cmap(i % 10), ms=3.5, label=f"{pol} p99")
            ax.plot(xs, [p[1] for p in pts], "--", color=cmap(i % 10), lw=1.0, label=f"{pol} p50")
        if d["slo_s"]:
            ax.axhline(d["slo_s"], color="black", lw=1.2, ls="-.", label=f"SLO {d['slo_statistic']} "
                       f"{fmt_quantity(d['slo_s'], 's')}")
        ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("latency (s)")
        ax.set_title("against each policy's capacity" if axis == "relative" else "against the same offered rates")
        legend_below(ax, ncol=3)
    fig.suptitle(args.title or "latency against offered load (ebatch capacity --curve)")
    fig.tight_layout()
    save(fig, plt, args)


# ---- command line ------------------------------------------------------------

def formats(text):
    out = [f.strip().lower() for f in text.split(",") if f.strip()]
    bad = [f for f in out if f not in FORMATS]
    if bad or not out:
        raise argparse.ArgumentTypeError(f"'{text}': give png, svg or png,svg")
    return list(dict.fromkeys(out))


def parser():
    p = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n", 1)[1],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def common(sp, default_name):
        sp.add_argument("--out", metavar="PREFIX",
                        help=f"write PREFIX.png and PREFIX.svg (default: the first input directory/{default_name})")
        sp.add_argument("--format", type=formats, default=list(FORMATS), metavar="png,svg",
                        help="file formats (default: png,svg)")
        sp.add_argument("--title", help="replace the plot's title")
        sp.add_argument("--dpi", type=int, default=100, help="PNG resolution (default 100)")
        sp.set_defaults(default_name=default_name)

    s = sub.add_parser("latency-cdf", help="latency CDF per run / policy")
    s.add_argument("dirs", nargs="+", metavar="RUN_OR_COMPARE_DIR")
    common(s, "latency_cdf")
    s.set_defaults(func=cmd_latency_cdf)

    s = sub.add_parser("energy", help="stacked energy per sequence by component")
    s.add_argument("dirs", nargs="+", metavar="RUN_OR_COMPARE_DIR")
    common(s, "energy")
    s.set_defaults(func=cmd_energy)

    s = sub.add_parser("sweep", help="metrics against a swept key, one line per value of another")
    s.add_argument("dir", metavar="SWEEP_DIR")
    s.add_argument("--x", required=True, metavar="KEY", help="swept key on the x axis, e.g. policy.window_steps")
    s.add_argument("--group", metavar="KEY", help="one line per value of this swept key (default: the "
                   "only other key that varies)")
    s.add_argument("--metrics", default=DEFAULT_SWEEP_METRICS, metavar="M1,M2",
                   help=f"sweep.csv columns or stats.json keys (default: {DEFAULT_SWEEP_METRICS})")
    s.add_argument("--where", action="append", metavar="KEY=VALUE", help="keep only these points (repeatable)")
    common(s, "sweep")
    s.set_defaults(func=cmd_sweep)

    s = sub.add_parser("pareto", help="energy against latency, Pareto front highlighted")
    s.add_argument("dir", metavar="SWEEP_DIR")
    s.add_argument("--energy", default=K.ENERGY_J_PER_SEQUENCE, metavar="KEY")
    s.add_argument("--latency", default=K.LATENCY_S_P99, metavar="KEY")
    s.add_argument("--where", action="append", metavar="KEY=VALUE", help="keep only these points (repeatable)")
    common(s, "pareto")
    s.set_defaults(func=cmd_pareto)

    s = sub.add_parser("tuner", help="the window tuner's table from stats.json")
    s.add_argument("dir", metavar="RUN_DIR")
    common(s, "tuner")
    s.set_defaults(func=cmd_tuner)

    s = sub.add_parser("reproduce", help="E-BATCH vs the strongest baseline per network, ranges, the paper's claims")
    s.add_argument("dir", metavar="REPRODUCE_DIR")
    s.add_argument("--dry-run", action="store_true", help="print the figure's data (JSON) instead; no matplotlib")
    common(s, "reproduce")
    s.set_defaults(func=cmd_reproduce)

    s = sub.add_parser("load-curve", help="p50 and p99 latency against offered load, one line per policy, the SLO")
    s.add_argument("dir", metavar="CAPACITY_DIR")
    s.add_argument("--dry-run", action="store_true", help="print the figure's data (JSON) instead; no matplotlib")
    common(s, "load_curve")
    s.set_defaults(func=cmd_load_curve)
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    if args.out is None:
        first = args.dirs[0] if hasattr(args, "dirs") else args.dir
        base = first if os.path.isdir(first) else (os.path.dirname(first) or ".")
        args.out = os.path.join(base, args.default_name)
    if args.dpi <= 0 or args.dpi > 1200:
        print(f"{PROG}: error: --dpi {args.dpi}: give 1 to 1200", file=sys.stderr)
        return 2
    try:
        args.func(args)
    except PlotError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(1)
