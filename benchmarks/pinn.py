"""Benchmark: lecturekit.pinn against PyTorch autograd (double backward) and DeepXDE, float64.

Both engines get the same network (the same initial weights, copied from ``PINN(seed)``), the
same collocation points and the same loss. Schedules: lecturekit's Adam then
Levenberg–Marquardt (the default) and Adam then L-BFGS-B; PyTorch's Adam then L-BFGS. Measured
in one run: wall time until the relative L2 error on a fine grid first reaches each of two
targets (time spent measuring the error is excluded, in every engine), the final error and the
total time. DeepXDE (optional, its PyTorch backend) solves the Poisson problem with its own
network of the same shape and its documented schedule, Adam then L-BFGS, on the same 64
points. With ``--seeds N`` every run is repeated for seeds 0 … N − 1. The inverse problem (μ
from 40 noisy observations, ``pinn.fit_damping``) is run in lecturekit and reported with its
standard error, its iterations and the BLAS kernel.

Run:  .venv/bin/python benchmarks/pinn.py            (all problems; torch part if installed)
      .venv/bin/python benchmarks/pinn.py --quick    (shorter schedules, for a smoke test)
      .venv/bin/python benchmarks/pinn.py --seeds 3  (three seeds; DeepXDE if installed)
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time

import numpy as np

from lecturekit.classical import damped_oscillator, fit_oscillator, noisy_oscillator
from lecturekit.pinn import PINN, fit_damping, relative_l2

MU, K = 4.0, 400.0
THREADS = 2  # PyTorch intra-op threads (the setting); --torch-threads changes it


def problems(quick=False):
    """Problem definitions shared by both engines."""
    s = 0.2 if quick else 1.0
    return {
        "Poisson": dict(
            layers=[1, 32, 1],
            x=np.linspace(0.0, 1.0, 64),
            kind="poisson",
            conditions=[(0.0, 0, 0.0), (1.0, 0, 0.0)],
            weights={"pde": 1.0, "bc": 1.0},
            lr=1e-3,
            adam=int(3000 * s),
            finish=int(3000 * s),
            targets=(1e-4, 1e-6),
            exact=lambda x: np.sin(np.pi * x),
            deepxde_lbfgs=int(3000 * s) if quick else None,  # None: DeepXDE's default maxiter
        ),
        "oscillator": dict(
            layers=[1, 32, 32, 32, 1],
            x=np.linspace(0.0, 1.0, 60),
            kind="oscillator",
            conditions=[(0.0, 0, 1.0), (0.0, 1, 0.0)],
            weights={"pde": 1e-4, "bc": 1.0},
            lr=3e-3,
            adam=int(5000 * s),
            finish=int(3000 * s),
            targets=(2e-3, 1e-4),
            exact=lambda x: damped_oscillator(x, MU, K),
        ),
    }


def residual_numpy(kind):
    if kind == "poisson":
        return lambda x, u, ux, uxx, p: uxx + np.pi**2 * np.sin(np.pi * x)
    return lambda x, u, ux, uxx, p: uxx + MU * ux + K * u


class Tracker:
    """Wall clock that pauses while the error is measured; records time to each target."""

    def __init__(self, targets, error):
        self.targets, self.error = targets, error
        self.start = time.perf_counter()
        self.paused = 0.0
        self.hits = [None] * len(targets)

    def check(self):
        t0 = time.perf_counter()
        if any(h is None for h in self.hits):
            e = self.error()
            for i, target in enumerate(self.targets):
                if self.hits[i] is None and e <= target:
                    self.hits[i] = (t0 - self.start - self.paused, e)
        self.paused += time.perf_counter() - t0

    def elapsed(self):
        return time.perf_counter() - self.start - self.paused


def run_lecturekit(cfg, seed, every, finish):
    net = PINN(cfg["layers"], seed=seed)
    xt = np.linspace(0.0, 1.0, 1001)
    ue = cfg["exact"](xt)
    tr = Tracker(cfg["targets"], lambda: relative_l2(net.predict(xt), ue))

    def cb(step, phase):
        if phase != "adam" or step % every == 0:
            tr.check()

    tr.start = time.perf_counter()
    net.fit(
        residual_numpy(cfg["kind"]),
        cfg["x"],
        conditions=cfg["conditions"],
        weights=cfg["weights"],
        adam_steps=cfg["adam"],
        finish=finish,
        finish_steps=cfg["finish"],
        ftol=1e-14,  # run on towards rounding level, so that both targets can be timed
        lr=cfg["lr"],
        progress=False,
        callback=cb,
    )
    total = tr.elapsed()
    return tr.hits, relative_l2(net.predict(xt), ue), total


def run_torch(cfg, seed, every):
    import torch

    torch.set_num_threads(THREADS)
    torch.set_default_dtype(torch.float64)
    start_net = PINN(cfg["layers"], seed=seed)
    layers = []
    for W in start_net.Wbar:
        lin = torch.nn.Linear(W.shape[0] - 1, W.shape[1])
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(W[1:].T.copy()))
            lin.bias.copy_(torch.from_numpy(W[0].copy()))
        layers.append(lin)
    mods = []
    for lin in layers[:-1]:
        mods += [lin, torch.nn.Tanh()]
    net = torch.nn.Sequential(*mods, layers[-1])
    x = torch.tensor(cfg["x"][:, None], requires_grad=True)
    pi = float(np.pi)
    xt = torch.linspace(0.0, 1.0, 1001)[:, None]
    ue = torch.from_numpy(cfg["exact"](np.linspace(0.0, 1.0, 1001)))
    conds = [
        (torch.tensor([[float(x0)]], requires_grad=True), k, float(v))
        for x0, k, v in cfg["conditions"]
    ]
    wp, wb = cfg["weights"]["pde"], cfg["weights"]["bc"]

    def loss_fn():
        u = net(x)
        (ux,) = torch.autograd.grad(u, x, torch.ones_like(u), create_graph=True)
        (uxx,) = torch.autograd.grad(ux, x, torch.ones_like(ux), create_graph=True)
        if cfg["kind"] == "poisson":
            r = uxx + pi**2 * torch.sin(pi * x)
        else:
            r = uxx + MU * ux + K * u
        loss = wp * torch.mean(r**2)
        for x0, k, v in conds:
            u0 = net(x0)
            if k == 1:
                (u0,) = torch.autograd.grad(u0, x0, torch.ones_like(u0), create_graph=True)
            loss = loss + wb * torch.mean((u0 - v) ** 2)
        return loss

    def error():
        with torch.no_grad():
            return float(torch.linalg.norm(net(xt)[:, 0] - ue) / torch.linalg.norm(ue))

    tr = Tracker(cfg["targets"], error)
    adam = torch.optim.Adam(net.parameters(), lr=cfg["lr"])
    for step in range(1, cfg["adam"] + 1):
        adam.zero_grad()
        loss = loss_fn()
        loss.backward()
        adam.step()
        if step % every == 0:
            tr.check()
    lbfgs = torch.optim.LBFGS(
        net.parameters(),
        lr=1.0,
        max_iter=cfg["finish"],
        max_eval=int(1.25 * cfg["finish"]) + 1,
        history_size=50,
        tolerance_grad=0.0,
        tolerance_change=0.0,
        line_search_fn="strong_wolfe",
    )

    def closure():
        lbfgs.zero_grad()
        loss = loss_fn()
        loss.backward()
        # Checked at every evaluation (finer than lecturekit's per-iteration check).
        tr.check()
        return loss

    if cfg["finish"]:
        lbfgs.step(closure)
    total = tr.elapsed()
    return tr.hits, error(), total


def run_deepxde(cfg, seed, every):
    """DeepXDE (PyTorch backend, float64) on the Poisson problem: Adam, then its L-BFGS.

    Its own [1, 32, 1] tanh network (Glorot initialisation, seeded), the same 64 equispaced
    points (62 inside, the two ends), lr as lecturekit's, ``cfg["adam"]`` Adam steps, then
    L-BFGS with DeepXDE's default options (``--quick``: at most ``cfg["deepxde_lbfgs"]``
    iterations). The error is measured every ``every`` Adam steps and
    after every 100 L-BFGS iterations (where DeepXDE calls its callbacks), the time spent
    measuring it excluded.
    """
    import deepxde as dde

    dde.config.set_default_float("float64")
    dde.config.set_random_seed(seed)
    xt = np.linspace(0.0, 1.0, 1001)[:, None]
    ue = cfg["exact"](xt[:, 0])

    def pde(x, u):
        return dde.grad.hessian(u, x) + np.pi**2 * dde.backend.sin(np.pi * x)

    geom = dde.geometry.Interval(0.0, 1.0)
    bc = dde.icbc.DirichletBC(geom, lambda x: 0.0, lambda _, on_boundary: on_boundary)
    data = dde.data.PDE(
        geom, pde, [bc], num_domain=cfg["x"].size - 2, num_boundary=2, train_distribution="uniform"
    )
    model = dde.Model(data, dde.nn.FNN(cfg["layers"], "tanh", "Glorot normal"))
    tr = Tracker(cfg["targets"], lambda: relative_l2(model.predict(xt)[:, 0], ue))

    class Measure(dde.callbacks.Callback):
        def __init__(self, period):
            super().__init__()
            self.period, self.count = period, 0

        def on_epoch_end(self):
            self.count += 1
            if self.count % self.period == 0:
                tr.check()

    tr.start = time.perf_counter()
    model.compile("adam", lr=cfg["lr"])
    model.train(iterations=cfg["adam"], display_every=10**9, verbose=0, callbacks=[Measure(every)])
    if cfg["finish"]:
        if cfg["deepxde_lbfgs"]:
            dde.optimizers.config.set_LBFGS_options(maxiter=cfg["deepxde_lbfgs"])
        model.compile("L-BFGS")
        model.train(display_every=10**9, verbose=0, callbacks=[Measure(1)])
    total = tr.elapsed()
    return tr.hits, relative_l2(model.predict(xt)[:, 0], ue), total


def run_inverse(seed=0, sigma=0.04):
    """μ from 40 noisy observations of the oscillator (the chapter's fit), with its error bar."""
    from threadpoolctl import threadpool_info

    t_obs, u_obs = noisy_oscillator(sigma, seed=seed)
    t0 = time.perf_counter()
    model, unc = fit_damping(t_obs, u_obs, K)
    secs = time.perf_counter() - t0
    kernels = {i.get("architecture") for i in threadpool_info() if i["internal_api"] == "openblas"}
    return model, unc, fit_oscillator(t_obs, u_obs, K), secs, kernels


def fmt_hit(hit):
    return "not reached" if hit is None else f"{hit[0]:.2f} s"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="shorter schedules (smoke test)")
    ap.add_argument("--seeds", type=int, default=1, help="seeds 0 … N − 1 for every run")
    ap.add_argument("--every", type=int, default=10, help="Adam steps between error checks")
    ap.add_argument("--no-torch", action="store_true")
    ap.add_argument("--no-deepxde", action="store_true")
    ap.add_argument("--torch-threads", type=int, default=2, help="torch.set_num_threads")
    args = ap.parse_args()
    global THREADS
    THREADS = args.torch_threads
    try:
        import torch  # noqa: F401

        have_torch = not args.no_torch
    except ImportError:
        have_torch = False
        print("PyTorch not installed: lecturekit only.")
    have_deepxde = have_torch and not args.no_deepxde
    if have_deepxde:
        os.environ.setdefault("DDE_BACKEND", "pytorch")
        try:
            import deepxde  # noqa: F401
        except ImportError:
            have_deepxde = False
            print("DeepXDE not installed: skipped (pip install -r requirements-bench.txt).")
    rows = []
    for name, cfg in problems(args.quick).items():
        for seed in range(args.seeds):
            runs = {
                "lecturekit, Adam + LM": run_lecturekit(cfg, seed, args.every, "lm"),
                "lecturekit, Adam + L-BFGS-B": run_lecturekit(cfg, seed, args.every, "lbfgs"),
            }
            if have_torch:
                runs["PyTorch, Adam + L-BFGS"] = run_torch(cfg, seed, args.every)
            if have_deepxde and cfg["kind"] == "poisson":
                with contextlib.redirect_stdout(sys.stderr):  # DeepXDE's own messages
                    runs["DeepXDE, Adam + L-BFGS"] = run_deepxde(cfg, seed, args.every)
            rows.append((name, cfg, seed, runs))
            summary = ", ".join(f"{k} {v[2]:.1f} s" for k, v in runs.items())
            print(f"{name}, seed {seed}: {summary}", file=sys.stderr, flush=True)  # progress
    print(
        "| problem | seed | schedule | time to "
        + " | time to ".join(["1st target", "2nd target"])
        + " | final rel. L2 | total time |"
    )
    print("|" + "---|" * 7)
    for name, cfg, seed, runs in rows:
        t1, t2 = cfg["targets"]
        head = (
            f"{name} {cfg['layers']}, {cfg['x'].size} pts, Adam {cfg['adam']} "
            f"(targets {t1:.0e}, {t2:.0e})"
        )
        for engine, (hits, err, total) in runs.items():
            print(
                f"| {head} | {seed} | {engine} | {fmt_hit(hits[0])} | {fmt_hit(hits[1])} | "
                f"{err:.2e} | {total:.2f} s |"
            )
            head = "″"
    model, unc, ols, secs, kernels = run_inverse(seed=0)
    info = model.fit_info
    print(
        f"\nInverse problem (lecturekit, seed 0, BLAS kernel "
        f"{', '.join(sorted(map(str, kernels)))}): "
        f"mu = {model.params['mu']:.7f} ± {unc['sandwich']['mu']:.4f} (sandwich), "
        f"± {unc['laplace']['mu']:.4f} (Laplace); {info['reason']} after "
        f"{info['finish_iterations']} LM steps, {secs:.2f} s. Output least squares: "
        f"{ols['mu']:.4f} ± {ols['se']['mu']:.4f}"
    )


if __name__ == "__main__":
    main()
