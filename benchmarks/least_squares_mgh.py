"""Benchmark: the package's Levenberg–Marquardt loop beside scipy's MINPACK on published problems.

Problems: twelve least-squares test problems of Moré, Garbow & Hillstrom, "Testing
unconstrained optimization software", ACM TOMS 7 (1981), with their standard starting points
(defined, with their Jacobians and published minima, in ``tests/mgh_problems.py``).

Solvers, each with its default tolerances and the analytic Jacobian:

* ``lecturekit.inverse.levenberg_marquardt`` with Levenberg damping (D = I) and Marquardt's
  (D = diag(JᵀJ)), Nielsen's damping update;
* ``scipy.optimize.least_squares(method="lm")``, MINPACK's ``lmder`` (trust region in the
  scaled norm, ``xtol = ftol = gtol = 1e-8``).

For each: iterations (lecturekit: trial steps, rejected ones included; MINPACK: Jacobian
evaluations, one per outer iteration), residual evaluations, the final ``f = ‖r‖²`` and the
published f*. No timings: the counts are what the methods differ in, and they do not depend on
the machine.

Run: ``python benchmarks/least_squares_mgh.py`` (a second or two).
"""

from __future__ import annotations

import pathlib
import sys

import numpy as np
from scipy.optimize import least_squares

from lecturekit import inverse

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests"))
from mgh_problems import PROBLEMS  # noqa: E402


def run_lecturekit(problem, damping):
    res = inverse.levenberg_marquardt(
        problem.residual, problem.jacobian, np.array(problem.x0), damping=damping, max_iter=2000
    )
    return res.iterations, res.nfev, 2 * res.loss, res.reason if res.converged else "FAILED"


def run_minpack(problem):
    res = least_squares(problem.residual, np.array(problem.x0), jac=problem.jacobian, method="lm")
    return res.njev, res.nfev, 2 * res.cost, f"status {res.status}" if res.success else "FAILED"


def main():
    header = (
        f"{'problem':22s} {'solver':24s} {'iter':>5s} {'nfev':>5s} {'f = ‖r‖²':>17s} "
        f"{'published f*':>13s}  stop"
    )
    print(header)
    print("-" * len(header))
    for problem in PROBLEMS:
        rows = [
            ("lecturekit, Levenberg", run_lecturekit(problem, "levenberg")),
            ("lecturekit, Marquardt", run_lecturekit(problem, "marquardt")),
            ("scipy MINPACK lmder", run_minpack(problem)),
        ]
        for k, (solver, (iterations, nfev, f, stop)) in enumerate(rows):
            name = f"{problem.number:2d} {problem.name}" if k == 0 else ""
            star = f"{problem.f_star:g}…" if problem.f_star else "0"
            print(
                f"{name:22s} {solver:24s} {iterations:5d} {nfev:5d} {f:17.10g} "
                f"{star if k == 0 else '':>13s}  {stop}"
            )


if __name__ == "__main__":
    main()
