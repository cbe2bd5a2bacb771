"""lecturekit.pinn: input derivatives, loss gradients, solved problems and input errors."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from conftest import require_torch

from lecturekit.checks import fd_jacobian
from lecturekit.classical import (
    damped_oscillator,
    fit_oscillator,
    fit_oscillator_damping,
    residual_coefficients,
    smoothing_spline,
)
from lecturekit.pinn import PINN, fit_damping, relative_l2
from lecturekit.pinn_dual import Dual

H = 1e-4  # central-difference step for input derivatives (error O(h²) ≈ 1e-8)


def fd_input_derivatives(net, X, j):
    """u_j and u_jj along coordinate j by central differences of predict."""
    e = np.zeros(X.shape[1])
    e[j] = H
    up, u0, um = net.predict(X + e), net.predict(X), net.predict(X - e)
    return (up - um) / (2 * H), (up - 2 * u0 + um) / H**2


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "softplus"])
@pytest.mark.parametrize("layers", [[1, 5, 1], [1, 6, 4, 1], [1, 3, 3, 3, 1]])
def test_input_derivatives_match_finite_differences(layers, activation):
    net = PINN(layers, activation=activation, seed=3)
    x = np.linspace(-1.5, 1.5, 11)
    u, ux, uxx = net.derivatives(x)
    fx, fxx = fd_input_derivatives(net, x[:, None], 0)
    np.testing.assert_allclose(u, net.predict(x), rtol=0, atol=1e-14)
    np.testing.assert_allclose(ux, fx, rtol=0, atol=1e-7)
    np.testing.assert_allclose(uxx, fxx, rtol=0, atol=1e-5)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "softplus"])
def test_input_derivatives_two_inputs_match_finite_differences(activation):
    net = PINN([2, 7, 5, 1], activation=activation, seed=4)
    X = np.random.default_rng(0).uniform(-1, 1, (9, 2))
    u, du, d2u = net.derivatives(X)
    assert du.shape == d2u.shape == (9, 2)
    for j in range(2):
        fx, fxx = fd_input_derivatives(net, X, j)
        np.testing.assert_allclose(du[:, j], fx, atol=1e-7)
        np.testing.assert_allclose(d2u[:, j], fxx, atol=1e-5)


def test_input_derivatives_match_sympys_exact_derivatives_at_points():
    """The propagation rules equal sympy's exact derivatives, evaluated at points (numeric)."""
    net = PINN([1, 2, 2, 1], seed=5)
    x = sp.Symbol("x")
    h = sp.Matrix([[x]])
    Ws = net.Wbar
    for W in Ws[:-1]:
        a = sp.Matrix([[1, *h]]) * sp.Matrix(W)
        h = a.applyfunc(sp.tanh)
    u = (sp.Matrix([[1, *h]]) * sp.Matrix(Ws[-1]))[0]
    pts = [-0.7, 0.1, 1.3]
    exact = [[float(e.subs(x, v)) for v in pts] for e in (u, sp.diff(u, x), sp.diff(u, x, 2))]
    got = net.derivatives(np.array(pts))
    for g, e in zip(got, exact, strict=True):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-13)


def nonlinear_residual(x, u, ux, uxx, p):
    # Exercises every dual rule the loss gradient relies on, including u·uₓ and p·u².
    return uxx + p["mu"] * u * ux + np.sin(u) - p["k"] ** 2 * x / (1 + u**2) + np.exp(-ux) * 0.1


def test_loss_gradient_matches_finite_differences_1d():
    net = PINN([1, 6, 5, 1], seed=1)
    x = np.linspace(0, 1, 9)
    L = net.loss(
        nonlinear_residual,
        x,
        conditions=[(0.0, 0, 1.0), (0.0, 1, -0.5), ([0.3, 1.0], 0, [0.2, 0.1])],
        data=(x[::3], np.cos(x[::3])),
        params={"mu": 0.4, "k": 1.5},
        weights={"pde": 0.7, "bc": 2.0, "data": 1.3},
    )
    f, g = L(L.theta0)
    assert g.shape == L.theta0.shape
    g_fd = fd_jacobian(lambda t: L(t)[0], L.theta0)[0]
    np.testing.assert_allclose(g, g_fd, rtol=1e-6, atol=1e-8 * np.abs(g).max())
    terms = L.terms(L.theta0)
    assert set(terms) == {"pde", "bc", "data", "total"}
    assert np.isclose(terms["total"], 0.7 * terms["pde"] + 2 * terms["bc"] + 1.3 * terms["data"])
    assert np.isclose(f, terms["total"])


def test_loss_gradient_matches_finite_differences_sigmoid_2d():
    net = PINN([2, 4, 3, 1], activation="sigmoid", seed=2)
    X = np.random.default_rng(1).uniform(0, 1, (8, 2))
    L = net.loss(
        lambda X, u, du, d2u, p: du[:, 1] - p["kappa"] * d2u[:, 0] + u * du[:, 0] - d2u[:, 1],
        X,
        conditions=[(X[:3], 0, np.sin(X[:3, 0])), (X[3], 1, 0.2, 1), (X[4], 1, -0.1, 0)],
        params={"kappa": 0.3},
    )
    _, g = L(L.theta0)
    g_fd = fd_jacobian(lambda t: L(t)[0], L.theta0)[0]
    np.testing.assert_allclose(g, g_fd, rtol=1e-6, atol=1e-8 * np.abs(g).max())


def test_loss_gradient_matches_lecturekit_autodiff():
    """Independent check: the same loss built from autodiff Tensors, reverse mode by the tape."""
    ad = pytest.importorskip("lecturekit.autodiff")
    net = PINN([1, 5, 4, 1], seed=6)
    x = np.linspace(0, 1, 7)
    L = net.loss(lambda x, u, ux, uxx, p: uxx + p["c"] * ux + 3 * u - x, x, params={"c": 0.5})
    _, g = L(L.theta0)
    Ws = [ad.Tensor(W, requires_grad=True) for W in net.Wbar]
    c = ad.Tensor(np.array(0.5), requires_grad=True)
    Xc = ad.Tensor(x[:, None])
    A = Xc @ Ws[0][1:] + Ws[0][0:1]
    t = ad.tanh(A)
    d1 = 1 - t * t
    Aj = Ws[0][1:]
    h, hx, hxx = t, d1 * Aj, (-2 * t * d1) * (Aj * Aj)
    for W in Ws[1:-1]:
        A, Ax, Axx = h @ W[1:] + W[0:1], hx @ W[1:], hxx @ W[1:]
        t = ad.tanh(A)
        d1 = 1 - t * t
        h, hx, hxx = t, d1 * Ax, (-2 * t * d1) * (Ax * Ax) + d1 * Axx
    u, ux, uxx = h @ Ws[-1][1:] + Ws[-1][0:1], hx @ Ws[-1][1:], hxx @ Ws[-1][1:]
    r = uxx + c * ux + 3 * u - ad.Tensor(x[:, None])
    ad.mean(r * r).backward()
    g_ad = np.concatenate([W.grad.ravel(order="F") for W in Ws] + [np.atleast_1d(c.grad)])
    np.testing.assert_allclose(g, g_ad, rtol=1e-10, atol=1e-12)


@pytest.mark.slow
def test_loss_gradient_matches_torch_double_backward():
    torch = require_torch()
    net = PINN([1, 6, 6, 1], seed=7)
    x = np.linspace(0, 1, 10)
    L = net.loss(
        lambda x, u, ux, uxx, p: uxx + p["mu"] * ux + 9 * u,
        x,
        conditions=[(0.0, 0, 1.0), (0.0, 1, 0.0)],
        params={"mu": 1.0},
        weights={"pde": 0.01},
    )
    _, g = L(L.theta0)
    Ws = [torch.tensor(W, requires_grad=True) for W in net.Wbar]
    mu = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)

    def u_of(X):
        h = X
        for W in Ws[:-1]:
            h = torch.tanh(h @ W[1:] + W[0])
        return h @ Ws[-1][1:] + Ws[-1][0]

    X = torch.tensor(np.r_[x, 0.0][:, None], requires_grad=True)
    u = u_of(X)
    (ux,) = torch.autograd.grad(u.sum(), X, create_graph=True)
    (uxx,) = torch.autograd.grad(ux.sum(), X, create_graph=True)
    r = uxx[:-1] + mu * ux[:-1] + 9 * u[:-1]
    loss = 0.01 * (r**2).mean() + (u[-1] - 1) ** 2 + ux[-1] ** 2
    loss.sum().backward()
    g_t = np.concatenate([W.grad.numpy().ravel(order="F") for W in Ws] + [[mu.grad.item()]])
    np.testing.assert_allclose(g, g_t, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "fun",
    [
        lambda a, b: a * b + a / b - b**2,
        lambda a, b: np.sin(a) * np.cos(b) + np.tan(a / 3),
        lambda a, b: np.exp(a) - np.log(b) + np.sqrt(b) + np.tanh(a) * np.arctan(b),
        lambda a, b: np.sinh(a) + np.cosh(b) + abs(a) + np.square(b) + np.log1p(b),
        lambda a, b: a**b + 2.0**a - 1.0 / a + np.expm1(b) + np.cbrt(b) + np.reciprocal(b),
        lambda a, b: -a + (+b) - (3 - a) * (a > 0.5) + a[::-1] * b,
    ],
)
def test_dual_numbers_match_finite_differences(fun):
    a0 = np.array([0.7, 1.3, 0.4])
    b0 = np.array([1.1, 0.6, 2.0])
    a = Dual(a0, np.stack([np.ones(3), np.zeros(3)]))
    b = Dual(b0, np.stack([np.zeros(3), np.ones(3)]))
    out = fun(a, b)
    for k, (da, db) in enumerate([(H, 0), (0, H)]):
        fd = (fun(a0 + da, b0 + db) - fun(a0 - da, b0 - db)) / (2 * H)
        # The seeds are all-ones directions, so central differences along them compare.
        np.testing.assert_allclose(out.tangent[k], fd, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(out.value, fun(a0, b0), rtol=1e-15)


def test_dual_refuses_unsupported_operations():
    a = Dual(np.ones(3), np.ones((1, 3)))
    with pytest.raises(TypeError, match="arcsinh"):
        np.arcsinh(a)
    with pytest.raises(TypeError, match="element-wise"):
        np.asarray(a)


def poisson(n_points=32):
    return dict(
        residual=lambda x, u, ux, uxx, p: uxx + np.pi**2 * np.sin(np.pi * x),
        x_collocation=np.linspace(0, 1, n_points),
        conditions=[(0.0, 0, 0.0), (1.0, 0, 0.0)],
    )


@pytest.mark.slow
def test_poisson_converges_and_is_solved_to_1e_5():
    net = PINN([1, 16, 1], seed=0)
    net.fit(**poisson(), adam_steps=300, finish_steps=2000, progress=False)
    assert net.fit_info["converged"], net.fit_info
    x = np.linspace(0, 1, 501)
    err = relative_l2(net.predict(x), np.sin(np.pi * x))
    assert err <= 1e-5, err
    # The fitted derivatives satisfy the equation too, not just u.
    _, _, uxx = net.derivatives(x)
    assert relative_l2(uxx, -(np.pi**2) * np.sin(np.pi * x)) < 1e-3
    h = net.history
    assert set(h) == {"total", "pde", "bc", "time"}
    assert all(len(v) == len(h["total"]) for v in h.values())
    assert np.all(np.diff(h["time"]) >= 0)


def test_residual_vector_and_its_jacobian():
    """‖ρ‖² is the loss, 2Jᵀρ its gradient, and J matches finite differences of ρ."""
    net = PINN([1, 5, 4, 1], seed=2)
    xc = np.linspace(0, 1, 8)
    loss = net.loss(
        lambda x, u, ux, uxx, p: uxx + p["mu"] * u * ux + p["k"] * u,
        xc,
        conditions=[(0.0, 0, 1.0), (0.0, 1, 0.0), ([0.5, 0.7], 0, [1.0, 2.0])],
        data=(xc[::2], np.cos(xc[::2])),
        params={"mu": 0.5, "k": 2.0},
        weights={"pde": 0.3, "bc": 2.0, "data": 1.5},
    )
    theta = loss.theta0
    rho, J = loss.residuals(theta)
    L, g = loss(theta)
    assert rho.shape == (len(xc) + 4 + 4,) and J.shape == (rho.size, theta.size)
    assert np.isclose(rho @ rho, L, rtol=1e-14)
    np.testing.assert_allclose(2 * J.T @ rho, g, rtol=1e-12, atol=1e-14 * np.abs(g).max())
    J_fd = fd_jacobian(lambda th: loss.residuals(th, jacobian=False)[0], theta)
    np.testing.assert_allclose(J, J_fd, atol=1e-8 * np.abs(J).max())


def noisy_oscillator(sigma=0.04, seed=0, mu=4.0, k=400.0):
    rng = np.random.default_rng(seed)
    t_obs = np.sort(rng.uniform(0, 1, 40))
    return t_obs, damped_oscillator(t_obs, mu, k) + sigma * rng.normal(size=40)


@pytest.mark.slow
def test_damping_estimate_converges_and_agrees_with_classical_least_squares():
    """The converged μ̂ lies within one classical standard error of the classical estimate."""
    t_obs, u_obs = noisy_oscillator()  # the chapter's data: 40 points, σ = 0.04
    net, unc = fit_damping(t_obs, u_obs, 400.0)
    assert net.fit_info["converged"] and net.fit_info["reason"] == "gradient", net.fit_info
    classical = fit_oscillator(t_obs, u_obs, 400.0)
    mu_hat, se = net.params["mu"], unc["sandwich"]["mu"]
    assert abs(mu_hat - classical["mu"]) < classical["se"]["mu"], (mu_hat, classical)
    assert abs(mu_hat - 4.0) < 1.96 * se, (mu_hat, se)
    # The two linearised standard errors are of the classical size (same data, same model).
    for form in ("sandwich", "laplace"):
        assert 0.5 < unc[form]["mu"] / classical["se"]["mu"] < 2.0, unc
    assert abs(unc["sigma"] - classical["sigma"]) < 0.3 * classical["sigma"]
    assert len(net.history["mu"]) == len(net.history["total"])


@pytest.mark.slow
def test_converged_fit_does_not_depend_on_what_ran_before():
    """A fresh process and one that already trained give the same μ̂ (to the tolerance)."""
    t_obs, u_obs = noisy_oscillator(seed=3)
    first = fit_damping(t_obs, u_obs, 400.0)[0].params["mu"]
    PINN([1, 8, 8, 1], seed=4).fit(**poisson(), adam_steps=50, finish_steps=20, progress=False)
    again = fit_damping(t_obs, u_obs, 400.0)[0].params["mu"]
    assert abs(first - again) < 1e-6, (first, again)


def test_cap_reached_mid_descent_is_reported_and_warned():
    net = PINN([1, 16, 1], seed=0)
    with pytest.warns(RuntimeWarning, match="did not converge: finish_steps"):
        net.fit(**poisson(), adam_steps=10, finish_steps=3, progress=False)
    assert net.fit_info["converged"] is False and net.fit_info["reason"] == "finish_steps"
    assert net.fit_info["finish_iterations"] == 3


@pytest.mark.parametrize("finish", ["lbfgs", None])
def test_other_schedules_report_convergence_honestly(finish):
    net = PINN([1, 16, 1], seed=0)
    with pytest.warns(RuntimeWarning, match="did not converge"):
        net.fit(**poisson(), adam_steps=20, finish=finish, finish_steps=5, progress=False)
    assert net.fit_info["converged"] is False
    assert net.fit_info["grad_norm"] > net.fit_info["gtol"]


def test_nan_loss_during_training_stops_at_that_step():
    """A residual that turns non-finite mid-training stops Adam there, with the step named."""
    broken = {"now": False}

    def residual(x, u, ux, uxx, p):
        return uxx + np.pi**2 * np.sin(np.pi * x) + (np.nan if broken["now"] else 0.0)

    def callback(step, phase):
        broken["now"] = step >= 12  # from step 13 on the loss is NaN

    net = PINN([1, 8, 1], seed=0)
    kwargs = poisson() | dict(residual=residual, callback=callback)
    with pytest.raises(FloatingPointError, match=r"diverged at Adam step 13: the loss"):
        net.fit(**kwargs, adam_steps=400, progress=False)


def test_plain_network_fit_without_residual():
    x = np.linspace(0, 1, 20)
    net = PINN([1, 8, 1], seed=0)
    net.fit(None, data=(x, x**2), adam_steps=0, finish_steps=3000, progress=False)
    assert net.fit_info["converged"], net.fit_info
    assert set(net.history) == {"total", "data", "time"}
    assert relative_l2(net.predict(x), x**2) < 1e-5


def test_progress_bar_shows_loss_terms(capsys):
    net = PINN([1, 4, 1], seed=0)
    with pytest.warns(RuntimeWarning):
        net.fit(**poisson(8), adam_steps=60, finish=None, progress=True)
    err = capsys.readouterr().err
    assert "pde=" in err and "bc=" in err
    with pytest.warns(RuntimeWarning):
        net.fit(**poisson(8), adam_steps=60, finish=None, progress=False)
    assert capsys.readouterr().err == ""


def test_fit_is_reproducible():
    a, b = PINN([1, 6, 1], seed=11), PINN([1, 6, 1], seed=11)
    for net in (a, b):
        net.fit(**poisson(10), adam_steps=50, finish_steps=500, progress=False)
    np.testing.assert_array_equal(a.predict([0.3]), b.predict([0.3]))
    assert not np.array_equal(PINN([1, 6, 1], seed=12).Wbar[0], PINN([1, 6, 1], seed=11).Wbar[0])


def test_heat_equation_in_x_t():
    kappa = 0.1
    g = np.linspace(0, 1, 11)
    T, Xg = np.meshgrid(g, g)
    XT = np.column_stack([Xg.ravel(), T.ravel()])
    net = PINN([2, 12, 1], seed=0)
    net.fit(
        lambda X, u, du, d2u, p: du[:, 1] - kappa * d2u[:, 0],
        XT,
        conditions=[
            (np.column_stack([g, 0 * g]), 0, np.sin(np.pi * g)),
            (np.column_stack([0 * g, g]), 0, 0.0),
            (np.column_stack([0 * g + 1, g]), 0, 0.0),
        ],
        adam_steps=200,
        finish_steps=3000,
        ftol=1e-6,  # no exact solution at these points: stop when the loss fell by 10⁶
        progress=False,
    )
    assert net.fit_info["converged"] and net.fit_info["reason"] == "loss", net.fit_info
    exact = np.exp(-kappa * np.pi**2 * XT[:, 1]) * np.sin(np.pi * XT[:, 0])
    assert relative_l2(net.predict(XT), exact) < 1e-2


# --- bad input: clear errors before any training -----------------------------------------------


def untouched(net, before):
    return np.array_equal(net._theta, before) and net.history == {}


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (dict(x_collocation=[0.0, float("inf"), 1.0]), "x_collocation contains NaN or infinite"),
        (dict(x_collocation=np.array([0.0, 1e400])), "x_collocation contains NaN or infinite"),
        (dict(x_collocation=[0.0, 10**400]), "x_collocation must be real numbers"),
        (dict(x_collocation=["a", "b"]), "x_collocation must be real numbers"),
        (dict(x_collocation=np.zeros((4, 2))), "input dimension n = 1"),
        (dict(x_collocation=[]), "at least one point"),
        (dict(data=([0.1, 0.2], [1.0, np.nan])), "u_obs contains NaN"),
        (dict(data=([0.1, np.nan], [1.0, 2.0])), "x_obs contains NaN"),
        (dict(data=([0.1, 0.2], [1.0, 2.0, 3.0])), "one value per observation point"),
        (dict(residual=lambda x, u, ux, uxx, p: u[:3]), "shape 32.*got shape 3"),
        (dict(residual=lambda x, u, ux, uxx, p: 1.0), "got shape scalar"),
        (dict(residual=lambda x, u, ux, uxx, p: np.outer(u.value, x)), "got shape 32×32"),
        (dict(residual=lambda x, u, ux, uxx, p: np.log(u - 10)), "NaN or infinite"),
        (dict(residual=lambda x, u, ux, uxx, p: p["nu"] * u), "could not be evaluated"),
        (dict(residual=lambda x, u, ux, uxx, p: np.arcsinh(u)), "arcsinh is not supported"),
        (dict(residual="uxx + 1"), "must be a callable"),
        (dict(conditions=[(0.0, 2, 0.0)]), "k must be 0 .* or 1 .*got k = 2"),
        (dict(conditions=[(0.0, -1, 0.0)]), "got k = -1"),
        (dict(conditions=[(0.0, 0.5, 0.0)]), "got k = 0.5"),
        (dict(conditions=[(0.0, 0)]), "tuple \\(x0, k, value\\)"),
        (dict(conditions=[(0.0, 1, np.nan)]), "condition 0 value contains NaN"),
        (dict(conditions=[(0.0, 1, 0.0, 3)]), "axis must be in 0..0"),
        (dict(params={"mu": np.nan}), "params\\['mu'\\] must be finite"),
        (dict(params=[1.0]), "params must be a dict"),
        (dict(weights={"physics": 1.0}), "unknown loss-term weight"),
        (dict(weights={"pde": -1.0}), r"weights\['pde'\] must be ≥ 0; got -1"),
        (dict(adam_steps=-1), "adam_steps must be at least 0; got -1"),
        (dict(finish_steps=2.5), "finish_steps must be an integer; got 2.5"),
        (dict(lr=0.0), "lr must be > 0; got 0"),
        (dict(lr=-1e-3), "lr must be > 0; got -0.001"),
        (dict(lam=-1.0), r"λ \(lam\) must be ≥ 0; got -1"),
        (dict(finish="newton"), "finish must be"),
    ],
)
def test_bad_input_is_refused_before_training(change, match):
    net = PINN([1, 4, 1], seed=0)
    before = net._theta.copy()
    kwargs = poisson() | dict(adam_steps=5, finish_steps=5, progress=False) | change
    with pytest.raises(ValueError, match=match):
        net.fit(**kwargs)
    assert untouched(net, before)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(layers=[1, 4]), "at least one hidden layer"),
        (dict(layers=[1, 0, 1]), "positive integer widths"),
        (dict(layers=[1, 4, 2]), "output width must be 1"),
        (dict(layers=[1, 4, 1], activation="relu"), "smooth activation"),
        (dict(layers=[1, 4, 1], activation="swish"), "unknown activation"),
    ],
)
def test_bad_network_is_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        PINN(**kwargs)


def test_predict_checks_its_input():
    net = PINN([2, 3, 1])
    with pytest.raises(ValueError, match="input dimension n = 2"):
        net.predict(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="NaN"):
        PINN([1, 3, 1]).derivatives([0.0, np.nan])


# --- classical counterparts -----------------------------------------------------------------


@pytest.mark.parametrize(("mu", "k"), [(4.0, 400.0), (40.0, 400.0), (40.0, 400.0 - 1e-12)])
def test_damped_oscillator_solves_the_ode(mu, k):
    t = np.linspace(0, 1, 41)
    u = damped_oscillator(t, mu, k, u0=1.0, v0=0.5)
    ux = fd_jacobian(lambda s: damped_oscillator(s, mu, k, 1.0, 0.5), t).diagonal()
    h = 1e-4
    uxx = damped_oscillator(t + h, mu, k, 1, 0.5) - 2 * u + damped_oscillator(t - h, mu, k, 1, 0.5)
    uxx /= h**2
    assert np.max(np.abs(uxx + mu * ux + k * u)) < 1e-3 * k
    assert np.isclose(u[0], 1.0) and np.isclose(ux[0], 0.5, atol=1e-6)


def test_critical_damping_branch():
    t = np.linspace(0, 1, 5)
    np.testing.assert_allclose(
        damped_oscillator(t, 40.0, 400.0), damped_oscillator(t, 40.0, 400.0 + 1e-9), atol=1e-6
    )


def test_spline_and_residual_coefficients_recover_mu_on_clean_data():
    t = np.linspace(0, 1, 400)
    u = damped_oscillator(t, 4.0, 400.0)
    s = smoothing_spline(t, u, lam=1e-12)
    (mu,) = residual_coefficients([s.derivative(1)(t)], s.derivative(2)(t) + 400.0 * s(t))
    assert abs(mu - 4.0) < 0.05
    assert abs(fit_oscillator_damping(t, u, 400.0) - 4.0) < 1e-6
    gcv = smoothing_spline(t, u + 0.01 * np.random.default_rng(0).normal(size=t.size))
    assert relative_l2(gcv(t), u) < 0.05
    with pytest.raises(ValueError, match="strictly increasing"):
        smoothing_spline(t[::-1], u)
    with pytest.raises(ValueError, match="same length"):
        smoothing_spline(t, u[:-1])


def test_the_finish_picks_a_step_form_whose_arrays_fit_counting_the_pinns_own():
    """Burgers at Raissi's size (M = 10,100, P = 3,021): the stacked form alone would fit the
    limit, but not with the PINN's J and its rows besides; the finish then takes the normal
    equations' Cholesky factor (M ≫ P), which fits, instead of refusing."""
    from lecturekit import _validate
    from lecturekit.pinn.finish import _finish_arrays, check_finish_memory, finish_form

    M, P = 10_100, 3_021
    penalty = np.zeros(P)
    assert finish_form(M, P, penalty) == "cholesky"
    stacked = _validate.array_bytes(*_finish_arrays(M, P, penalty, "stacked").values())
    assert stacked > _validate.MAX_BYTES
    check_finish_memory(M, P, penalty)  # does not raise
    assert finish_form(300, 1_100, np.zeros(1_100)) == "push-through"
    assert finish_form(2_000, 1_000, np.zeros(1_000)) == "stacked"


def test_the_finish_uses_blas_threads_only_where_its_products_are_large():
    from threadpoolctl import threadpool_info

    from lecturekit.pinn.finish import THREADED_FLOPS, finish_blas_threads

    def blas_threads():
        return {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}

    outside = blas_threads()
    with finish_blas_threads(300, 1_100):  # every problem of the book: one thread
        assert blas_threads() == {1}
    assert blas_threads() == outside  # restored
    big = int(THREADED_FLOPS / 3_021**2) + 1
    with finish_blas_threads(big, 3_021):  # JᵀJ dominates: the library's own threads
        assert blas_threads() == outside


def test_lbfgs_tests_its_cosine_every_iteration_on_small_problems_and_sparingly_on_large(
    monkeypatch,
):
    """The cosine forms J (one reverse sweep per residual); on a large problem testing it after
    each L-BFGS iteration would cost several gradients per iteration."""
    from lecturekit.pinn import trainer

    calls = []
    real_cosine = trainer.cosine
    monkeypatch.setattr(trainer, "cosine", lambda *a: calls.append(1) or real_cosine(*a))

    def lbfgs_cosines(limit):
        monkeypatch.setattr(trainer, "COSINE_EVERY_ITERATION", limit)
        calls.clear()
        with pytest.warns(RuntimeWarning, match="did not converge"):
            PINN([1, 16, 1], seed=0).fit(
                **poisson(), adam_steps=20, finish="lbfgs", finish_steps=120, progress=False
            )
        return len(calls)

    small, large = lbfgs_cosines(10**6), lbfgs_cosines(0)  # 34 × 49 entries: small, then large
    assert small >= 120  # after every iteration, then the report's
    assert large <= 120 // trainer.COSINE_EVERY + 3
