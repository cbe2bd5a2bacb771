"""Benchmark: how honest is the PINN's error bar for μ? Coverage over noise draws.

For each of ``--reps`` seeded data sets (40 noisy observations of the oscillator, σ = 0.04, the
chapter's setting) the PINN of chapter 7 is fitted to convergence (``pinn.fit_damping``) and the
95 % interval ``μ̂ ± 1.96·se`` is formed with both linearised standard errors (sandwich and
Laplace); classical output least squares (``classical.fit_oscillator``) is fitted to the same
data. Printed: how often each interval holds the true μ = 4, with the binomial standard error
``√(p(1 − p)/n)`` of that frequency, the mean standard errors, the spread of the estimates over
the draws, and how far the PINN lies from the classical estimate.

Run:  .venv/bin/python benchmarks/pinn_coverage.py [--reps 100]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

from lecturekit.classical import fit_oscillator, noisy_oscillator
from lecturekit.pinn import fit_damping

MU, K = 4.0, 400.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=100)
    ap.add_argument("--sigma", type=float, default=0.04)
    args = ap.parse_args()
    start = time.perf_counter()
    rows = []
    for seed in range(args.reps):
        t_obs, u_obs = noisy_oscillator(args.sigma, seed=seed)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model, unc = fit_damping(t_obs, u_obs, K)
        ols = fit_oscillator(t_obs, u_obs, K)
        rows.append(
            (
                model.params["mu"],
                unc["sandwich"]["mu"],
                unc["laplace"]["mu"],
                ols["mu"],
                ols["se"]["mu"],
                model.fit_info["converged"] and not caught,
            )
        )
        if (seed + 1) % 10 == 0:
            print(f"{seed + 1} fits, {time.perf_counter() - start:.0f} s", flush=True)
    r = np.array(rows)
    n = len(r)
    print(f"\n{n} data sets, σ = {args.sigma}; converged fits: {int(r[:, 5].sum())} of {n}\n")
    print("| interval (95 %) | coverage | binomial s.e. | mean s.e. of μ̂ | spread of μ̂ |")
    print("|---|---|---|---|---|")
    for name, est, se in [
        ("PINN, sandwich", r[:, 0], r[:, 1]),
        ("PINN, Laplace", r[:, 0], r[:, 2]),
        ("output least squares", r[:, 3], r[:, 4]),
    ]:
        hit = np.abs(est - MU) <= 1.96 * se
        p = hit.mean()
        print(
            f"| {name} | {p:.1%} | {np.sqrt(p * (1 - p) / n):.1%} | {se.mean():.4f} | "
            f"{est.std(ddof=1):.4f} |"
        )
    gap = np.abs(r[:, 0] - r[:, 3]) / r[:, 4]
    print(
        f"\n|μ̂_PINN − μ̂_classical| / classical s.e.: mean {gap.mean():.3f}, max {gap.max():.3f}; "
        f"total {time.perf_counter() - start:.0f} s"
    )


if __name__ == "__main__":
    main()
