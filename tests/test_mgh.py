"""The Levenberg–Marquardt loop on twelve test problems of Moré, Garbow & Hillstrom (1981),
beside scipy's MINPACK wrapper, both compared with the published minima.

Tolerances, from what the paper prints and what the loop is asked for:

* A non-zero f* is printed with six significant digits followed by "…" (truncated, not
  rounded: Freudenstein–Roth's 48.98425… is printed 48.9842…). A computed minimum agrees with
  the paper when it lies in ``[f*, f* + one unit of the last printed digit)``: a relative
  tolerance of 2·10⁻⁶ to 1.2·10⁻⁵, the precision of the published value. (The lower end is
  the true minimum truncated, so no solver may go below it, beyond rounding.)
* f* = 0: the loop's tolerances ask for about ten digits (``xtol = 1e-10``, relative to w̄),
  so ‖r‖ must fall by ten orders of magnitude from the start: ``f ≤ 10⁻²⁰·f(x₀)``. That is
  relative, as the loop's rules are (Brown's badly scaled function starts at f = 10¹²).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from mgh_problems import PROBLEMS
from scipy.optimize import least_squares

from lecturekit import inverse

IDS = [p.name for p in PROBLEMS]


def agrees_with_published(f, problem):
    """The test above: f matches f* to the digits printed, or has fallen by 10²⁰ if f* = 0."""
    if problem.f_star == 0:
        f0 = float(np.sum(problem.residual(np.array(problem.x0)) ** 2))
        return f <= 1e-20 * f0
    unit = 10.0 ** (math.floor(math.log10(problem.f_star)) - problem.digits + 1)
    return problem.f_star * (1 - 1e-12) <= f < problem.f_star + unit


@pytest.mark.parametrize("problem", PROBLEMS, ids=IDS)
def test_the_jacobians_are_those_of_the_residuals(problem):
    x = np.array(problem.x0) + 0.1  # off the start, where some entries vanish
    J = problem.jacobian(x)
    h = 1e-6 * np.maximum(1.0, np.abs(x))
    E = np.diag(h)
    fd = np.column_stack(
        [
            (problem.residual(x + E[k]) - problem.residual(x - E[k])) / (2 * h[k])
            for k in range(x.size)
        ]
    )
    # central differences: truncation h²·f‴ and rounding ε·|f|/h
    rounding = 10 * np.finfo(float).eps * np.max(np.abs(problem.residual(x))) / h.min()
    np.testing.assert_allclose(J, fd, rtol=1e-6, atol=1e-6 + rounding)


@pytest.mark.parametrize("damping", ["levenberg", "marquardt"])
@pytest.mark.parametrize("problem", PROBLEMS, ids=IDS)
def test_levenberg_marquardt_reaches_the_published_minimum(problem, damping):
    res = inverse.levenberg_marquardt(
        problem.residual, problem.jacobian, np.array(problem.x0), damping=damping, max_iter=2000
    )
    assert res.converged, res.message
    f = 2 * res.loss  # the loop's Φ = ½‖r‖², the paper's f = ‖r‖²
    assert agrees_with_published(f, problem), (f, problem.f_star)


@pytest.mark.parametrize("problem", PROBLEMS, ids=IDS)
def test_scipy_minpack_reaches_the_published_minimum_too(problem):
    res = least_squares(problem.residual, np.array(problem.x0), jac=problem.jacobian, method="lm")
    assert res.success, res.message
    assert agrees_with_published(2 * res.cost, problem), (2 * res.cost, problem.f_star)


def test_the_tolerance_can_fail():
    # a value one unit of the last digit above the paper's, or just below it, is refused
    bard = next(p for p in PROBLEMS if p.name == "Bard")
    assert agrees_with_published(8.214877e-3, bard)
    assert not agrees_with_published(8.21488e-3, bard)
    assert not agrees_with_published(8.21486e-3, bard)
    rosenbrock = PROBLEMS[0]
    assert not agrees_with_published(1e-18, rosenbrock)  # f(x₀) = 24.2
