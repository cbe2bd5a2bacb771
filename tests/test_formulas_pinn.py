"""The PINN loss as ρᵀρ and its gradient as 2Jᵀρ (lecturekit.formulas.pinn) against the kit."""

import numpy as np

from lecturekit.formulas.pinn import gradient_from_jacobian, loss_from_residuals
from lecturekit.pinn import PINN


def _problem():
    net = PINN([1, 6, 6, 1], seed=3)
    x = np.linspace(0.05, 0.95, 9)
    xd = np.array([0.2, 0.5, 0.8])
    return net.loss(
        lambda x, u, ux, uxx, p: uxx + p["k"] * u * u - np.sin(x),
        x,
        conditions=[(0.0, 0, 0.1), (1.0, 1, -0.3)],
        data=(xd, np.cos(xd)),
        params={"k": 0.7},
        weights={"pde": 2.0, "bc": 3.0, "data": 0.5},
    )


def test_loss_is_the_square_of_the_scaled_residual_vector():
    problem = _problem()
    theta = problem.theta0 + 0.1
    rho, _ = problem.residuals(theta, jacobian=False)
    L, _ = problem(theta)
    np.testing.assert_allclose(loss_from_residuals(rho), L, rtol=1e-13)


def test_gradient_is_two_j_transpose_rho_and_a_finite_difference():
    problem = _problem()
    theta = problem.theta0 + 0.1
    rho, J = problem.residuals(theta)
    _, g = problem(theta)
    np.testing.assert_allclose(gradient_from_jacobian(J, rho), g, rtol=1e-10, atol=1e-12)
    e, h = np.zeros_like(theta), 1e-6
    for k in [0, theta.size // 2, theta.size - 1]:  # a weight, a middle one, the parameter k
        e[:] = 0.0
        e[k] = h
        fd = (problem(theta + e)[0] - problem(theta - e)[0]) / (2 * h)
        np.testing.assert_allclose(g[k], fd, rtol=1e-6, atol=1e-9)
