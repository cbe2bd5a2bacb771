"""The stopping rules of the one Levenberg–Marquardt loop do not depend on units, and a trial
point where r or J is not finite is a failed step, never a reason to claim convergence."""

from __future__ import annotations

import numpy as np
import pytest

from lecturekit import data, inverse, network
from lecturekit.inverse.least_squares import gradient_cosine


def rosenbrock(a=1.0, s=1.0):
    """``a·r(v/s)`` for Rosenbrock's ``r(w) = [10(w₁ − w₀²), 1 − w₀]``: r scaled by a, w̄ by s."""

    def residual(v):
        w = v / s
        return a * np.array([10 * (w[1] - w[0] ** 2), 1 - w[0]])

    def jacobian(v):
        w = v / s
        return a * np.array([[-20 * w[0], 10.0], [-1.0, 0.0]]) / s

    return residual, jacobian, s * np.array([-1.2, 1.0])


def small_line(a=1.0, s=1.0):
    """The issue's ``r(w) = 1e-4·(w − 3)``, scaled: ``a·1e-4·(v/s − 3)``."""
    return (
        lambda v: a * 1e-4 * (v / s - 3),
        lambda v: np.full((1, 1), a * 1e-4 / s),
        np.zeros(1),
    )


def tanh_fit(a=1.0, s=1.0):
    """A large-residual problem (no exact fit): ``a·(tanh(A v/s) − d)``, 15 residuals, P = 3."""
    rng = np.random.default_rng(5)
    A, d = rng.normal(size=(15, 3)), 0.6 * np.tanh(rng.normal(size=15))

    def residual(v):
        return a * (np.tanh(A @ (v / s)) - d)

    def jacobian(v):
        return a * (1 - np.tanh(A @ (v / s)) ** 2)[:, None] * A / s

    return residual, jacobian, s * np.full(3, 0.1)


def run(problem, **options):
    residual, jacobian, w0 = problem
    seen = []
    res = inverse.levenberg_marquardt(
        residual, jacobian, w0, callback=lambda w, ok: seen.append(w.copy()), **options
    )
    return res, np.array(seen)


# ---------------------------------------------------------------------------------------------
# Units


def test_a_small_residual_does_not_stop_at_the_start():
    # r(w) = 1e-4·(w − 3): ‖∇Φ‖ = 3e-8 at w = 0, below any absolute tolerance, far from w = 3
    res = inverse.levenberg_marquardt(
        lambda w: 1e-4 * (w - 3), lambda w: np.full((1, 1), 1e-4), np.zeros(1)
    )
    assert res.converged and res.iterations > 1
    assert res.w[0] == pytest.approx(3.0, rel=1e-8)
    assert res.message.startswith("converged")


@pytest.mark.parametrize("problem", [small_line, rosenbrock, tanh_fit])
@pytest.mark.parametrize("damping", ["levenberg", "marquardt"])
@pytest.mark.parametrize("a, s", [(1e-6, 1.0), (1e6, 1.0), (1.0, 1e-6), (1.0, 1e6), (1e6, 1e-6)])
def test_scaling_r_or_w_gives_the_same_iterates_and_the_same_stop(problem, damping, a, s):
    plain, path = run(problem(), damping=damping)
    scaled, scaled_path = run(problem(a, s), damping=damping)
    assert plain.converged, plain.message
    assert (scaled.reason, scaled.converged, scaled.iterations) == (
        plain.reason,
        plain.converged,
        plain.iterations,
    )
    # the same iterates up to the scale of w̄, the same objective up to a²: rounding apart
    np.testing.assert_allclose(scaled_path / s, path, rtol=1e-9, atol=1e-12)
    # (Φ near 0 carries the rounding of r's terms, absolute: about ε·Φ(w̄₀) at most)
    atol = 1e-15 * plain.history[0]
    np.testing.assert_allclose(scaled.history / a**2, plain.history, rtol=1e-9, atol=atol)


def test_the_gradient_test_is_the_cosine_between_r_and_the_columns_of_J():
    rng = np.random.default_rng(2)
    J, r, w = rng.normal(size=(8, 3)), rng.normal(size=8), rng.normal(size=3)
    lam = np.array([0.0, 0.5, 2.0])
    Ja, ra = np.vstack([J, np.diag(np.sqrt(lam))]), np.concatenate([r, np.sqrt(lam) * w])
    cosines = np.abs(Ja.T @ ra) / (np.linalg.norm(Ja, axis=0) * np.linalg.norm(ra))
    assert gradient_cosine(J, r, w, lam) == pytest.approx(cosines.max(), rel=1e-14)
    assert gradient_cosine(1e9 * J, 1e9 * r, w, 1e18 * lam) == pytest.approx(cosines.max())
    assert gradient_cosine(J, np.zeros(8), w) == 0.0  # a zero residual is a minimum
    # a zero column (a coordinate Φ does not depend on) is skipped, not divided by
    J[:, 1] = 0.0
    assert np.isfinite(gradient_cosine(J, r, w))


def test_a_zero_residual_is_converged_exactly():
    res = inverse.levenberg_marquardt(lambda w: w - 2.0, lambda w: np.eye(2), np.full(2, 2.0))
    assert res.converged and res.reason == "gradient" and res.iterations == 0
    assert "r = 0 exactly" in res.message


@pytest.mark.slow
def test_a_network_fit_to_data_of_size_1e_7_reaches_the_noise_level():
    # Data of size 1e-7 from weights of size 1: the fit must bring the output down by 10⁷
    X, d = data.make_sine(40, noise=0.1, seed=0)
    Wh, wo = network.init_weights(1, 4, seed=0)
    unit = inverse.fit_levenberg_marquardt(X, d, Wh, wo, max_iter=3000)
    tiny = inverse.fit_levenberg_marquardt(X, 1e-7 * d, Wh, wo, max_iter=3000)
    assert unit.converged, unit.message

    def misfit(fit, dd):
        return np.linalg.norm(network.predict(X, fit.Wh, fit.wo) - dd) / np.linalg.norm(dd)

    # the minimum's relative misfit is the noise's (σ/rms(sin) ≈ 0.14); a zero output gives 1
    assert misfit(tiny, 1e-7 * d) < 1.1 * misfit(unit, d)
    assert (
        not tiny.converged
        or gradient_cosine(
            *inverse.residual_and_jacobian(X, 1e-7 * d, tiny.Wh, tiny.wo)[::-1], tiny.w
        )
        < 1e-3
    )


@pytest.mark.slow
def test_marquardt_is_invariant_to_the_scale_of_the_output_weights():
    # y = H̄ w̄ᵒ: scaling the data and w̄ᵒ by 1e-7 scales r by 1e-7 and the w̄ᵒ columns of J not
    # at all, a non-uniform change of units that D = diag(JᵀJ) absorbs
    X, d = data.make_sine(40, noise=0.1, seed=0)
    Wh, wo = network.init_weights(1, 4, seed=0)
    unit = inverse.fit_levenberg_marquardt(X, d, Wh, wo, damping="marquardt", max_iter=3000)
    tiny = inverse.fit_levenberg_marquardt(
        X, 1e-7 * d, Wh, 1e-7 * wo, damping="marquardt", max_iter=3000
    )
    assert unit.converged and tiny.converged and tiny.reason == unit.reason
    # both stop in the same flat valley, after thousands of steps whose rounding differs:
    # the same objective (up to the factor 1e-14) to far better than ftol
    assert tiny.loss == pytest.approx(1e-14 * unit.loss, rel=1e-7)
    assert abs(tiny.iterations - unit.iterations) < 0.01 * unit.iterations


# ---------------------------------------------------------------------------------------------
# Non-finite trial points


def walled(bound):
    """``r(w) = [w₀ − 3, w₁ − 1]``, minimum at (3, 1), NaN where ``w₀ > bound``."""

    def residual(w):
        return np.array([w[0] - 3, w[1] - 1]) if w[0] <= bound else np.full(2, np.nan)

    def jacobian(w):
        return np.eye(2) if w[0] <= bound else np.full((2, 2), np.nan)

    return residual, jacobian


@pytest.mark.parametrize("damping", ["levenberg", "marquardt"])
def test_a_wall_of_nan_before_the_minimum_is_never_converged(damping):
    res = inverse.levenberg_marquardt(*walled(2.0), np.zeros(2), damping=damping)
    assert not res.converged and res.reason == "non-finite trials", res.message
    assert res.w[0] <= 2.0 and res.w[0] == pytest.approx(2.0)
    assert "non-finite r or J" in res.message and "not into a minimum" in res.message
    gn = inverse.gauss_newton(*walled(2.0), np.zeros(2))
    assert not gn.converged and gn.w[0] <= 2.0


def test_every_stall_rule_waits_for_the_damping_at_the_wall():
    # the step and loss rules at loose tolerances would fire on the shrinking steps at the wall
    res = inverse.levenberg_marquardt(*walled(2.0), np.zeros(2), xtol=1e-3, ftol=1e-3)
    assert not res.converged and res.reason == "non-finite trials"


def test_a_minimum_behind_nan_trial_points_is_found():
    # r = [e^(w₀−3) − 1, w₁ − 1] from w₀ = −3: the Gauss–Newton step lands near w₀ ≈ 400,
    # where r is NaN (beyond w₀ = 4); the failed steps raise the damping until one lands inside
    tried = []

    def residual(w):
        tried.append(w[0])
        return np.array([np.expm1(w[0] - 3), w[1] - 1]) if w[0] <= 4 else np.full(2, np.nan)

    def jacobian(w):
        return np.diag([np.exp(w[0] - 3), 1.0])

    res = inverse.levenberg_marquardt(residual, jacobian, np.array([-3.0, 0.0]), mu0=1e-12)
    assert max(tried) > 4
    assert res.converged, res.message
    np.testing.assert_allclose(res.w, [3.0, 1.0], rtol=1e-8)


def test_a_jacobian_that_is_not_finite_at_the_trial_point_fails_the_step():
    # r is finite everywhere, J only where w₀ ≤ 2: the steps beyond fail, and the run says so
    def jacobian(w):
        return np.eye(2) if w[0] <= 2 else np.full((2, 2), np.inf)

    res = inverse.levenberg_marquardt(
        lambda w: np.array([w[0] - 3, w[1] - 1]), jacobian, np.zeros(2)
    )
    assert not res.converged and res.reason == "non-finite trials"
    assert res.w[0] <= 2.0


def test_a_not_finite_start_is_refused_in_words():
    with pytest.raises(ValueError, match=r"r\(w̄₀\) contains NaN"):
        inverse.levenberg_marquardt(*walled(2.0), np.array([2.5, 0.0]))


def test_each_stop_is_stated_in_a_sentence():
    A = np.random.default_rng(1).normal(size=(10, 3))
    d = np.ones(10)
    res = inverse.levenberg_marquardt(lambda w: A @ w - d, lambda w: A, np.zeros(3), max_iter=1)
    assert res.reason == "max_iter" and res.message.startswith("not converged: max_iter = 1")
    res = inverse.levenberg_marquardt(lambda w: A @ w - d, lambda w: A, np.zeros(3))
    assert res.converged and res.message.startswith("converged")
