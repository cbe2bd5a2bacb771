"""The benchmark scripts' own mathematics and outputs (never their times).

Burgers' exact solution is the reference every error on the Benchmarks page is measured
against, so it is checked here against the equation itself, its initial and boundary values
and a quadrature of twice the order. The JSON lines and tables are checked as the page and
``run_all.py --collect`` read them.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def _load(name):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


allocator = _load("allocator")
burgers = _load("burgers")
run_all = _load("run_all")

# A run small enough for a unit test, through the same code as the paper's sizes.
TINY = dict(n_col=60, n_bc=40, adam=10, finish=2, lbfgs=5, deepxde_adam=10)


# --- the exact solution -------------------------------------------------------------------------


def test_exact_solution_starts_at_the_initial_condition_and_vanishes_at_the_walls():
    x = np.linspace(-1, 1, 41)
    assert np.array_equal(burgers.exact(x, 0.0), -np.sin(np.pi * x))
    t = np.linspace(0.01, 1, 25)
    # the numerator's integrand is odd about x = ±1: the quadrature's sum cancels to rounding
    assert np.max(np.abs(burgers.exact(-1.0, t))) < 1e-12
    assert np.max(np.abs(burgers.exact(1.0, t))) < 1e-12


def test_exact_solution_satisfies_burgers_equation():
    # central differences (step h, error ~h²) away from the shock that forms at x = 0
    rng = np.random.default_rng(1)
    x = rng.choice([-1, 1], 40) * rng.uniform(0.3, 0.9, 40)
    t = rng.uniform(0.05, 1.0, 40)
    h = 1e-4
    u = burgers.exact(x, t)
    u_t = (burgers.exact(x, t + h) - burgers.exact(x, t - h)) / (2 * h)
    u_x = (burgers.exact(x + h, t) - burgers.exact(x - h, t)) / (2 * h)
    u_xx = (burgers.exact(x + h, t) - 2 * u + burgers.exact(x - h, t)) / h**2
    r = u_t + u * u_x - burgers.NU * u_xx
    scale = np.abs(u_t) + np.abs(u * u_x) + burgers.NU * np.abs(u_xx)
    assert np.max(np.abs(r) / scale) < 1e-5
    # the check can fail: a wrong viscosity leaves a residual of the size of ν u_xx
    wrong = u_t + u * u_x - 2 * burgers.NU * u_xx
    assert np.max(np.abs(wrong) / scale) > 1e-3


def test_the_quadrature_error_lies_well_below_the_target():
    assert burgers.quadrature_error() < burgers.TARGET / 100


def test_the_problem_is_seeded_and_its_points_lie_where_the_paper_puts_them():
    Xc, conditions = burgers.problem(3, n_col=500, n_bc=100)
    Xc2, conditions2 = burgers.problem(3, n_col=500, n_bc=100)
    assert np.array_equal(Xc, Xc2) and np.array_equal(conditions[0][0], conditions2[0][0])
    assert Xc.shape == (500, 2)
    assert np.all((Xc[:, 0] >= -1) & (Xc[:, 0] <= 1) & (Xc[:, 1] >= 0) & (Xc[:, 1] <= 1))
    (X0, k0, u0), (Xb, kb, ub) = conditions
    assert len(X0) + len(Xb) == 100 and k0 == kb == 0
    assert np.all(X0[:, 1] == 0) and np.allclose(u0, -np.sin(np.pi * X0[:, 0]))
    assert set(np.unique(Xb[:, 0])) == {-1.0, 1.0} and ub == 0.0


# --- the runs' records --------------------------------------------------------------------------


def test_a_run_reports_the_keys_the_page_reads():
    r = burgers.run("adam+lm", 0, TINY, every=5)
    for key in ("engine", "schedule", "seed", "seconds_to_target", "final_error", "seconds"):
        assert key in r
    assert (r["engine"], r["schedule"], r["seed"]) == ("lecturekit", "adam+lm", 0)
    assert r["iterations"]["adam"] == TINY["adam"]
    assert (r["M"], r["P"]) == (TINY["n_col"] + TINY["n_bc"], 3021)
    assert 0 < r["final_error"] < np.inf and r["seconds"] > 0
    # the last error measured is the final one (the weights the run ended with)
    assert r["curve"][-1][3] == pytest.approx(r["final_error"], rel=1e-12)


def test_json_mode_prints_one_object_per_run_and_nothing_else(monkeypatch, capsys):
    monkeypatch.setattr(burgers, "sizes_for", lambda quick: TINY)
    monkeypatch.setattr(
        sys, "argv",
        ["burgers.py", "--json", "--seeds", "2", "--engine", "lecturekit", "--schedules", "adam"],
    )  # fmt: skip
    burgers.main()
    lines = capsys.readouterr().out.splitlines()
    runs = [json.loads(line) for line in lines]
    assert [(r["schedule"], r["seed"]) for r in runs] == [("adam", 0), ("adam", 1)]
    assert run_all.json_lines("DeepXDE says hello\n" + "\n".join(lines)) == runs


def test_a_missing_deepxde_is_skipped_with_a_message(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "deepxde", None)  # import deepxde raises ImportError
    monkeypatch.setenv("DDE_BACKEND", "pytorch")  # restored after the test (main sets it)
    monkeypatch.setattr(burgers, "sizes_for", lambda quick: TINY)
    monkeypatch.setattr(sys, "argv", ["burgers.py", "--engine", "deepxde", "--seeds", "1"])
    burgers.main()
    out = capsys.readouterr().out
    assert "DeepXDE is not installed: skipped" in out
    assert not any(line.startswith("deepxde") for line in out.splitlines())  # no run made


# --- the scaling fit and the tables --------------------------------------------------------------


def test_fit_exponents_recovers_an_exact_power_law():
    rows = [
        {"M": M, "P": P} | {k: 1e-9 * M**a * P**b for k, (a, b) in burgers.PREDICTED.items()}
        for M in (2600, 5100, 10_100)
        for P in (231, 811, 3021)
    ]
    fitted = burgers.fit_exponents(rows)
    for k, (a, b) in burgers.PREDICTED.items():
        assert fitted[k]["M"] == pytest.approx(a, abs=1e-9)
        assert fitted[k]["P"] == pytest.approx(b, abs=1e-9)


def test_scaling_measures_every_part_at_every_size():
    rows = burgers.scaling([150, 200], [3, 4], repeat=1)
    # [2, w×8, 1]: (2 + 1)·w + 7·(w + 1)·w + (w + 1) weights
    P = {w: 3 * w + 7 * (w + 1) * w + w + 1 for w in (3, 4)}
    assert [(r["M"], r["P"]) for r in rows] == [(M, P[w]) for M in (150, 200) for w in (3, 4)]
    assert all(r[k] > 0 for r in rows for k in ("J", "JtJ", "solve", "grad"))


def test_tables_show_the_mode_and_every_run():
    machine = run_all.machine()
    assert run_all.header(machine, quick=True).rstrip().endswith("quick mode (fewer points "
                                                                 "and steps).")  # fmt: skip
    assert run_all.header(machine, quick=False).rstrip().endswith("full run.")
    run = {
        "engine": "lecturekit", "schedule": "adam+lm", "seed": 2, "seconds_to_target": None,
        "final_error": 1.5e-3, "seconds": 900.2, "per_iteration": {"adam": 0.1, "lm": 2.0},
        "peak_mb": 1234.0, "M": 10100, "P": 3021, "quadrature_error": 1e-9, "reason": "budget",
        "curve": [(1.0, "adam", 25, 0.3), (2.0, "adam", 50, 0.2), (3.0, "lm", 1, 0.01)],
    }  # fmt: skip
    table = run_all.burgers_table([run])
    assert "| lecturekit | adam+lm | 2 | not reached | 2.00e-01 | 1.50e-03 | 900.2 |" in table
    assert "adam 100 ms, lm 2000 ms" in table and "DeepXDE was not run" in table


def test_as_markdown_keeps_tables_as_tables_and_the_rest_as_text():
    out = "numpy 2\n| a | b |\n|---|---|\n| 1 | 2 |\nratio 0.5\n"
    md = run_all.as_markdown(out)
    table = "| a | b |\n|---|---|\n| 1 | 2 |\n"
    assert md == "```text\nnumpy 2\n```\n\n" + table + "\n```text\nratio 0.5\n```\n"


def test_the_allocator_benchmark_times_each_computation_in_a_fresh_process():
    names = list(allocator.computations(quick=True))
    assert names[0].startswith("the temporary") and names[-1].startswith("Burgers")
    assert sum("(m, n, p)" in n for n in names) == 4  # two sizes, lecturekit and PyTorch
    for keep in (False, True):
        seconds = allocator.run_child(names[0], keep, quick=True)
        assert isinstance(seconds, float) and 0 < seconds < np.inf  # a duration, never bounded


# --- the Benchmarks page's words against the results it shows ------------------------------------

RESULTS = BENCHMARKS / "results"
PAGE = (BENCHMARKS.parent / "book" / "benchmarks.md").read_text(encoding="utf-8")


QUICK = (
    "the page describes the full runs of `make bench`, but benchmarks/results/ holds other "
    "runs (`make bench-quick` writes its own): run `make bench`, or restore the results with "
    "`git checkout benchmarks/results`"
)


def test_the_pages_claims_about_the_burgers_runs_hold_for_its_results():
    runs = json.loads((RESULTS / "burgers.json").read_text())["runs"]
    assert all(r["M"] == 10_100 and r["P"] == 3021 for r in runs), QUICK
    lbfgs = [r for r in runs if (r["engine"], r["schedule"]) == ("lecturekit", "adam+lbfgs")]
    # "lecturekit's Adam + L-BFGS-B, which does not reach the target in that time, after 300 s"
    assert "which does not reach the target in that time" in PAGE
    assert lbfgs and all(r["seconds_to_target"] is None for r in lbfgs), QUICK
    # "Every schedule starts with the same 1000 Adam steps, DeepXDE's too"
    assert "Every schedule starts with the same 1000 Adam steps, DeepXDE's too" in PAGE
    assert all(r["iterations"]["adam"] == 1000 for r in runs), QUICK
    # "three seeds"
    assert {r["seed"] for r in runs} == {0, 1, 2}, QUICK


def test_the_pages_claim_about_the_step_and_the_gradient_holds_for_its_scaling_table():
    # "the price of the second-order step grows with the weights where a gradient's does not":
    # JᵀJ's fitted exponent of P at least one above the gradient's
    assert "grows with the weights where a gradient's does not" in PAGE
    exponents = json.loads((RESULTS / "scaling.json").read_text())["exponents"]
    assert exponents["JtJ"]["P"] >= exponents["grad"]["P"] + 1, QUICK


def test_run_all_only_writes_the_tables_asked_for(tmp_path, monkeypatch):
    ran = []

    def fake_script(name, *args):
        ran.append((name, args))
        return "| a |\n|---|\n| 1 |\n"

    monkeypatch.setattr(run_all, "RESULTS", tmp_path)
    monkeypatch.setattr(run_all, "script", fake_script)
    monkeypatch.setattr(sys, "argv", ["run_all.py", "--only", "gradient", "allocator"])
    run_all.main()
    assert ran == [("gradient.py", ()), ("allocator.py", ())]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "allocator.json", "allocator.md", "gradient.json", "gradient.md",
    ]  # fmt: skip
    assert (tmp_path / "gradient.md").read_text().endswith("full run.\n\n| a |\n|---|\n| 1 |\n")


def test_the_burgers_figure_is_drawn_from_the_results_file_beside_it():
    from PIL import Image

    text = (RESULTS / "burgers.json").read_text()
    with Image.open(RESULTS / "burgers.png") as png:
        source = png.info.get("Source", "")
    assert source == f"burgers.json sha256 {run_all.digest(text)}", (
        "benchmarks/results/burgers.png was drawn from other results than burgers.json: "
        "run make bench (or run_all.py --collect) to write both"
    )


def test_the_burgers_figure_draws_one_line_per_run_and_the_target(tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    schedules = [("lecturekit", "adam+lm"), ("lecturekit", "adam+lm"), ("deepxde", "adam+lbfgs")]
    runs = [
        {"engine": e, "schedule": s, "M": 500, "P": 3021, "target": 6.7e-4,
         "curve": [(1.0, "adam", 25, 0.5), (2.0, "lm", 1, 1e-3)]}
        for e, s in schedules
    ]  # fmt: skip
    drawn = {}
    monkeypatch.setattr(plt, "close", lambda fig: drawn.setdefault("fig", fig))
    run_all.burgers_figure(runs, tmp_path / "f.png", source="abc")
    ax = drawn["fig"].axes[0]
    assert len(ax.lines) == len(runs) + 1  # the runs and the target
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "lecturekit's Adam + LM", "DeepXDE's Adam + L-BFGS", "the paper's error",
    ]  # fmt: skip
    assert ax.get_yscale() == "log"
    monkeypatch.undo()
    plt.close(drawn["fig"])


# Run in a child process: gradient.py imports PyTorch and JAX (their threads and allocations
# stay out of this test process, as allocator.py keeps them out of its timings).
SAME_PROBLEMS = """
import numpy as np, allocator, gradient
assert allocator.SIZES == gradient.SIZES, (allocator.SIZES, gradient.SIZES)
got, want = allocator.gradient_problem(50, 3, 7), gradient.problem(50, 3, 7)
for a, b in zip(got, want, strict=True):
    np.testing.assert_array_equal(a, b)
print("same")
"""


def test_the_allocator_benchmark_times_the_gradient_benchmarks_problems():
    env = os.environ | {"PYTHONPATH": os.pathsep.join([str(BENCHMARKS), str(BENCHMARKS.parent)])}
    done = subprocess.run(
        [sys.executable, "-c", SAME_PROBLEMS], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0 and done.stdout.split() == ["same"], done.stderr[-2000:]
