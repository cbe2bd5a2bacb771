"""The one Levenberg–Marquardt loop: vector λ, the two forms of the step, the callback, the
damping stop, and the PINN finish that runs it (lecturekit.pinn.finish)."""

from __future__ import annotations

import numpy as np
import pytest

from lecturekit import inverse
from lecturekit.inverse.least_squares import _solve_step
from lecturekit.pinn.finish import levenberg_marquardt_finish

EPS = np.finfo(float).eps


def linear_problem(m, P, seed, noise=0.1):
    """A seeded linear least-squares problem r(w) = A w − d."""
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(m, P))
    d = A @ rng.normal(size=P) + noise * rng.normal(size=m)
    return A, d


def penalty_vector(P, seed):
    """Per-coordinate weights λᵢ ≥ 0, the last two zero (like the PINN's physical parameters)."""
    lam = np.random.default_rng(seed).uniform(0.1, 2.0, size=P)
    lam[-2:] = 0.0
    return lam


# ---------------------------------------------------------------------------------------------
# The step: stacked least squares and push-through give the same δ


@pytest.mark.parametrize("m, P", [(6, 15), (25, 8)])
@pytest.mark.parametrize("kind", ["scalar", "vector"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_push_through_and_stacked_steps_agree(m, P, kind, seed):
    rng = np.random.default_rng(100 + seed)
    J, r, w = rng.normal(size=(m, P)), rng.normal(size=m), rng.normal(size=P)
    lam = 0.3 if kind == "scalar" else penalty_vector(P, seed)
    shift = rng.uniform(0.05, 1.0) * rng.uniform(0.5, 2.0, size=P)  # μD, Marquardt-like
    stacked = _solve_step(J, r, w, lam, shift, form="stacked")
    pushed = _solve_step(J, r, w, lam, shift, form="push-through")
    # Both solve (JᵀJ + Λ + μD) δ = −(Jᵀr + Λw̄) backward-stably: the forward error is a
    # modest multiple of ε times the condition number of that matrix.
    A = J.T @ J + np.diag(np.broadcast_to(lam, (P,)) + shift)
    exact = np.linalg.solve(A, -(J.T @ r + lam * w))
    bound = 100 * EPS * np.linalg.cond(A) * np.linalg.norm(exact)
    assert np.linalg.norm(stacked - pushed) <= bound
    assert np.linalg.norm(pushed - exact) <= bound


# ---------------------------------------------------------------------------------------------
# λ as a vector


@pytest.mark.parametrize("solve", ["stacked", "auto", "push-through"])
@pytest.mark.parametrize("m, P", [(30, 6), (5, 9)])
def test_vector_lambda_converges_to_its_normal_equations(solve, m, P):
    A, d = linear_problem(m, P, seed=m)
    lam = penalty_vector(P, seed=P)
    res = inverse.levenberg_marquardt(
        lambda w: A @ w - d, lambda w: A, np.ones(P), lam, solve=solve, gtol=1e-10
    )
    assert res.converged and res.reason in ("gradient", "step", "loss"), res.reason
    np.testing.assert_allclose(res.w, np.linalg.solve(A.T @ A + np.diag(lam), A.T @ d))
    w = res.w
    assert res.loss == pytest.approx(0.5 * np.sum((A @ w - d) ** 2) + 0.5 * lam @ (w * w))
    np.testing.assert_array_equal(res.lam, lam)


def test_a_constant_vector_lambda_is_the_scalar_lambda():
    A, d = linear_problem(20, 5, seed=8)
    problem = (lambda w: A @ w - d, lambda w: A, np.zeros(5))
    scalar = inverse.levenberg_marquardt(*problem, 0.7, gtol=1e-12)
    vector = inverse.levenberg_marquardt(*problem, np.full(5, 0.7), gtol=1e-12)
    np.testing.assert_allclose(vector.w, scalar.w, rtol=1e-10)
    assert vector.loss == pytest.approx(scalar.loss, rel=1e-12)


def test_gauss_newton_takes_a_vector_lambda_too():
    A, d = linear_problem(12, 4, seed=9)
    lam = np.array([0.0, 1.0, 2.0, 0.5])
    res = inverse.gauss_newton(lambda w: A @ w - d, lambda w: A, np.zeros(4), lam, max_iter=1)
    np.testing.assert_allclose(res.w, np.linalg.solve(A.T @ A + np.diag(lam), A.T @ d))


@pytest.mark.parametrize(
    "lam, match",
    [
        (np.ones(3), "λ must be a scalar or a vector of length P = 4 .*; got shape 3$"),
        (np.ones((4, 1)), "λ must be a scalar or a vector of length P = 4 .*; got shape 4×1$"),
        (np.array([1.0, -0.5, 0.0, 1.0]), r"λ must be ≥ 0 in every coordinate; got λ\[1\] = -0.5"),
        (np.array([1.0, np.nan, 0.0, 1.0]), "λ contains NaN or infinite values"),
        (-1.0, "λ must be ≥ 0"),
    ],
)
def test_bad_lambda_is_refused(lam, match):
    A, d = linear_problem(10, 4, seed=1)
    with pytest.raises(ValueError, match=match):
        inverse.levenberg_marquardt(lambda w: A @ w - d, lambda w: A, np.zeros(4), lam)


def test_bad_solve_and_callback_are_refused():
    A, d = linear_problem(10, 4, seed=1)
    problem = (lambda w: A @ w - d, lambda w: A, np.zeros(4))
    with pytest.raises(ValueError, match='solve must be "stacked", "auto" or "push-through"'):
        inverse.levenberg_marquardt(*problem, solve="normal")
    with pytest.raises(TypeError, match="callback must be callable"):
        inverse.levenberg_marquardt(*problem, callback=3)


def test_push_through_memory_is_that_of_the_small_system():
    # P = 200 001 weights but m = 3 residuals: the push-through step holds 3×3 systems, so the
    # run that the stacked form refuses (test_inverse) is allowed and converges
    P = 200_001
    res = inverse.levenberg_marquardt(
        lambda w: w[:3] - 1.0, lambda w: np.eye(3, P), np.zeros(P), solve="auto", gtol=1e-10
    )
    assert res.converged and np.allclose(res.w[:3], 1.0) and not np.any(res.w[3:])


# ---------------------------------------------------------------------------------------------
# The callback and the stopping rules


def test_callback_sees_every_iteration():
    A, d = linear_problem(15, 3, seed=5)
    seen = []
    res = inverse.levenberg_marquardt(
        lambda w: np.tanh(A @ w) - 0.5 * np.tanh(d),
        lambda w: (1 - np.tanh(A @ w) ** 2)[:, None] * A,
        np.zeros(3),
        callback=lambda w, accepted: seen.append((w.copy(), accepted)),
    )
    assert res.converged
    assert len(seen) == res.iterations
    assert sum(accepted for _, accepted in seen) == res.njev - 1
    np.testing.assert_array_equal(seen[-1][0], res.w)


def test_the_damping_stop_is_not_reported_as_converged():
    # An inconsistent linear problem: at the minimiser the gradient Aᵀr is rounding noise, not
    # zero, so with gtol = 0 and the step and loss rules off (xtol = ftol = 0) every step
    # eventually fails to decrease Φ and μ grows past 1e16
    A, d = linear_problem(30, 4, seed=3, noise=1.0)
    res = inverse.levenberg_marquardt(
        lambda w: A @ w - d, lambda w: A, np.zeros(4), gtol=0.0, xtol=0.0, ftol=0.0
    )
    assert res.reason == "damping" and res.converged is False
    w = np.linalg.lstsq(A, d, rcond=None)[0]
    assert res.loss == pytest.approx(0.5 * np.sum((A @ w - d) ** 2), rel=1e-12)


# ---------------------------------------------------------------------------------------------
# The PINN finish: Φ = ‖ρ‖² + θᵀΛθ, run by the same loop


class LinearProblem:
    """The PINN problem's interface on ρ(θ) = tanh(Aθ) − d (M residuals, P unknowns)."""

    def __init__(self, M, P, seed):
        self.A, self.d = linear_problem(M, P, seed)
        self.d = 0.5 * np.tanh(self.d)
        # the parts of PINNLoss the finish reads: the points, and which rows are which term
        self.X, self.col, self.conditions, self.data_rows = np.zeros((M, 1)), slice(0, M), [], None
        self.calls = {"full": 0, "rho": 0, "terms": 0}

    def residuals(self, theta, jacobian=True):
        z = self.A @ theta
        rho = np.tanh(z) - self.d
        self.calls["full" if jacobian else "rho"] += 1
        return (rho, (1 - np.tanh(z) ** 2)[:, None] * self.A) if jacobian else (rho, None)

    def terms(self, theta):
        self.calls["terms"] += 1
        rho, _ = self.residuals(theta, jacobian=False)
        return {"total": float(rho @ rho)}


@pytest.mark.parametrize("M, P", [(6, 10), (20, 5)])
def test_finish_minimises_the_pinn_objective(M, P):
    problem = LinearProblem(M, P, seed=M + P)
    penalty = np.zeros(P)
    penalty[:-1] = 1e-3  # λ on the "network", none on the last ("physical") unknown
    steps = []

    def record(terms, theta, phase, step):
        steps.append(step)
        assert phase == "lm" and set(terms) == {"total"}

    # gtol, a cosine, well above its rounding floor (about 1e-9 once no step decreases Φ)
    theta, info = levenberg_marquardt_finish(
        problem, np.zeros(P), penalty, 500, (1e-7, 0.0), record, 40, None
    )
    assert info["converged"] and info["reason"] == "gradient", info
    assert set(info) == {"finish_iterations", "converged", "reason"}
    assert steps == list(range(41, 41 + info["finish_iterations"]))
    rho, J = problem.residuals(theta)
    grad_phi = J.T @ rho + penalty * theta  # ½∇(‖ρ‖² + θᵀΛθ)
    columns = np.sqrt(np.sum(J * J, axis=0) + penalty)
    size = np.sqrt(rho @ rho + penalty @ (theta * theta))
    assert np.max(np.abs(grad_phi) / (columns * size)) <= 1e-7


def test_finish_reports_its_other_stops():
    problem, P = LinearProblem(6, 10, seed=1), 10
    start, penalty = np.zeros(P), np.full(P, 1e-3)
    phi0 = float(problem.residuals(start)[0] @ problem.residuals(start)[0])
    record = lambda *args: None  # noqa: E731
    _, info = levenberg_marquardt_finish(problem, start, penalty, 2, (1e-14, 0.0), record, 0, None)
    assert info == {"finish_iterations": 2, "converged": False, "reason": "finish_steps"}
    _, info = levenberg_marquardt_finish(
        problem, start, penalty, 500, (0.0, 0.5 * phi0), record, 0, None
    )
    assert info["converged"] and info["reason"] == "loss", info
    theta, info = levenberg_marquardt_finish(
        problem, start, penalty, 0, (0.0, 0.0), record, 0, None
    )
    assert theta is start and info["reason"] == "finish_steps" and not info["converged"]


def test_finish_stops_on_a_non_finite_start():
    class Diverged(LinearProblem):
        def residuals(self, theta, jacobian=True):
            rho, J = super().residuals(theta, jacobian)
            return rho * np.nan, J

    def stop(step, phase, what):
        raise FloatingPointError(f"{phase} step {step}: {what}")

    with pytest.raises(
        FloatingPointError,
        match=r"Levenberg–Marquardt step 8: ρ\(θ\) \(in the equation's residual r at 6 colloc",
    ):
        levenberg_marquardt_finish(
            Diverged(6, 4, seed=0), np.zeros(4), np.zeros(4), 10, (0.0, 0.0), None, 7, stop
        )
