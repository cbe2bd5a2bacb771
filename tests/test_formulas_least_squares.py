"""The formulas of chapter 8's Levenberg–Marquardt step against their definitions."""

import numpy as np
import pytest

from lecturekit.formulas import least_squares as F
from lecturekit.inverse import levenberg_marquardt
from lecturekit.inverse.least_squares import _objective


def _problem(m, P, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(m, P)), rng.normal(size=m), rng.normal(size=P)


def _direct(J, r, w, lam, shift):
    """δ from the damped normal equations, formed and solved directly."""
    lam = np.broadcast_to(lam, w.shape)
    return np.linalg.solve(J.T @ J + np.diag(lam + shift), -(J.T @ r + lam * w))


@pytest.mark.parametrize("m, P", [(12, 4), (4, 12), (6, 6)])
@pytest.mark.parametrize("lam", [0.0, 0.3, "vector"])
def test_three_forms_solve_the_damped_normal_equations(m, P, lam):
    J, r, w = _problem(m, P)
    lam = np.linspace(0.0, 1.0, P) if lam == "vector" else lam
    shift = np.full(P, 0.7)
    expected = _direct(J, r, w, lam, shift)
    for step in (
        F.step_stacked(J, r, w, lam, shift),
        F.step_push_through(J, r, w, lam, shift),
        F.step_normal(J, r, w, lam, shift),
    ):
        np.testing.assert_allclose(step, expected, rtol=1e-10, atol=1e-12)


def test_the_normal_form_reuses_a_formed_JtJ_and_substitutes_exactly():
    J, r, w = _problem(30, 8, seed=3)
    shift = np.full(8, 0.2)
    JtJ = J.T @ J
    np.testing.assert_allclose(
        F.step_normal(J, r, w, 0.1, shift, JtJ=JtJ), _direct(J, r, w, 0.1, shift), rtol=1e-10
    )
    np.testing.assert_array_equal(JtJ, J.T @ J)  # kept as it was, for the next trial step
    L = np.tril(np.random.default_rng(4).normal(size=(8, 8))) + 4 * np.eye(8)
    b = np.arange(8.0)
    np.testing.assert_allclose(L @ F.forward_substitution(L, b), b, atol=1e-12)
    np.testing.assert_allclose(L.T @ F.back_substitution(L, b), b, atol=1e-12)


def test_gauss_newton_step_is_the_undamped_solution():
    J, r, w = _problem(10, 3, seed=1)
    np.testing.assert_allclose(
        F.gauss_newton_step(J, r, w, 0.2), _direct(J, r, w, 0.2, np.zeros(3)), rtol=1e-10
    )


def test_predicted_decrease_is_the_model_difference():
    J, r, w = _problem(7, 3, seed=2)
    lam, step = np.array([0.0, 0.5, 2.0]), np.array([0.1, -0.3, 0.2])

    def model(d):  # L(δ) = ½‖r + Jδ‖² + ½(w̄ + δ)ᵀΛ(w̄ + δ)
        return 0.5 * np.sum((r + J @ d) ** 2) + 0.5 * np.sum(lam * (w + d) ** 2)

    grad = F.gradient(J, r, w, lam)
    np.testing.assert_allclose(
        F.predicted_decrease(J, grad, lam, step), model(0 * step) - model(step), rtol=1e-12
    )
    assert F.objective(r, w, lam) == pytest.approx(model(0 * step), rel=1e-14)
    assert F.objective(r, w, 0.4) == _objective(r, w, 0.4)


def test_gain_ratio_and_nielsen_damping():
    assert F.gain_ratio(2.0, 1.0, 0.5) == 2.0
    assert F.gain_ratio(2.0, 1.0, 0.0) == -1.0
    assert F.damping_update(3.0, 4.0, 0.5, True) == (3.0, 2.0)  # 1 − 0³ = 1
    assert F.damping_update(3.0, 4.0, 1.0, True) == (1.0, 2.0)  # max(1/3, 0) = 1/3
    assert F.damping_update(3.0, 4.0, -1.0, False) == (12.0, 8.0)


def test_cholesky_form_runs_the_same_fit_as_the_stacked_one():
    rng = np.random.default_rng(3)
    t = np.linspace(0, 1, 40)
    d = 2.0 * np.exp(-1.5 * t) + 0.01 * rng.normal(size=t.size)

    def residual(w):
        return w[0] * np.exp(w[1] * t) - d

    def jacobian(w):
        e = np.exp(w[1] * t)
        return np.column_stack([e, w[0] * t * e])

    w0 = np.array([1.0, -0.5])
    stacked = levenberg_marquardt(residual, jacobian, w0, 1e-3, solve="stacked")
    normal = levenberg_marquardt(residual, jacobian, w0, 1e-3, solve="cholesky")
    assert stacked.converged and normal.converged
    np.testing.assert_allclose(normal.w, stacked.w, rtol=1e-7)


def test_auto_takes_cholesky_when_the_stacked_step_would_not_fit(monkeypatch):
    from lecturekit import _validate
    from lecturekit.inverse.least_squares import _step_form

    lam, shift = 0.0, np.ones(40)
    assert _step_form("auto", (100, 40), lam, shift) == "stacked"
    monkeypatch.setattr(_validate, "MAX_BYTES", 8 * 100 * 40 * 2)  # J and JᵀJ fit, [J; √(μD)] not
    assert _step_form("auto", (100, 40), lam, shift) == "cholesky"
    assert _step_form("auto", (30, 40), lam, shift) == "push-through"
