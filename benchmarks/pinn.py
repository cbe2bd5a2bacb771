"""Benchmark: lecturekit.pinn against PyTorch autograd (double backward), float64.

Both engines get the same network (the same initial weights, copied from ``PINN(seed)``), the
same collocation points, the same loss and the same schedule (Adam, then L-BFGS). Measured in one
run: wall time until the relative L2 error on a fine grid first reaches the target (time spent
measuring the error is excluded, in both engines), the final error and the total time. The
inverse problem (μ from 40 noisy observations) is run in lecturekit.

Run:  .venv/bin/python benchmarks/pinn.py            (all problems; torch part if installed)
      .venv/bin/python benchmarks/pinn.py --quick    (shorter schedules, for a smoke test)
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from lecturekit.classical import damped_oscillator
from lecturekit.pinn import PINN, relative_l2

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
            lbfgs=int(1000 * s),
            target=1e-4,
            exact=lambda x: np.sin(np.pi * x),
        ),
        "oscillator": dict(
            layers=[1, 32, 32, 32, 1],
            x=np.linspace(0.0, 1.0, 60),
            kind="oscillator",
            conditions=[(0.0, 0, 1.0), (0.0, 1, 0.0)],
            weights={"pde": 1e-4, "bc": 1.0},
            lr=3e-3,
            adam=int(5000 * s),
            lbfgs=int(3000 * s),
            target=2e-3,
            exact=lambda x: damped_oscillator(x, MU, K),
        ),
    }


def residual_numpy(kind):
    if kind == "poisson":
        return lambda x, u, ux, uxx, p: uxx + np.pi**2 * np.sin(np.pi * x)
    return lambda x, u, ux, uxx, p: uxx + MU * ux + K * u


class Tracker:
    """Wall clock that pauses while the error is measured; records time-to-target."""

    def __init__(self, target, error):
        self.target, self.error = target, error
        self.start = time.perf_counter()
        self.paused = 0.0
        self.hit = None

    def check(self):
        t0 = time.perf_counter()
        if self.hit is None:
            e = self.error()
            if e <= self.target:
                self.hit = (t0 - self.start - self.paused, e)
        self.paused += time.perf_counter() - t0

    def elapsed(self):
        return time.perf_counter() - self.start - self.paused


def run_lecturekit(cfg, seed, every):
    net = PINN(cfg["layers"], seed=seed)
    xt = np.linspace(0.0, 1.0, 1001)
    ue = cfg["exact"](xt)
    tr = Tracker(cfg["target"], lambda: relative_l2(net.predict(xt), ue))

    def cb(step, phase):
        if phase == "lbfgs" or step % every == 0:
            tr.check()

    tr.start = time.perf_counter()
    net.fit(
        residual_numpy(cfg["kind"]),
        cfg["x"],
        conditions=cfg["conditions"],
        weights=cfg["weights"],
        adam_steps=cfg["adam"],
        lbfgs_steps=cfg["lbfgs"],
        lr=cfg["lr"],
        progress=False,
        callback=cb,
    )
    total = tr.elapsed()
    return tr.hit, relative_l2(net.predict(xt), ue), total


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

    tr = Tracker(cfg["target"], error)
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
        max_iter=cfg["lbfgs"],
        max_eval=int(1.25 * cfg["lbfgs"]) + 1,
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

    if cfg["lbfgs"]:
        lbfgs.step(closure)
    total = tr.elapsed()
    return tr.hit, error(), total


def run_inverse(seed=0, adam=3000, lbfgs=1000, sigma=0.04, n_obs=40):
    """μ from noisy observations of the oscillator, data term + physics term."""
    rng = np.random.default_rng(seed)
    t_obs = np.sort(rng.uniform(0.0, 1.0, n_obs))
    u_obs = damped_oscillator(t_obs, MU, K) + sigma * rng.normal(size=n_obs)
    net = PINN([1, 32, 32, 32, 1], seed=seed)
    t0 = time.perf_counter()
    net.fit(
        lambda x, u, ux, uxx, p: uxx + p["mu"] * ux + K * u,
        np.linspace(0.0, 1.0, 60),
        data=(t_obs, u_obs),
        params={"mu": 0.0},
        weights={"pde": 1e-4, "data": 1.0},
        adam_steps=adam,
        lbfgs_steps=lbfgs,
        lr=1e-2,
        progress=False,
    )
    return net.params["mu"], time.perf_counter() - t0


def fmt_hit(hit):
    return "not reached" if hit is None else f"{hit[0]:.2f} s"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="shorter schedules (smoke test)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--every", type=int, default=10, help="Adam steps between error checks")
    ap.add_argument("--no-torch", action="store_true")
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
    rows = []
    for name, cfg in problems(args.quick).items():
        lk = run_lecturekit(cfg, args.seed, args.every)
        th = run_torch(cfg, args.seed, args.every) if have_torch else None
        rows.append((name, cfg, lk, th))
        torch_s = f", torch {th[2]:.1f} s" if th else ""
        print(f"{name}: lecturekit {lk[2]:.1f} s{torch_s} (table below)", flush=True)
    print()
    hdr = (
        "| problem | schedule | target | engine | time to target | final rel. L2 | "
        "total time | ratio (lk/torch) |"
    )
    print(hdr)
    print("|" + "---|" * 8)
    for name, cfg, lk, th in rows:
        sched = f"{cfg['layers']}, {cfg['x'].size} pts, Adam {cfg['adam']} + L-BFGS {cfg['lbfgs']}"
        ratio = "—"
        if th is not None and lk[0] is not None and th[0] is not None:
            ratio = f"{lk[0][0] / th[0][0]:.2f} (to target), {lk[2] / th[2]:.2f} (total)"
        print(
            f"| {name} | {sched} | {cfg['target']:.0e} | lecturekit | {fmt_hit(lk[0])} | "
            f"{lk[1]:.2e} | {lk[2]:.2f} s | {ratio} |"
        )
        if th is not None:
            print(
                f"| {name} | same | {cfg['target']:.0e} | PyTorch | {fmt_hit(th[0])} | "
                f"{th[1]:.2e} | {th[2]:.2f} s | |"
            )
    mu, secs = run_inverse(adam=800 if args.quick else 3000, lbfgs=200 if args.quick else 1000)
    print(
        f"\nInverse problem (lecturekit): mu = {mu:.4f} (true {MU}), "
        f"error {abs(mu - MU) / MU:.2%}, {secs:.2f} s"
    )


if __name__ == "__main__":
    main()
