"""Run every benchmark and write its tables to ``benchmarks/results/`` (markdown and JSON).

Each table file starts with the machine it was measured on (CPU model, cores, BLAS kernel), the
date and the versions, so the book's Benchmarks page shows measurements, not claims.

Run:  .venv/bin/python benchmarks/run_all.py            (the full runs; Burgers about 50 min)
      .venv/bin/python benchmarks/run_all.py --quick    (every benchmark's quick mode)
      .venv/bin/python benchmarks/run_all.py --only gradient pinn   (those tables alone)
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np
import scipy

from lecturekit.tables import schedule_name

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def machine():
    """CPU model, cores, BLAS kernel, date and versions of the run."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    blas = "unknown"
    try:
        from threadpoolctl import threadpool_info

        info = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        if info:
            b = info[0]
            blas = f"{b.get('internal_api')} {b.get('version')} ({b.get('architecture')})"
    except ImportError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "blas": blas,
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
    }


def header(m, quick):
    mode = "quick mode (fewer points and steps)" if quick else "full run"
    return (
        f"Measured on {m['cpu']}, {m['cores']} cores, BLAS {m['blas']}; {m['date']}; "
        f"Python {m['python']}, numpy {m['numpy']}, scipy {m['scipy']}; {mode}.\n\n"
    )


def script(name, *args):
    """Run a benchmark script with this interpreter; its standard output."""
    cmd = [sys.executable, str(HERE / name), *args]
    env = os.environ | {"PYTHONPATH": str(HERE.parent)}
    return subprocess.run(cmd, capture_output=True, text=True, check=True, env=env).stdout


def after_adam(run):
    """The error at the last measurement of the Adam phase (Adam alone, up to there)."""
    errors = [e for _, phase, _, e in run.get("curve", []) if phase == "adam"]
    return f"{errors[-1]:.2e}" if errors else "–"


def burgers_table(runs):
    lines = [
        "| engine | schedule | seed | seconds to 6.7e-4 | error after Adam "
        "| final relative L2 error | seconds | time per iteration | peak memory (MB) | ended by |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in sorted(runs, key=lambda r: (r["engine"] != "lecturekit", r["schedule"], r["seed"])):
        tt = "not reached" if r["seconds_to_target"] is None else f"{r['seconds_to_target']:.1f}"
        per = ", ".join(f"{k} {v * 1e3:.0f} ms" for k, v in r["per_iteration"].items())
        peak = "not traced" if r["peak_mb"] != r["peak_mb"] else f"{r['peak_mb']:.0f}"
        lines.append(
            f"| {r['engine']} | {r['schedule']} | {r['seed']} | {tt} | {after_adam(r)} | "
            f"{r['final_error']:.2e} | {r['seconds']:.1f} | {per} | {peak} | "
            f"{r.get('reason', '')} |"
        )
    r = runs[0]
    if not any(r["engine"] == "deepxde" for r in runs):
        lines.append("\nDeepXDE was not run (not installed, or quick mode).")
    note = (
        f"\nM = {r['M']} residuals, P = {r['P']} weights; the exact solution's quadrature error "
        f"is {r['quadrature_error']:.1e} (Gauss–Hermite, 200 against 400 nodes).\n"
    )
    return "\n".join(lines) + "\n" + note


def scaling_table(s):
    lines = [
        "| M | P | J (s) | JᵀJ (s) | Cholesky (s) | gradient (s) |",
        "|---|---|---|---|---|---|",
    ]
    for r in s["scaling"]:
        lines.append(
            f"| {r['M']} | {r['P']} | {r['J']:.3g} | {r['JtJ']:.3g} | {r['solve']:.3g} "
            f"| {r['grad']:.3g} |"
        )
    lines += [
        "",
        "| part | fitted exponent of M | of P | flop count |",
        "|---|---|---|---|",
    ]
    names = {"J": "J", "JtJ": "JᵀJ", "solve": "Cholesky", "grad": "gradient"}
    flops = {"J": "M·P", "JtJ": "M·P²", "solve": "P³/3", "grad": "M·P"}
    for k, e in s["exponents"].items():
        lines.append(f"| {names[k]} | {e['M']:.2f} | {e['P']:.2f} | {flops[k]} |")
    return "\n".join(lines) + "\n"


# The full Burgers runs, three seeds each: lecturekit's Adam + LM beside DeepXDE (Adam +
# L-BFGS), interleaved by seed, each ending at the target or after 900 s; then lecturekit's
# Adam + L-BFGS-B, which does not reach the target in that time, with a 300 s budget.
BURGERS_TO_TARGET = ["--json", "--seeds", "3", "--schedules", "adam+lm", "--to-target"]
BURGERS_LBFGS = [*BURGERS_TO_TARGET[:3], "--engine", "lecturekit", "--schedules", "adam+lbfgs",
                 "--to-target"]  # fmt: skip


def burgers_runs(quick_args):
    """The Burgers runs: quick mode's, or the full ones as the page's table was measured (each
    run ends at the target or at its time budget)."""
    if quick_args:
        return json_lines(script("burgers.py", "--json", *quick_args))
    return [
        *json_lines(script("burgers.py", *BURGERS_TO_TARGET, "--budget", "900")),
        *json_lines(script("burgers.py", *BURGERS_LBFGS, "--budget", "300")),
    ]


def json_lines(text):
    """The JSON objects of a run's output, one a line (DeepXDE prints its own lines besides)."""
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def as_markdown(out):
    """A benchmark's printout for the page: its markdown tables as tables, the rest as text."""
    blocks, text = [], []
    lines = out.rstrip().splitlines()
    for i, line in enumerate(lines):
        if line.startswith("|"):
            if text and any(t.strip() for t in text):
                blocks += ["```text\n" + "\n".join(text).strip("\n") + "\n```", ""]
            text = []
            blocks.append(line)
            if i + 1 == len(lines) or not lines[i + 1].startswith("|"):
                blocks.append("")
        else:
            text.append(line)
    if any(t.strip() for t in text):
        blocks.append("```text\n" + "\n".join(text).strip("\n") + "\n```")
    return "\n".join(blocks).replace("\n\n\n", "\n\n").rstrip("\n") + "\n"


def write_burgers(m, head, runs):
    text = json.dumps({"machine": m, "runs": runs}, indent=1)
    (RESULTS / "burgers.json").write_text(text)
    (RESULTS / "burgers.md").write_text(head + burgers_table(runs))
    burgers_figure(runs, RESULTS / "burgers.png", source=digest(text))


def digest(text):
    """The SHA-256 of a results file's text: stamped into its figure, so a test can tell a
    figure drawn from other results."""
    return hashlib.sha256(text.encode()).hexdigest()


# One style per engine and schedule: colour and line style both differ, for readers who do not
# tell the colours apart and for print.
STYLES = {
    ("lecturekit", "adam+lm"): ("C0", "-"),
    ("deepxde", "adam+lbfgs"): ("C1", "--"),
    ("lecturekit", "adam+lbfgs"): ("C2", ":"),
    ("lecturekit", "adam"): ("C3", "-."),
}


def burgers_figure(runs, path, source):
    """The error on the grid against training time, one line per run, and the paper's error.

    Where the lines of two schedules cross, one overtakes the other; the table gives the
    seconds to the target. ``source`` (the results file's digest) goes into the PNG's metadata.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5))
    labelled = set()
    for r in runs:
        key = (r["engine"], r["schedule"])
        colour, style = STYLES.get(key, ("C4", "-"))
        label = schedule_name(*key)  # as chapter 7's sentence names it
        t = [c[0] for c in r["curve"]]
        e = [c[3] for c in r["curve"]]
        ax.plot(t, e, style, color=colour, lw=1.5, label=None if key in labelled else label)
        labelled.add(key)
    ax.axhline(runs[0]["target"], color="0.3", lw=1, label="the paper's error")
    ax.set_yscale("log")
    ax.set_xlabel("training time (s)")
    ax.set_ylabel("relative L2 error on the grid")
    ax.set_title(f"Burgers' equation, M = {runs[0]['M']:,}, P = {runs[0]['P']:,}: every run")
    ax.legend(frameon=False)
    ax.grid(True, which="major", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110, metadata={"Source": f"burgers.json sha256 {source}"})
    plt.close(fig)


TABLES = ("burgers", "scaling", "gradient", "allocator", "pinn")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument(
        "--collect",
        nargs="+",
        metavar="FILE",
        help="write only the Burgers tables, from the JSON lines of separate "
        "`burgers.py --json` runs on this machine (one schedule or engine at a time)",
    )
    ap.add_argument(
        "--skip-burgers",
        action="store_true",
        help="every table but the Burgers runs' (for those measured apart, with --collect)",
    )
    ap.add_argument(
        "--only",
        nargs="+",
        choices=TABLES,
        help="write only these tables (each from its own run, with its own header)",
    )
    args = ap.parse_args()
    wanted = set(args.only or TABLES) - ({"burgers"} if args.skip_burgers else set())
    q = ["--quick"] if args.quick else []
    RESULTS.mkdir(exist_ok=True)
    m = machine()
    head = header(m, args.quick)

    if args.collect:
        write_burgers(m, head, json_lines("\n".join(Path(f).read_text() for f in args.collect)))
        return
    if "burgers" in wanted:
        write_burgers(m, head, burgers_runs(q))

    if "scaling" in wanted:
        s = json.loads(script("burgers.py", "--scaling", "--json", *q))
        (RESULTS / "scaling.json").write_text(json.dumps({"machine": m} | s, indent=1))
        (RESULTS / "scaling.md").write_text(head + scaling_table(s))

    for name, args_ in (("gradient", q), ("allocator", q), ("pinn", q or ["--seeds", "3"])):
        if name not in wanted:
            continue
        out = script(f"{name}.py", *args_)
        (RESULTS / f"{name}.json").write_text(json.dumps({"machine": m, "output": out}, indent=1))
        (RESULTS / f"{name}.md").write_text(head + as_markdown(out))
    print(f"tables written to {RESULTS}")


if __name__ == "__main__":
    main()
