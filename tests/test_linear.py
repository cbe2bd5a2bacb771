"""The linear model: least squares against the normal equations, shapes, errors."""

import numpy as np
import pytest

from lecturekit import checks, closure, linear


def data(m=20, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, 3))
    return X, 1.0 + X @ np.array([2.0, -1.0, 0.5]) + rng.normal(0, 0.1, m)


def test_least_squares_solves_normal_equations():
    X, d = data()
    Xbar = closure(X)
    w = linear.least_squares(X, d)
    np.testing.assert_allclose(Xbar.T @ Xbar @ w, Xbar.T @ d, rtol=1e-10)


def test_jacobian_is_Xbar():
    X, _ = data(5)
    J = checks.fd_jacobian(lambda w: linear.linear_predict(X, w), np.ones(4), method="complex")
    np.testing.assert_allclose(J, closure(X), atol=1e-14)


def test_loss_is_minimal_at_least_squares():
    X, d = data()
    w = linear.least_squares(X, d)
    rng = np.random.default_rng(1)
    best = linear.sse(X, d, w)
    assert all(best < linear.sse(X, d, w + 1e-3 * rng.normal(size=4)) for _ in range(5))


def test_shape_errors_name_symbols():
    X, d = data(6)
    msg = r"d must have m = 6 entries to match X̄ \(m×n̄ = 6×4\); got 5"
    with pytest.raises(ValueError, match=msg):
        linear.least_squares(X, d[:5])
    with pytest.raises(ValueError, match="w̄ must have n̄ = 4 entries"):
        linear.linear_predict(X, np.ones(3))


def test_explorer_builds_without_display():
    X, d = data(8)
    w = linear.line_explorer(X[:, 0], d)
    assert len(w.children) == 2


def test_line_explorer_keeps_its_y_axis_as_the_sliders_move():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from lecturekit import linear

    x = np.linspace(0.0, 1.0, 12)
    d = 2.0 * x + 1.0
    explorer = linear.line_explorer(x, d)
    w0, w1 = explorer.children[0].children
    limits = []
    for v0, v1 in [(2.5, 2.5), (-3.0, -3.0), (0.0, 3.0)]:
        w0.value, w1.value = v0, v1  # each change redraws (interactive_output)
        limits.append(plt.gcf().axes[0].get_ylim())
        plt.close("all")
    assert limits[0] == limits[1] == limits[2]
