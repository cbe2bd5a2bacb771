"""What a PINN refuses or reports in words: a residual that couples points, observations where
the equation is not enforced, a finish too large for memory, and a residual that turns
non-finite during the Levenberg–Marquardt finish."""

from __future__ import annotations

import numpy as np
import pytest

from lecturekit.classical import damped_oscillator
from lecturekit.jacobians import JacobianTooLarge
from lecturekit.pinn import PINN

X_COL = np.linspace(0, 1, 16)


def source(x, u, ux, uxx, p):
    return uxx + np.pi**2 * np.sin(np.pi * x)


@pytest.mark.parametrize(
    "residual",
    [
        lambda x, u, ux, uxx, p: uxx - u[::-1],  # couples point i with point m − 1 − i
        lambda x, u, ux, uxx, p: uxx + u[0],  # every point reads u at the first one
        lambda x, u, ux, uxx, p: uxx + ux[::-1] * 0.5,
    ],
)
def test_a_residual_that_couples_points_is_refused_before_training(residual):
    net = PINN([1, 6, 1], seed=0)
    before = net.theta
    with pytest.raises(ValueError, match=r"the residual must be pointwise.*changed r at \d+"):
        net.fit(residual, X_COL, conditions=[(0.0, 0, 0.0)], adam_steps=5, progress=False)
    assert np.array_equal(net.theta, before) and net.history == {}


def test_a_pointwise_residual_that_depends_on_x_is_accepted():
    net = PINN([1, 6, 1], seed=0)
    loss = net.loss(lambda x, u, ux, uxx, p: uxx * (1 + x**2) - np.exp(x) * u, X_COL)
    assert np.isfinite(loss(loss.theta0)[0])


def test_observations_outside_the_collocation_domain_are_refused():
    t_obs = np.linspace(0, 2, 40)  # the equation is enforced on [0, 1] only
    u_obs = damped_oscillator(t_obs, 4.0, 400.0)
    net = PINN([1, 6, 1], seed=0)
    with pytest.raises(
        ValueError,
        match=r"data x_obs has 20 of 40 points outside the collocation domain \[0, 1\] "
        r"\(first x_obs\[20\] = 1\.026\)",
    ):
        net.fit(
            lambda x, u, ux, uxx, p: uxx + p["mu"] * ux + 400.0 * u,
            X_COL,
            data=(t_obs, u_obs),
            params={"mu": 0.0},
            progress=False,
        )
    # in two inputs the domain is the box of the collocation points
    g = np.linspace(0, 1, 5)
    XT = np.column_stack([np.repeat(g, 5), np.tile(g, 5)])
    with pytest.raises(
        ValueError, match=r"domain \[0, 1\] × \[0, 1\] \(first x_obs\[0\] = \(0\.5, 1\.5\)"
    ):
        PINN([2, 4, 1], seed=0).loss(
            lambda X, u, du, d2u, p: du[:, 1] - d2u[:, 0], XT, data=([[0.5, 1.5]], [0.0])
        )
    # a plain network (no residual) has no collocation domain: its data are its only points
    PINN([1, 4, 1], seed=0).loss(None, data=(t_obs, u_obs))


def test_a_finish_too_large_for_memory_is_refused_before_adam():
    # P = 91 201 unknowns, M = 2001 residuals (2000 points and a condition): J is 1.36 GiB
    net = PINN([1, 300, 300, 1], seed=0)
    x = np.linspace(0, 1, 2000)
    with pytest.raises(
        JacobianTooLarge, match=r"would need J = D_θ ρ \(2001×91201, 1\.36 GiB\)"
    ) as err:
        net.fit(source, x, conditions=[(0.0, 0, 0.0)], adam_steps=10**6, progress=False)
    assert 'finish="lbfgs"' in str(err.value)
    assert net.history == {}  # refused before the first Adam step


def test_a_residual_that_turns_non_finite_in_the_finish_is_reported_in_words():
    # a = π² ≈ 9.87 is the answer, but the residual is NaN for a > 5: the finish runs into that
    # wall; its trial steps there fail, and the fit is reported as stopped by ρ(θ) turning NaN
    x_obs = np.linspace(0.05, 0.95, 12)

    def walled(x, u, ux, uxx, p):
        return uxx + p["a"] * np.sin(np.pi * x) + 0.0 * np.sqrt(5.0 - p["a"])

    net = PINN([1, 8, 1], seed=0)
    with pytest.warns(RuntimeWarning, match="did not converge: ρ\\(θ\\) became non-finite"):
        net.fit(
            walled,
            X_COL,
            data=(x_obs, np.sin(np.pi * x_obs)),
            params={"a": 1.0},
            adam_steps=0,
            finish_steps=3000,
            lam=1e-4,
            progress=False,
        )
    info = net.fit_info
    assert info["converged"] is False
    assert "at Levenberg–Marquardt step" in info["reason"]
    assert "in the equation's residual r at 16 collocation point(s)" in info["reason"]
    assert net.params["a"] <= 5.0 and np.all(np.isfinite(net.theta))


def test_the_covariance_is_refused_before_forming_a_too_large_jtj():
    # P = 8 461 weights and a: A = J̃ᵀJ̃ + Λ̃ and its inverse are 546 MiB each
    net = PINN([1, 90, 90, 1], seed=0)
    x_obs = np.linspace(0, 1, 12)
    with pytest.warns(RuntimeWarning, match="did not converge"):
        net.fit(
            lambda x, u, ux, uxx, p: uxx + p["a"] * np.sin(np.pi * x),
            X_COL,
            data=(x_obs, np.sin(np.pi * x_obs)),
            params={"a": 1.0},
            adam_steps=0,
            finish=None,
            progress=False,
        )
    with pytest.raises(MemoryError, match=r"A = J̃ᵀJ̃ \+ Λ̃ \(8462×8462, 546\.\d+ MiB\)"):
        net.parameter_uncertainty()
