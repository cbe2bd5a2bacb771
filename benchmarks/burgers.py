"""Benchmark: Raissi, Perdikaris & Karniadakis (2019)'s Burgers problem with lecturekit.pinn.

``u_t + u u_x − (0.01/π) u_xx = 0`` on x ∈ [−1, 1], t ∈ [0, 1], ``u(0, x) = −sin(πx)``,
``u(t, ±1) = 0``; a [2, 20×8, 1] tanh network (3,021 weights), 100 initial and boundary points,
10,000 collocation points (seeded uniform draws). The paper reports a relative L2 error of
6.7e-4 with L-BFGS. The exact solution is the Cole–Hopf transform of the heat equation's,
its integral taken by Gauss–Hermite quadrature as in the paper's data generation, and checked
against a quadrature of twice the order.

Schedules: Adam alone, Adam then L-BFGS-B, Adam then Levenberg–Marquardt (lecturekit's finish),
for each seed. Measured in one run: the relative L2 error on a 256×100 grid against wall time
(time spent measuring the error is excluded), the seconds to first reach 6.7e-4, the time per
iteration of each phase, the peak memory traced by ``tracemalloc`` and the final error.

Run:  .venv/bin/python benchmarks/burgers.py               (three seeds, the paper's sizes)
      .venv/bin/python benchmarks/burgers.py --quick       (fewer points and steps, same code)
      .venv/bin/python benchmarks/burgers.py --json        (one JSON object per run)
      .venv/bin/python benchmarks/burgers.py --scaling     (one LM step and one gradient over M × P)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
import tracemalloc

import numpy as np
from scipy.special import roots_hermite

from lecturekit.pinn import PINN, relative_l2

NU = 0.01 / np.pi
TARGET = 6.7e-4  # the paper's relative L2 error


def exact(x, t, n=200):
    """Burgers' exact solution by the Cole–Hopf transform, with n-point Gauss–Hermite quadrature.

    ``u(x, t) = −∫ sin(π(x − η)) f(x − η) e^{−η²/4νt} dη / ∫ f(x − η) e^{−η²/4νt} dη``,
    ``f(y) = exp(−cos(πy)/(2πν))``; with ``η = √(4νt) z`` both integrals are ``∫ g(z) e^{−z²} dz``.
    At t = 0 it is the initial condition −sin(πx).
    """
    x, t = np.broadcast_arrays(np.asarray(x, float), np.asarray(t, float))
    z, w = roots_hermite(n)
    u = -np.sin(np.pi * x)
    pos = t > 0
    y = x[pos, None] - np.sqrt(4 * NU * t[pos, None]) * z  # points × nodes
    # exp(−cos/(2πν)) reaches e^50: shift the exponent by its maximum (cancels in the ratio)
    e = -np.cos(np.pi * y) / (2 * np.pi * NU)
    f = w * np.exp(e - e.max(axis=1, keepdims=True))
    u[pos] = -np.sum(np.sin(np.pi * y) * f, axis=1) / np.sum(f, axis=1)
    return u


def grid():
    """The 256 × 100 evaluation grid (as in the paper's data) and the exact u on it."""
    x, t = np.meshgrid(np.linspace(-1, 1, 256), np.linspace(0, 1, 100))
    X = np.column_stack([x.ravel(), t.ravel()])
    return X, exact(X[:, 0], X[:, 1])


def quadrature_error():
    """Largest |u_n − u_2n| on the grid, relative to max |u|: the exact solution's own error."""
    X, u = grid()
    return float(np.max(np.abs(u - exact(X[:, 0], X[:, 1], n=400))) / np.max(np.abs(u)))


def layers(width=20):
    """The paper's network ``[2, width×8, 1]`` (width 20: 3,021 weights); other widths scale it."""
    return [2] + [width] * 8 + [1]


def residual(X, u, du, d2u, p):
    """Burgers' residual ``u_t + u u_x − ν u_xx`` on points X = [x, t] (column 0 x, 1 t)."""
    return du[:, 1] + u * du[:, 0] - NU * d2u[:, 0]


def problem(seed, n_col=10_000, n_bc=100):
    """Collocation points and the initial/boundary conditions, drawn with ``seed``.

    The n_bc points are split between t = 0 (u = −sin πx) and x = ±1 (u = 0), as in the paper.
    """
    rng = np.random.default_rng(seed)
    Xc = np.column_stack([rng.uniform(-1, 1, n_col), rng.uniform(0, 1, n_col)])
    n0 = n_bc // 2
    x0 = rng.uniform(-1, 1, n0)
    tb = rng.uniform(0, 1, n_bc - n0)
    xb = np.where(np.arange(n_bc - n0) % 2 == 0, -1.0, 1.0)
    conditions = [
        (np.column_stack([x0, np.zeros(n0)]), 0, -np.sin(np.pi * x0)),
        (np.column_stack([xb, tb]), 0, 0.0),
    ]
    return Xc, conditions


SCHEDULES = {"adam": None, "adam+lbfgs": "lbfgs", "adam+lm": "lm"}


class _Stop(Exception):
    """Raised by the callback to end a run: the target reached, or the time budget spent."""


def run(schedule, seed, sizes, every, budget=float("inf"), to_target=False):
    """Train one schedule; the error against time, time per iteration of each phase, memory.

    The run ends at its last iteration, after ``budget`` seconds of training, or (with
    ``to_target``) at the first error measurement at or below the target.
    """
    Xg, ug = grid()
    Xc, conditions = problem(seed, sizes["n_col"], sizes["n_bc"])
    net = PINN(layers(), seed=seed)
    curve, phases = [], {}
    clock = {"paused": 0.0, "start": None, "last": None}

    def callback(step, phase):
        now = time.perf_counter()
        ph = phases.setdefault(phase, [0, 0.0])
        ph[0] += 1
        ph[1] += now - clock["last"]
        clock["now"] = now
        elapsed = now - clock["start"] - clock["paused"]
        if phase != "adam" or step % every == 0:
            err = relative_l2(net.predict(Xg), ug)
            curve.append((elapsed, phase, step, err))
            if to_target and err <= TARGET:
                raise _Stop("target reached")
        if elapsed > budget:
            raise _Stop(f"time budget of {budget:g} s spent")
        clock["paused"] += time.perf_counter() - now
        clock["last"] = time.perf_counter()

    finish = SCHEDULES[schedule]
    steps = sizes["adam"] if finish else sizes["adam"] + sizes["finish"]
    tracemalloc.start()
    clock["start"] = clock["last"] = time.perf_counter()
    import warnings

    stopped = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # "did not converge" is reported below
        try:
            net.fit(
                residual,
                Xc,
                conditions,
                adam_steps=steps,
                finish=finish,
                finish_steps=sizes["lbfgs" if finish == "lbfgs" else "finish"],
                progress=False,
                callback=callback,
            )
        except _Stop as why:  # the callback set the network's weights to the last step's
            stopped = str(why)
            clock["paused"] += time.perf_counter() - clock["now"]  # the last measurement
    seconds = time.perf_counter() - clock["start"] - clock["paused"]
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    final = relative_l2(net.predict(Xg), ug)
    reached = [s for s, _, _, e in curve if e <= TARGET]
    return {
        "engine": "lecturekit",
        "schedule": schedule,
        "seed": seed,
        "seconds_to_target": reached[0] if reached else None,
        "final_error": float(final),
        "seconds": seconds,
        "per_iteration": {k: v[1] / max(v[0], 1) for k, v in phases.items()},
        "iterations": {k: v[0] for k, v in phases.items()},
        "peak_mb": peak / 2**20,
        "M": len(Xc) + sizes["n_bc"],
        "P": net.theta.size,
        "converged": False if stopped else bool(net.fit_info.get("converged")),
        "reason": stopped or str(net.fit_info.get("reason")),
        "curve": [(round(s, 3), ph, st, float(e)) for s, ph, st, e in curve],
    }


def run_deepxde(seed, sizes, every, budget=float("inf"), to_target=False):
    """DeepXDE's Burgers example (PyTorch backend, float64) at the same sizes: Adam, then L-BFGS.

    Its documented schedule: Adam (lr 10⁻³), then L-BFGS. The error on the grid is measured
    every ``every`` Adam iterations and after every 100 L-BFGS iterations (DeepXDE's callbacks
    run between its L-BFGS calls), with the time spent measuring excluded; the run ends as
    :func:`run`'s does.
    """
    import deepxde as dde

    dde.config.set_default_float("float64")
    dde.config.set_random_seed(seed)
    Xg, ug = grid()

    def pde(x, y):
        dy_x = dde.grad.jacobian(y, x, i=0, j=0)
        dy_t = dde.grad.jacobian(y, x, i=0, j=1)
        dy_xx = dde.grad.hessian(y, x, i=0, j=0)
        return dy_t + y * dy_x - NU * dy_xx

    geom = dde.geometry.GeometryXTime(dde.geometry.Interval(-1, 1), dde.geometry.TimeDomain(0, 1))
    bc = dde.icbc.DirichletBC(geom, lambda x: 0, lambda _, on_boundary: on_boundary)
    ic = dde.icbc.IC(geom, lambda x: -np.sin(np.pi * x[:, 0:1]), lambda _, on_initial: on_initial)
    n0 = sizes["n_bc"] // 2
    data = dde.data.TimePDE(
        geom, pde, [bc, ic], num_domain=sizes["n_col"], num_boundary=sizes["n_bc"] - n0,
        num_initial=n0,
    )  # fmt: skip
    net = dde.nn.FNN(layers(), "tanh", "Glorot normal")
    model = dde.Model(data, net)
    curve, clock = [], {"paused": 0.0, "iterations": {"adam": 0, "lbfgs": 0}}

    class Measure(dde.callbacks.Callback):
        def __init__(self, phase, period):
            super().__init__()
            self.phase, self.period, self.count = phase, period, 0

        def on_epoch_end(self):
            now = time.perf_counter()
            self.count += 1
            done = self.model.train_state.iteration
            its = clock["iterations"]
            its[self.phase] = done if self.phase == "adam" else done - its["adam"]
            elapsed = now - clock["start"] - clock["paused"]
            if self.count % self.period == 0:
                err = relative_l2(self.model.predict(Xg)[:, 0], ug)
                curve.append((elapsed, self.phase, self.count, err))
                if to_target and err <= TARGET:
                    self.model.stop_training = True
            if elapsed > budget:
                self.model.stop_training = True
            clock["paused"] += time.perf_counter() - now

    clock["start"] = time.perf_counter()
    model.compile("adam", lr=1e-3)
    model.train(
        iterations=sizes["deepxde_adam"], display_every=10**9, verbose=0,
        callbacks=[Measure("adam", every)],
    )  # fmt: skip
    adam_seconds = time.perf_counter() - clock["start"] - clock["paused"]
    if not model.stop_training:
        dde.optimizers.config.set_LBFGS_options(maxiter=sizes["lbfgs"])
        dde.optimizers.config.LBFGS_options["iter_per_step"] = 100
        dde.optimizers.config.LBFGS_options["fun_per_step"] = 125
        model.compile("L-BFGS")
        model.train(display_every=10**9, verbose=0, callbacks=[Measure("lbfgs", 1)])
    seconds = time.perf_counter() - clock["start"] - clock["paused"]
    final = relative_l2(model.predict(Xg)[:, 0], ug)
    reached = [s for s, _, _, e in curve if e <= TARGET]
    its = clock["iterations"]
    per = {"adam": adam_seconds / max(its["adam"], 1)}
    if its["lbfgs"]:
        per["lbfgs"] = (seconds - adam_seconds) / its["lbfgs"]
    return {
        "engine": "deepxde",
        "schedule": "adam+lbfgs",
        "seed": seed,
        "seconds_to_target": reached[0] if reached else None,
        "final_error": float(final),
        "seconds": seconds,
        "per_iteration": per,
        "iterations": its,
        "peak_mb": float("nan"),
        "M": sizes["n_col"] + sizes["n_bc"],
        "P": sum(p.numel() for p in net.parameters()),
        "converged": False,
        "reason": "target reached" if reached and to_target else "time budget or L-BFGS iterations",
        "curve": [(round(s, 3), ph, c, float(e)) for s, ph, c, e in curve],
    }


def sizes_for(quick):
    """Points and iteration caps: Adam's 1000 steps before either finish (DeepXDE's too), then
    at most 400 LM or 50,000 L-BFGS iterations; a run also ends at its time budget."""
    if quick:
        return dict(n_col=400, n_bc=100, adam=100, finish=5, lbfgs=40, deepxde_adam=100)
    return dict(n_col=10_000, n_bc=100, adam=1000, finish=400, lbfgs=50_000, deepxde_adam=1000)


def scaling(Ms, widths, repeat=3):
    """Seconds of one LM step's parts (J, JᵀJ, the Cholesky solve) and of one gradient, over M × P.

    The solve is the finish's own, :func:`lecturekit.formulas.least_squares.step_normal` with
    ``JᵀJ`` given: the Cholesky factor of ``JᵀJ + μI`` and two substitutions.
    """
    from lecturekit.pinn.finish import single_threaded_blas

    rows = []
    with single_threaded_blas():  # as the fits run: two threads contend on a shared machine
        rows = _scaling(Ms, widths, repeat)
    return rows


def _scaling(Ms, widths, repeat):
    from lecturekit.formulas.least_squares import step_normal

    rows = []
    for M in Ms:
        for width in widths:
            net = PINN(layers(width), seed=0)
            Xc, conditions = problem(0, M - 100, 100)
            loss = net.loss(residual, Xc, conditions)
            th = loss.theta0.copy()
            t = {"J": [], "JtJ": [], "solve": [], "grad": []}
            for _ in range(repeat):
                t0 = time.perf_counter()
                rho, J = loss.residuals(th)
                t1 = time.perf_counter()
                JtJ = J.T @ J
                t2 = time.perf_counter()
                mu = 1e-3 * np.diag(JtJ).max()
                step_normal(J, rho, th, 0.0, np.full(th.size, mu), JtJ=JtJ)
                t3 = time.perf_counter()
                loss.evaluate(th, grad=True)
                t4 = time.perf_counter()
                for k, v in zip(t, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
                    t[k].append(v)
            rows.append({"M": M, "P": th.size} | {k: min(v) for k, v in t.items()})
    return rows


def fit_exponents(rows):
    """Least-squares exponents a, b of seconds ≈ c·M^a·P^b for each part."""
    logM = np.log([r["M"] for r in rows])
    logP = np.log([r["P"] for r in rows])
    A = np.column_stack([np.ones_like(logM), logM, logP])
    out = {}
    for k in ("J", "JtJ", "solve", "grad"):
        coef = np.linalg.lstsq(A, np.log([r[k] for r in rows]), rcond=None)[0]
        out[k] = {"M": float(coef[1]), "P": float(coef[2])}
    return out


PREDICTED = {"J": (1, 1), "JtJ": (1, 2), "solve": (0, 3), "grad": (1, 1)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer points and steps (smoke test)")
    ap.add_argument("--json", action="store_true", help="one JSON object per run")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--engine", choices=["lecturekit", "deepxde"], default=None)
    ap.add_argument("--schedules", default=",".join(SCHEDULES))
    ap.add_argument("--every", type=int, default=25, help="Adam steps between error checks")
    ap.add_argument("--scaling", action="store_true", help="one LM step and gradient over M × P")
    ap.add_argument("--budget", type=float, default=float("inf"), help="seconds per run at most")
    ap.add_argument("--to-target", action="store_true", help=f"end a run once at {TARGET:g}")
    args = ap.parse_args()

    if args.scaling:
        Ms = [600, 1100, 2100] if args.quick else [2600, 5100, 10_100]
        widths = [5, 10, 20] if args.quick else [10, 20, 30]
        rows = scaling(Ms, widths)
        exps = fit_exponents(rows)
        if args.json:
            print(json.dumps({"scaling": rows, "exponents": exps, "predicted": PREDICTED}))
            return
        print("| M | P | J (s) | JᵀJ (s) | Cholesky (s) | gradient (s) |")
        print("|---|---|---|---|---|---|")
        for r in rows:
            print(
                f"| {r['M']} | {r['P']} | {r['J']:.3g} | {r['JtJ']:.3g} | {r['solve']:.3g} "
                f"| {r['grad']:.3g} |"
            )
        for k, e in exps.items():
            print(
                f"{k}: seconds ∝ M^{e['M']:.2f} P^{e['P']:.2f}  (flops: M^{PREDICTED[k][0]} "
                f"P^{PREDICTED[k][1]})"
            )
        return

    # DeepXDE's L-BFGS runs to its own budget: too long for --quick unless asked for by name
    default = ["lecturekit"] if args.quick else ["lecturekit", "deepxde"]
    engines = default if args.engine is None else [args.engine]
    if args.quick and args.engine is None and not args.json:
        print("--quick: DeepXDE is run only with --engine deepxde")
    if "deepxde" in engines:
        os.environ.setdefault("DDE_BACKEND", "pytorch")
        try:
            import deepxde  # noqa: F401
        except ImportError:
            engines.remove("deepxde")
            if not args.json:
                print("DeepXDE is not installed: skipped (pip install -r requirements-bench.txt)")

    err = quadrature_error()
    if not args.json:
        print(f"exact solution: Gauss–Hermite 200 vs 400 nodes differ by {err:.1e} (max, relative)")
    sizes = sizes_for(args.quick)
    jobs = [("lecturekit", s) for s in args.schedules.split(",") if "lecturekit" in engines]
    jobs += [("deepxde", "adam+lbfgs")] if "deepxde" in engines else []
    for seed in range(args.seeds):
        for engine, schedule in jobs:
            if engine == "deepxde":
                with contextlib.redirect_stdout(sys.stderr):  # DeepXDE's own messages
                    r = run_deepxde(seed, sizes, args.every, args.budget, args.to_target)
            else:
                r = run(schedule, seed, sizes, args.every, args.budget, args.to_target)
            if args.json:
                r["quadrature_error"], r["target"] = err, TARGET
                print(json.dumps(r), flush=True)
            else:
                per = ", ".join(f"{k} {v * 1e3:.1f} ms/it" for k, v in r["per_iteration"].items())
                tt = r["seconds_to_target"]
                tt = "not reached" if tt is None else f"{tt:.1f} s"
                print(
                    f"{engine:10s} {schedule:11s} seed {seed}: to {TARGET:g} "
                    f"{tt}, final {r['final_error']:.2e}, "
                    f"{r['seconds']:.1f} s, {per}, peak {r['peak_mb']:.0f} MB",
                    flush=True,
                )


if __name__ == "__main__":
    main()
