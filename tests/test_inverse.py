"""Tests of lecturekit.inverse: Gauss–Newton, Levenberg–Marquardt, choice of λ, linearised bands."""

from __future__ import annotations

import warnings
from statistics import NormalDist

import numpy as np
import pytest
import sympy as sp
from scipy import stats

from lecturekit import inverse, symbolic
from lecturekit.checks import fd_jacobian
from lecturekit.data import make_sine
from lecturekit.jacobians import dy_dw
from lecturekit.network import init_weights, predict


def linear_problem(m=30, P=4, seed=3, noise=0.1):
    """A seeded linear least-squares problem r(w) = A w − d."""
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(m, P))
    d = A @ rng.normal(size=P) + noise * rng.normal(size=m)
    return A, d


@pytest.fixture(scope="module")
def sine():
    X, d = make_sine(30, noise=0.1, seed=4)
    Wh, wo = init_weights(1, 4, seed=2)
    return X, d, Wh, wo


# ---------------------------------------------------------------------------------------------
# Weights, residual and Jacobian


def test_pack_unpack_round_trip_and_order_of_dy_dw(sine):
    X, d, Wh, wo = sine
    w = inverse.pack_weights(Wh, wo)
    assert w.shape == (Wh.size + wo.size,)
    Wh2, wo2 = inverse.unpack_weights(w, *Wh.shape)
    np.testing.assert_array_equal(Wh2, Wh)
    np.testing.assert_array_equal(wo2, wo)
    # column-major: entry j·n̄ + k of w̄ is W̄ʰ[k, j]
    assert w[1 * Wh.shape[0] + 1] == Wh[1, 1]
    r, J = inverse.residual_and_jacobian(X, d, Wh, wo)
    np.testing.assert_allclose(r, predict(X, Wh, wo) - d)
    np.testing.assert_allclose(J, dy_dw(X, Wh, wo), rtol=1e-13, atol=1e-14)


def test_jacobian_matches_complex_step(sine):
    X, d, Wh, wo = sine
    nbar, p = Wh.shape

    def residual(w):
        Wh_, wo_ = w[: nbar * p].reshape((nbar, p), order="F"), w[nbar * p :]
        return predict(X, Wh_, wo_) - d

    w = inverse.pack_weights(Wh, wo)
    _, J = inverse.residual_and_jacobian(X, d, Wh, wo)
    np.testing.assert_allclose(J, fd_jacobian(residual, w, method="complex"), atol=1e-12)


def test_gradient_and_gauss_newton_hessian_symbolically():
    # ∇ℓ = Jᵀr and ∇²ℓ = JᵀJ + Σ rᵢ ∇²yᵢ exactly, and J matches residual_and_jacobian
    sym = symbolic.network_symbols(2, 1, 1)
    y = symbolic.output(sym, "tanh", "identity")
    w = sp.Matrix.vstack(symbolic.vec(sym.Wh), sym.wo)
    dsym = sp.Matrix(sp.symbols("d_1 d_2", real=True))
    r = y - dsym
    loss = (r.T * r)[0] / 2
    J = r.jacobian(w)
    second = sum((r[i] * sp.hessian(y[i], w) for i in range(2)), sp.zeros(4, 4))
    assert sp.simplify(sp.Matrix([loss]).jacobian(w).T - J.T * r) == sp.zeros(4, 1)
    assert sp.simplify(sp.hessian(loss, w) - J.T * J - second) == sp.zeros(4, 4)
    X = np.array([[0.3], [-1.2]])
    Wh = np.array([[0.1], [0.7]])
    wo = np.array([-0.2, 1.5])
    d = np.array([0.4, -0.3])
    values = dict(
        zip(
            list(sym.Xbar[:, 1]) + list(w) + list(dsym), [*X[:, 0], *Wh[:, 0], *wo, *d], strict=True
        )
    )
    r_num, J_num = inverse.residual_and_jacobian(X, d, Wh, wo)
    np.testing.assert_allclose(J_num, np.array(J.subs(values), dtype=float), rtol=1e-13)
    np.testing.assert_allclose(r_num, np.array(r.subs(values), dtype=float)[:, 0], rtol=1e-13)


# ---------------------------------------------------------------------------------------------
# Gauss–Newton and Levenberg–Marquardt


@pytest.mark.parametrize("lam", [0.0, 0.5])
def test_one_gauss_newton_step_solves_the_normal_equations(lam):
    A, d = linear_problem()
    P = A.shape[1]
    w0 = np.random.default_rng(0).normal(size=P) * 10  # far from the answer on purpose
    res = inverse.gauss_newton(
        lambda w: A @ w - d, lambda w: A, w0, lam, line_search=False, max_iter=1
    )
    normal = np.linalg.solve(A.T @ A + lam * np.eye(P), A.T @ d)
    assert res.iterations == 1
    np.testing.assert_allclose(res.w, normal, rtol=1e-11, atol=1e-12)
    # the objective is the documented one
    expected = 0.5 * np.sum((A @ normal - d) ** 2) + 0.5 * lam * normal @ normal
    assert res.loss == pytest.approx(expected, rel=1e-12)


def test_line_search_accepts_the_full_step_on_a_linear_problem():
    A, d = linear_problem(seed=5)
    res = inverse.gauss_newton(lambda w: A @ w - d, lambda w: A, np.zeros(4), max_iter=1)
    np.testing.assert_allclose(res.w, np.linalg.lstsq(A, d, rcond=None)[0], rtol=1e-11)


@pytest.mark.parametrize("damping", ["levenberg", "marquardt"])
@pytest.mark.parametrize("lam", [0.0, 0.3])
def test_levenberg_marquardt_converges_to_the_normal_equations(damping, lam):
    A, d = linear_problem(seed=6)
    P = A.shape[1]
    res = inverse.levenberg_marquardt(
        lambda w: A @ w - d, lambda w: A, np.ones(P), lam, damping=damping, gtol=1e-12
    )
    assert res.converged, res.reason
    np.testing.assert_allclose(res.w, np.linalg.solve(A.T @ A + lam * np.eye(P), A.T @ d))
    # damping makes the first steps shorter than Gauss–Newton's, so it takes more than one
    assert res.iterations > 1


def test_lm_with_vanishing_damping_takes_the_gauss_newton_step():
    A, d = linear_problem(seed=7)
    res = inverse.levenberg_marquardt(
        lambda w: A @ w - d, lambda w: A, np.zeros(4), mu0=1e-14, max_iter=1
    )
    np.testing.assert_allclose(res.w, np.linalg.lstsq(A, d, rcond=None)[0], rtol=1e-9)


@pytest.mark.parametrize("lam", [0.0, 1e-2])
def test_lm_decreases_the_network_loss_monotonically(sine, lam):
    X, d, Wh, wo = sine
    fit = inverse.fit_levenberg_marquardt(X, d, Wh, wo, lam=lam, max_iter=150)
    assert np.all(np.diff(fit.history) <= 0)
    assert fit.history[-1] < 0.05 * fit.history[0]
    assert fit.history.shape == fit.times.shape == (fit.iterations + 1,)
    assert np.all(np.diff(fit.times) >= 0)
    # the reported loss is the objective at the returned weights
    r = predict(X, fit.Wh, fit.wo) - d
    assert fit.loss == pytest.approx(0.5 * r @ r + 0.5 * lam * fit.w @ fit.w, rel=1e-12)
    np.testing.assert_array_equal(inverse.pack_weights(fit.Wh, fit.wo), fit.w)


def test_lm_stops_at_a_stationary_point_of_the_regularised_objective(sine):
    X, d, Wh, wo = sine
    lam = 1e-2
    fit = inverse.fit_levenberg_marquardt(X, d, Wh, wo, lam=lam, gtol=1e-7, max_iter=2000)
    assert fit.converged and fit.reason in ("gradient", "step", "loss")
    r, J = inverse.residual_and_jacobian(X, d, fit.Wh, fit.wo)
    grad = J.T @ r + lam * fit.w
    # ftol stops before gtol when progress stalls; either way the gradient is small
    assert np.max(np.abs(grad)) < 1e-3 * np.max(np.abs(J.T @ (predict(X, Wh, wo) - d)))


def test_target_loss_stops_early(sine):
    X, d, Wh, wo = sine
    full = inverse.fit_levenberg_marquardt(X, d, Wh, wo, max_iter=100)
    target = 2 * full.loss
    early = inverse.fit_levenberg_marquardt(X, d, Wh, wo, target_loss=target)
    assert early.reason == "target" and early.loss <= target
    assert early.history[-2] > target  # it stopped at the first iterate below the target
    k, t = inverse.first_reach(full.history, full.times, target)
    assert k == early.iterations
    assert t == full.times[k]


def test_pure_gauss_newton_stalls_where_truncation_and_damping_work(sine):
    X, d, Wh, wo = sine
    pure = inverse.fit_gauss_newton(X, d, Wh, wo, max_iter=30)
    tsvd = inverse.fit_gauss_newton(X, d, Wh, wo, rcond=1e-4, max_iter=30)
    lm = inverse.fit_levenberg_marquardt(X, d, Wh, wo, max_iter=30)
    assert tsvd.loss < 0.5 * pure.loss
    assert lm.loss < 0.5 * pure.loss
    assert np.all(np.diff(tsvd.history) <= 0)  # the line search only accepts decreases


# ---------------------------------------------------------------------------------------------
# Choice of λ


def ridge_norms(A, d, lams):
    """Closed-form Tikhonov solutions of the linear problem: residual and solution norms."""
    P = A.shape[1]
    ws = [np.linalg.solve(A.T @ A + lam * np.eye(P), A.T @ d) for lam in lams]
    return (
        np.array([np.linalg.norm(A @ w - d) for w in ws]),
        np.array([np.linalg.norm(w) for w in ws]),
    )


def test_discrepancy_principle_matches_the_noise_level():
    m, sigma = 60, 0.05
    A, d = smoothing_problem(m, sigma)
    lams = np.logspace(-8, 1, 400)
    rho, _ = ridge_norms(A, d, lams)
    k = inverse.discrepancy_principle(lams, rho, sigma, m)
    level = sigma * np.sqrt(m)
    assert rho[k] <= level < rho[k + 1]  # the largest λ that does not exceed the level
    assert rho[k] == pytest.approx(level, rel=0.02)  # and on a fine grid it matches it
    # τ > 1 allows a larger residual, hence a larger λ
    assert inverse.discrepancy_principle(lams, rho, sigma, m, tau=1.5) > k


def test_discrepancy_on_the_network_path(sine):
    X, d, Wh, wo = sine
    lams = np.logspace(-4, 1, 6)
    path = inverse.tikhonov_path(X, d, Wh, wo, lams, max_iter=150)
    assert np.all(np.diff(path.lams) > 0)
    k = inverse.discrepancy_principle(path.lams, path.residual_norms, 0.1, X.shape[0])
    level = 0.1 * np.sqrt(X.shape[0])
    assert path.residual_norms[k] <= level
    assert k == path.lams.size - 1 or path.residual_norms[k + 1] > level
    # more regularisation: larger residual, smaller weights (up to optimiser tolerance)
    assert path.residual_norms[-1] > path.residual_norms[0]
    assert path.weight_norms[-1] < path.weight_norms[0]
    Xv, dv = make_sine(30, noise=0.1, seed=99)
    errs = inverse.holdout_errors(path, Xv, dv)
    manual = [np.mean((predict(Xv, ft.Wh, ft.wo) - dv) ** 2) for ft in path.fits]
    np.testing.assert_allclose(errs, manual)


def test_discrepancy_refuses_an_unreachable_level():
    with pytest.raises(ValueError, match="discrepancy level"):
        inverse.discrepancy_principle([0.1, 1.0], [5.0, 6.0], noise_std=0.1, m=10)


def test_l_curve_curvature_of_a_known_curve():
    # x = log ρ = t, y = log η = (t − c)²: κ(t) = 2 / (1 + 4(t − c)²)^{3/2}, maximal at t = c
    c = 0.4
    t = np.sort(np.random.default_rng(1).uniform(-3, 3, 300))
    kappa = inverse.l_curve_curvature(np.exp(t), np.exp(t), np.exp((t - c) ** 2))
    exact = 2 / (1 + 4 * (t - c) ** 2) ** 1.5
    np.testing.assert_allclose(kappa[2:-2], exact[2:-2], atol=2e-2)
    k = inverse.l_curve_corner(np.exp(t), np.exp(t), np.exp((t - c) ** 2))
    assert abs(t[k] - c) < 0.05


def smoothing_problem(m=60, sigma=0.05, seed=11):
    """A discrete ill-posed problem: Gaussian blur of a sine, plus noise of known σ."""
    t = np.linspace(0, 1, m)
    A = np.exp(-((t[:, None] - t[None, :]) ** 2) / 0.02) / m * 10
    d = A @ np.sin(2 * np.pi * t) + sigma * np.random.default_rng(seed).normal(size=m)
    return A, d


def test_l_curve_corner_of_a_linear_tikhonov_problem():
    A, d = smoothing_problem()
    lams = np.logspace(-12, 2, 300)
    rho, eta = ridge_norms(A, d, lams)
    k = inverse.l_curve_corner(lams, rho, eta)
    # the corner is the elbow of the "L": the residual is still near its least-squares value,
    # and the solution norm has come down to the level of the flat leg
    assert rho[k] <= 1.1 * rho.min()
    assert eta[k] <= 1.1 * eta[rho <= 1.25 * rho.min()].min()
    # with the end points the legs: both change by orders of magnitude along the curve
    assert eta[0] / eta[k] > 100 and rho[-1] / rho[k] > 10


def test_discrepancy_stop():
    rho = np.array([5.0, 3.0, 1.2, 0.9, 0.5])
    assert inverse.discrepancy_stop(rho, noise_std=0.1, m=100) == 3
    assert inverse.discrepancy_stop(rho, noise_std=0.01, m=100) is None


def test_early_stopping_records_the_path_and_both_stopping_rules():
    X, d = make_sine(20, noise=0.2, seed=5)
    Xv, dv = make_sine(50, noise=0.2, seed=6)
    Wh, wo = init_weights(1, 4, seed=7)
    # σ = 0.3 (larger than the true 0.2) so that 300 slow GD epochs reach the level
    es = inverse.early_stopping(X, d, Wh, wo, Xv, dv, lr=0.3, epochs=300, noise_std=0.3)
    assert es.train_loss.shape == es.val_errors.shape == es.weight_norms.shape == (301,)
    # the recorded training loss is train.fit's objective (mean loss, no decay) times m
    np.testing.assert_allclose(es.train_loss, 20 * es.result.history, rtol=1e-12)
    assert es.best_epoch == int(np.argmin(es.val_errors))
    assert np.mean((predict(Xv, es.Wh, es.wo) - dv) ** 2) == pytest.approx(
        es.val_errors[es.best_epoch], rel=1e-12
    )
    level = 0.3 * np.sqrt(20)
    k = es.discrepancy_epoch
    assert k is not None and es.residual_norms[k] <= level < es.residual_norms[k - 1]
    assert np.linalg.norm(predict(X, es.Wh_discrepancy, es.wo_discrepancy) - d) == pytest.approx(
        es.residual_norms[k], rel=1e-12
    )
    assert es.weight_norms[0] == pytest.approx(np.linalg.norm(inverse.pack_weights(Wh, wo)))
    without = inverse.early_stopping(X, d, Wh, wo, Xv, dv, lr=0.1, epochs=5)
    assert without.discrepancy_epoch is None and without.Wh_discrepancy is None
    with pytest.raises(ValueError, match=r"d_val must be a vector of length m = 50"):
        inverse.early_stopping(X, d, Wh, wo, Xv, dv[:10], epochs=5)


# ---------------------------------------------------------------------------------------------
# Confidence bands


def test_band_equals_the_closed_form_straight_line_band():
    # y = a + b x by least squares: se(ŷ₀) = σ̂ sqrt(1/m + (x₀ − x̄)² / Sxx), σ̂² = RSS / (m − 2)
    rng = np.random.default_rng(21)
    m = 25
    x = rng.uniform(0, 3, m)
    d = 0.5 + 2 * x + 0.3 * rng.normal(size=m)
    J = np.column_stack([np.ones(m), x])
    res = inverse.gauss_newton(lambda w: J @ w - d, lambda w: J, np.zeros(2), max_iter=1)
    r = J @ res.w - d
    cov = inverse.linearised_covariance(J, r)
    x0 = np.array([-1.0, 0.0, 1.5, 3.0, 6.0])
    Jx = np.column_stack([np.ones_like(x0), x0])
    half = inverse.band_half_width(Jx, cov, level=0.95)  # σ estimated: Student's t, m − 2
    sigma_hat = np.sqrt(np.sum(r**2) / (m - 2))
    sxx = np.sum((x - x.mean()) ** 2)
    t_q = stats.t.ppf(0.975, m - 2)
    closed = t_q * sigma_hat * np.sqrt(1 / m + (x0 - x.mean()) ** 2 / sxx)
    np.testing.assert_allclose(half, closed, rtol=1e-10)
    assert cov.dof == pytest.approx(m - 2) and cov.estimated and cov.rank == 2
    # the same through dof=, and a bare matrix without dof is read as "σ known" (normal z)
    np.testing.assert_allclose(inverse.band_half_width(Jx, cov.cov, dof=m - 2), closed, rtol=1e-12)
    np.testing.assert_allclose(
        inverse.band_half_width(Jx, cov.cov), closed * NormalDist().inv_cdf(0.975) / t_q
    )
    # with σ known the band scales with it, and other levels use their own z
    known = inverse.linearised_covariance(J, r, sigma=0.3)
    z90 = NormalDist().inv_cdf(0.95)
    np.testing.assert_allclose(
        inverse.band_half_width(Jx, known, level=0.9),
        z90 * 0.3 * np.sqrt(1 / m + (x0 - x.mean()) ** 2 / sxx),
        rtol=1e-10,
    )


def test_ridge_degrees_of_freedom_match_the_svd_formula():
    # tr T_λ = Σ s²/(s² + λ) for T_λ = J (JᵀJ + λI)⁻¹ Jᵀ
    A, d = linear_problem(m=20, P=6, seed=9)
    lam = 0.7
    s = np.linalg.svd(A, compute_uv=False)
    w = np.linalg.solve(A.T @ A + lam * np.eye(6), A.T @ d)
    cov = inverse.linearised_covariance(A, A @ w - d, lam=lam)
    dof = 20 - np.sum(s**2 / (s**2 + lam))
    assert cov.dof == pytest.approx(dof, rel=1e-12)
    assert cov.sigma2 == pytest.approx(np.sum((A @ w - d) ** 2) / dof, rel=1e-12)
    np.testing.assert_allclose(cov.cov, cov.sigma2 * np.linalg.inv(A.T @ A + lam * np.eye(6)))


def test_network_band_is_the_linear_band_of_its_jacobian(sine):
    X, d, Wh, wo = sine
    fit = inverse.fit_levenberg_marquardt(X, d, Wh, wo, lam=1e-2, max_iter=200)
    Xn = np.linspace(-1, 7, 9)[:, None]
    band = inverse.confidence_band(X, d, fit.Wh, fit.wo, Xn, lam=1e-2)
    J, Jx = dy_dw(X, fit.Wh, fit.wo), dy_dw(Xn, fit.Wh, fit.wo)
    r = predict(X, fit.Wh, fit.wo) - d
    M = J.T @ J + 1e-2 * np.eye(J.shape[1])
    dof = X.shape[0] - np.trace(J @ np.linalg.solve(M, J.T))
    var = np.sum(r**2) / dof * np.einsum("ij,ij->i", Jx, np.linalg.solve(M, Jx.T).T)
    q = stats.t.ppf(0.975, dof)  # σ estimated from the residuals: t on m − tr T_λ
    assert band.covariance.dof == pytest.approx(dof, rel=1e-9)
    np.testing.assert_allclose(band.half_width, q * np.sqrt(var), rtol=1e-6)
    # a given σ uses the normal quantile
    known = inverse.confidence_band(X, d, fit.Wh, fit.wo, Xn, lam=1e-2, sigma=0.1)
    var_known = 0.01 * np.einsum("ij,ij->i", Jx, np.linalg.solve(M, Jx.T).T)
    np.testing.assert_allclose(known.half_width, 1.959963984540054 * np.sqrt(var_known), rtol=1e-6)
    np.testing.assert_allclose(band.y, predict(Xn, fit.Wh, fit.wo))
    np.testing.assert_allclose(band.upper - band.lower, 2 * band.half_width)
    # farther from the data the band widens
    assert band.half_width[0] > band.half_width[4] and band.half_width[-1] > band.half_width[4]


@pytest.mark.slow
def test_coverage_simulation_is_near_nominal_inside_the_data():
    # At level 1/2 a band too wide and one too narrow both show: coverage has room on either
    # side. Each point's coverage is a mean of n_rep independent hits, so its standard error
    # is at most sqrt(level(1 − level)/n_rep), and so is that of the mean over the points.
    level, n_rep = 0.5, 40
    Wh, wo = init_weights(1, 4, seed=2)
    cov = inverse.coverage_simulation(
        lambda s: make_sine(40, 0.1, seed=s),
        lambda X: np.sin(X[:, 0]),
        Wh,
        wo,
        np.array([[1.0], [3.0], [5.0]]),
        n_rep=n_rep,
        lam=1e-3,
        max_iter=200,
        level=level,
    )
    assert cov.hits.shape == (n_rep, 3) and cov.half_widths.shape == (n_rep, 3)
    np.testing.assert_allclose(cov.coverage, cov.hits.mean(axis=0))
    tol = NormalDist().inv_cdf(1 - 0.0005) * np.sqrt(level * (1 - level) / n_rep)  # 2-sided 0.1 %
    assert abs(cov.coverage.mean() - level) <= tol, (cov.coverage, tol)
    assert np.all(cov.half_widths > 0)


# ---------------------------------------------------------------------------------------------
# Errors that teach


def test_bad_shapes_and_values_are_refused(sine):
    X, d, Wh, wo = sine
    with pytest.raises(ValueError, match=r"d must be a vector of length m = 30"):
        inverse.fit_levenberg_marquardt(X, d[:-1], Wh, wo)
    with pytest.raises(ValueError, match="NaN"):
        inverse.fit_levenberg_marquardt(X, np.where(np.arange(30) == 3, np.nan, d), Wh, wo)
    with pytest.raises(ValueError, match="W̄ʰ"):
        inverse.fit_levenberg_marquardt(X, d, Wh[:1], wo)
    with pytest.raises(ValueError, match="λ must be ≥ 0"):
        inverse.fit_levenberg_marquardt(X, d, Wh, wo, lam=-1.0)
    with pytest.raises(ValueError, match="damping"):
        inverse.fit_levenberg_marquardt(X, d, Wh, wo, damping="newton")
    A, dd = linear_problem()
    with pytest.raises(ValueError, match=r"J = D_w̄ r must be m×P = 30×4"):
        inverse.levenberg_marquardt(lambda w: A @ w - dd, lambda w: A.T, np.zeros(4))
    with pytest.raises(ValueError, match="NaN"):
        inverse.gauss_newton(lambda w: A @ w - dd, lambda w: A, np.array([0, np.nan, 0, 0]))
    with pytest.raises(ValueError, match=r"w̄ must have length"):
        inverse.unpack_weights(np.zeros(5), 2, 4)
    with pytest.raises(ValueError, match=r"Cov must be P×P = 2×2"):
        inverse.band_half_width(np.ones((3, 2)), np.eye(3))
    with pytest.raises(ValueError, match="level"):
        inverse.band_half_width(np.ones((3, 2)), np.eye(2), level=1.0)
    with pytest.raises(ValueError, match=r"r must have length m = 3"):
        inverse.linearised_covariance(np.ones((3, 2)), np.ones(4))
    with pytest.raises(ValueError, match="cannot estimate σ²"):
        inverse.linearised_covariance(np.eye(3), np.ones(3))
    with pytest.raises(ValueError, match="strictly increasing"):
        inverse.l_curve_curvature([1.0, 0.5, 2.0], [1, 2, 3], [3, 2, 1])
    with pytest.raises(ValueError, match="σ must be > 0"):
        inverse.discrepancy_principle([1.0], [1.0], noise_std=0.0, m=3)
    with pytest.raises(ValueError, match="n_rep"):
        inverse.coverage_simulation(None, np.sin, Wh, wo, X, n_rep=0)
    with pytest.raises(ValueError, match="times must match history"):
        inverse.first_reach([1.0, 0.5], [0.0], 0.7)
    with pytest.raises(ValueError, match="dof"):
        inverse.band_half_width(np.ones((3, 2)), np.eye(2), dof=0.0)


@pytest.mark.parametrize("solver", [inverse.levenberg_marquardt, inverse.gauss_newton])
@pytest.mark.parametrize(
    "option, match",
    [
        (dict(max_iter=-3), "max_iter must be at least 1; got -3"),
        (dict(max_iter=0.5), "max_iter must be an integer; got 0.5"),
        (dict(max_iter="10"), "max_iter must be an integer; got '10'"),
        (dict(max_iter=True), "max_iter must be an integer; got True"),
        (dict(gtol=np.nan), "gtol must be finite"),
        (dict(xtol=-1.0), "xtol must be ≥ 0"),
        (dict(target_loss="low"), "target_loss must be a real number"),
    ],
)
def test_solver_options_are_checked(solver, option, match):
    A, d = linear_problem()
    with pytest.raises(ValueError, match=match):
        solver(lambda w: A @ w - d, lambda w: A, np.zeros(4), **option)


def test_lm_checks_ftol():
    A, d = linear_problem()
    with pytest.raises(ValueError, match="ftol must be ≥ 0"):
        inverse.levenberg_marquardt(lambda w: A @ w - d, lambda w: A, np.zeros(4), ftol=-1e-8)


@pytest.mark.parametrize("solver", [inverse.levenberg_marquardt, inverse.gauss_newton])
def test_an_overflowing_start_is_refused_not_converged(solver):
    A, d = linear_problem()
    with pytest.raises(ValueError, match=r"Φ_λ\(w̄₀\) .* overflows at the starting point"):
        solver(lambda w: A @ w - d, lambda w: A, np.full(4, 1e200))
    # a large start whose objective is finite converges to the least-squares solution
    w_ls = np.linalg.lstsq(A, d, rcond=None)[0]
    res = solver(lambda w: A @ w - d, lambda w: A, np.full(4, 1e150))
    assert res.converged and np.isfinite(res.loss)
    np.testing.assert_allclose(res.w, w_ls, rtol=1e-8)


@pytest.mark.parametrize("solver", [inverse.levenberg_marquardt, inverse.gauss_newton])
def test_a_step_that_overflows_is_never_converged(solver):
    # r(w) = a w + b with a = 1e-156, b = 1e153 from w = 0: Φ = b²/2 and the gradient a b =
    # 1e-3 are finite, but the Gauss–Newton step −b/a = −1e309 is not (for LM, with a
    # damping μ₀ = 1e-320 far below a² = 1e-312, the step is the same)
    options = dict(mu0=1e-320) if solver is inverse.levenberg_marquardt else {}
    with pytest.warns(RuntimeWarning, match="the step δ is not finite"):
        res = solver(
            lambda w: 1e-156 * w + 1e153, lambda w: np.array([[1e-156]]), np.zeros(1), **options
        )
    assert not res.converged and res.reason == "not finite"
    assert res.w[0] == 0.0 and res.loss == pytest.approx(0.5e306)


def test_lm_rejects_a_trial_point_where_the_residual_overflows():
    # r(w) = exp(w) − 1 overflows beyond w ≈ 709: such trial steps count as failures
    tried = []

    def residual(w):
        tried.append(float(w[0]))
        with np.errstate(over="ignore"):
            return np.exp(w) - 1.0

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = inverse.levenberg_marquardt(
            residual, lambda w: np.diag(np.exp(w)), np.array([-7.0]), mu0=1e-30
        )
    assert max(tried) > 710  # the first trial step (≈ e⁷) lands where r overflows
    assert res.converged and abs(res.w[0]) < 1e-6


def test_lm_memory_is_refused_before_any_jacobian_is_formed():
    # P = 200 001 weights: the damping block diag(√(μD)) alone is P×P, 298 GiB
    formed = []
    with pytest.raises(MemoryError, match=r"diag\(√\(μD\)\) \(200001×200001, 298\.\d+ GiB\)"):
        inverse.levenberg_marquardt(lambda w: w[:3], lambda w: formed.append(1), np.zeros(200_001))
    assert formed == []


@pytest.mark.parametrize("m, n, p", [(40, 1, 100_000), (4000, 2000, 2000)])
def test_network_fits_refuse_sizes_beyond_memory_before_the_forward_pass(m, n, p):
    # wide (P×P blocks of 670 GiB) and tall (J of 119 GiB); the inputs are at most 61 MiB
    from lecturekit.jacobians import JacobianTooLarge

    X, d = np.zeros((m, n)), np.zeros(m)
    Wh, wo = np.zeros((n + 1, p)), np.zeros(p + 1)
    for fit in (inverse.fit_levenberg_marquardt, inverse.fit_gauss_newton):
        with pytest.raises(JacobianTooLarge, match="above the limit of 1.00 GiB") as err:
            fit(X, d, Wh, wo, lam=1e-3)
        assert "lecturekit.train.fit" in str(err.value)


@pytest.mark.slow
def test_the_tikhonov_path_runs_every_fit_to_a_stationary_point(sine):
    # Without options the path switches off the stop on a slow decrease of the loss and gives
    # each fit room to reach its gradient or step test: every point is a converged fit.
    X, d, Wh, wo = sine
    lams = np.logspace(-4, 1, 6)
    path = inverse.tikhonov_path(X, d, Wh, wo, lams)
    assert path.converged.all()
    for ft, lam in zip(path.fits, path.lams, strict=True):
        r, J = inverse.residual_and_jacobian(X, d, ft.Wh, ft.wo)
        assert np.abs(J.T @ r + lam * ft.w).max() < 1e-4
    # an iteration cap too small to converge is reported, not hidden
    capped = inverse.tikhonov_path(X, d, Wh, wo, lams, max_iter=2)
    assert not capped.converged.all()
