"""Least-squares test problems of Moré, Garbow & Hillstrom (1981) with their published minima.

J. J. Moré, B. S. Garbow and K. E. Hillstrom, "Testing unconstrained optimization software",
ACM Transactions on Mathematical Software 7(1), 17–41, 1981: twelve problems of their list
(numbered as there), each with its residuals ``fᵢ(x)``, the analytic Jacobian, the standard
starting point x₀ and the published value of ``f* = Σ fᵢ(x*)²`` at the minimum a solver
started from x₀ is expected to find. The paper prints the non-zero values with six
significant digits followed by "…", so ``digits`` records the number of significant digits
that can be checked: a computed f* agrees with the paper when it agrees to those digits.

Used by tests/test_mgh.py and benchmarks/least_squares_mgh.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Problem:
    number: int  # in Moré, Garbow & Hillstrom's list
    name: str
    residual: Callable
    jacobian: Callable
    x0: tuple
    f_star: float  # published Σ fᵢ² at the minimum
    digits: int  # significant digits of f_star as published (0: f* = 0 exactly)
    note: str = ""


def _rosenbrock():
    def f(x):
        return np.array([10 * (x[1] - x[0] ** 2), 1 - x[0]])

    def J(x):
        return np.array([[-20 * x[0], 10.0], [-1.0, 0.0]])

    return Problem(1, "Rosenbrock", f, J, (-1.2, 1.0), 0.0, 0)


def _freudenstein_roth():
    def f(x):
        a, b = x
        return np.array([-13 + a + ((5 - b) * b - 2) * b, -29 + a + ((b + 1) * b - 14) * b])

    def J(x):
        b = x[1]
        return np.array([[1.0, 10 * b - 3 * b**2 - 2], [1.0, 3 * b**2 + 2 * b - 14]])

    return Problem(
        2,
        "Freudenstein–Roth",
        f,
        J,
        (0.5, -2.0),
        48.9842,
        6,
        "the local minimum at (11.41…, −0.8968…); the global one, f* = 0 at (5, 4), is not "
        "reached from x₀",
    )


def _powell_badly_scaled():
    def f(x):
        return np.array([1e4 * x[0] * x[1] - 1, np.exp(-x[0]) + np.exp(-x[1]) - 1.0001])

    def J(x):
        return np.array([[1e4 * x[1], 1e4 * x[0]], [-np.exp(-x[0]), -np.exp(-x[1])]])

    return Problem(3, "Powell badly scaled", f, J, (0.0, 1.0), 0.0, 0)


def _brown_badly_scaled():
    def f(x):
        return np.array([x[0] - 1e6, x[1] - 2e-6, x[0] * x[1] - 2])

    def J(x):
        return np.array([[1.0, 0.0], [0.0, 1.0], [x[1], x[0]]])

    return Problem(4, "Brown badly scaled", f, J, (1.0, 1.0), 0.0, 0)


def _beale():
    y = np.array([1.5, 2.25, 2.625])
    i = np.arange(1, 4)

    def f(x):
        return y - x[0] * (1 - x[1] ** i)

    def J(x):
        return np.column_stack([-(1 - x[1] ** i), x[0] * i * x[1] ** (i - 1)])

    return Problem(5, "Beale", f, J, (1.0, 1.0), 0.0, 0)


def _jennrich_sampson(m=10):
    i = np.arange(1, m + 1)

    def f(x):
        return 2 + 2 * i - (np.exp(i * x[0]) + np.exp(i * x[1]))

    def J(x):
        return np.column_stack([-i * np.exp(i * x[0]), -i * np.exp(i * x[1])])

    return Problem(6, "Jennrich–Sampson", f, J, (0.3, 0.4), 124.362, 6, "m = 10")


def _helical_valley():
    def theta(x):
        return np.arctan(x[1] / x[0]) / (2 * np.pi) + (0.5 if x[0] < 0 else 0.0)

    def f(x):
        return np.array([10 * (x[2] - 10 * theta(x)), 10 * (np.hypot(x[0], x[1]) - 1), x[2]])

    def J(x):
        r2, r = x[0] ** 2 + x[1] ** 2, np.hypot(x[0], x[1])
        dt = np.array([-x[1], x[0]]) / (2 * np.pi * r2)  # ∂θ/∂x₁, ∂θ/∂x₂
        return np.array(
            [[-100 * dt[0], -100 * dt[1], 10.0], [10 * x[0] / r, 10 * x[1] / r, 0.0], [0, 0, 1.0]]
        )

    return Problem(7, "Helical valley", f, J, (-1.0, 0.0, 0.0), 0.0, 0)


def _bard():
    y = np.array(
        [0.14, 0.18, 0.22, 0.25, 0.29, 0.32, 0.35, 0.39, 0.37, 0.58, 0.73, 0.96, 1.34, 2.10, 4.39]
    )
    u = np.arange(1.0, 16.0)
    v = 16 - u
    w = np.minimum(u, v)

    def f(x):
        return y - (x[0] + u / (v * x[1] + w * x[2]))

    def J(x):
        q = (v * x[1] + w * x[2]) ** 2
        return np.column_stack([-np.ones(15), u * v / q, u * w / q])

    return Problem(8, "Bard", f, J, (1.0, 1.0, 1.0), 8.21487e-3, 6)


def _box_3d(m=10):
    t = 0.1 * np.arange(1, m + 1)

    def f(x):
        return np.exp(-t * x[0]) - np.exp(-t * x[1]) - x[2] * (np.exp(-t) - np.exp(-10 * t))

    def J(x):
        return np.column_stack(
            [-t * np.exp(-t * x[0]), t * np.exp(-t * x[1]), -(np.exp(-t) - np.exp(-10 * t))]
        )

    return Problem(12, "Box 3-D", f, J, (0.0, 10.0, 20.0), 0.0, 0, "m = 10")


def _powell_singular():
    s5, s10 = np.sqrt(5.0), np.sqrt(10.0)

    def f(x):
        return np.array(
            [x[0] + 10 * x[1], s5 * (x[2] - x[3]), (x[1] - 2 * x[2]) ** 2, s10 * (x[0] - x[3]) ** 2]
        )

    def J(x):
        a, b = 2 * (x[1] - 2 * x[2]), 2 * s10 * (x[0] - x[3])
        return np.array(
            [[1.0, 10.0, 0.0, 0.0], [0.0, 0.0, s5, -s5], [0.0, a, -2 * a, 0.0], [b, 0.0, 0.0, -b]]
        )

    return Problem(
        13, "Powell singular", f, J, (3.0, -1.0, 0.0, 1.0), 0.0, 0, "J singular at x* = 0"
    )


def _kowalik_osborne():
    y = np.array(
        [0.1957, 0.1947, 0.1735, 0.1600, 0.0844, 0.0627, 0.0456, 0.0342, 0.0323, 0.0235, 0.0246]
    )
    u = np.array([4, 2, 1, 0.5, 0.25, 0.167, 0.125, 0.1, 0.0833, 0.0714, 0.0625])

    def f(x):
        return y - x[0] * (u**2 + u * x[1]) / (u**2 + u * x[2] + x[3])

    def J(x):
        num, den = u**2 + u * x[1], u**2 + u * x[2] + x[3]
        return np.column_stack(
            [-num / den, -x[0] * u / den, x[0] * num * u / den**2, x[0] * num / den**2]
        )

    return Problem(15, "Kowalik–Osborne", f, J, (0.25, 0.39, 0.415, 0.39), 3.07505e-4, 6)


def _meyer():
    y = np.array(
        [34780, 28610, 23650, 19630, 16370, 13720, 11540, 9744]
        + [8261, 7030, 6005, 5147, 4427, 3820, 3307, 2872],
        dtype=float,
    )
    t = 45 + 5 * np.arange(1.0, 17.0)

    def f(x):
        return x[0] * np.exp(x[1] / (t + x[2])) - y

    def J(x):
        e = np.exp(x[1] / (t + x[2]))
        return np.column_stack([e, x[0] * e / (t + x[2]), -x[0] * x[1] * e / (t + x[2]) ** 2])

    return Problem(10, "Meyer", f, J, (0.02, 4000.0, 250.0), 87.9458, 6, "badly scaled")


PROBLEMS = [
    _rosenbrock(),
    _freudenstein_roth(),
    _powell_badly_scaled(),
    _brown_badly_scaled(),
    _beale(),
    _jennrich_sampson(),
    _helical_valley(),
    _bard(),
    _meyer(),
    _box_3d(),
    _powell_singular(),
    _kowalik_osborne(),
]
