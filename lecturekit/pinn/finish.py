"""The PINN's finishing phase: Levenberg–Marquardt on the residual vector, on one BLAS thread."""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_limits


def single_threaded_blas():
    """Context manager: run the block with the BLAS libraries (numpy's and scipy's) on one thread.

    A PINN's matrices are tiny (tens of rows and columns), so BLAS threads only add
    synchronisation; on a busy machine they make L-BFGS-B's small dense solves 10–40 times
    slower. The previous thread counts are restored afterwards (threadpoolctl does the
    bookkeeping for every BLAS it recognises).
    """
    return threadpool_limits(limits=1, user_api="blas")


def levenberg_marquardt_finish(problem, theta, penalty, max_steps, tols, record, step0, stop):
    """Levenberg–Marquardt on ``Φ(θ) = ‖ρ(θ)‖² + θᵀΛθ``, Λ = diag(penalty) (chapter 8's method).

    Linearising ``ρ(θ + δ) ≈ ρ + Jδ`` gives the model ``m(δ) = ‖ρ + Jδ‖² + (θ + δ)ᵀΛ(θ + δ)``,
    whose damped minimiser solves ``(JᵀJ + Λ + μI) δ = −g`` with ``g = Jᵀρ + Λθ = ½∇Φ``. With
    fewer residuals M than unknowns P, the push-through identity gives the same δ from an M×M
    system: ``D = Λ + μI``, ``(I + J D⁻¹ Jᵀ) a = J D⁻¹ Λθ − ρ``, ``δ = D⁻¹(Jᵀa − Λθ)``.

    Damping (Nielsen 1999): the gain ratio ``r = (Φ(θ) − Φ(θ + δ)) / (Φ(θ) − m(δ))``; if Φ
    decreases the step is taken and ``μ ← μ·max(1/3, 1 − (2r − 1)³)``, ``ν ← 2``; otherwise
    ``μ ← νμ``, ``ν ← 2ν``. Start: ``μ₀ = 10⁻³·max diag(JᵀJ + Λ)``.

    Stops when ``‖∇Φ‖∞ ≤ gtol`` or ``Φ ≤ phi_floor`` (converged; ``tols = (gtol, phi_floor)``),
    when no step decreases Φ at working precision
    (μ > 10¹⁶) or after ``max_steps`` iterations (both reported as not converged).
    """
    gtol, phi_floor = tols
    rho, J = problem.residuals(theta)
    phi = float(rho @ rho + penalty @ (theta * theta))
    if not (np.isfinite(phi) and np.all(np.isfinite(J))):
        stop(step0 + 1, "Levenberg–Marquardt", "the residual vector or its Jacobian")
    g = J.T @ rho + penalty * theta
    mu = 1e-3 * float(np.max(np.sum(J * J, axis=0) + penalty))
    nu = 2.0
    M, P = J.shape
    terms = problem.terms(theta)
    reason, it = "finish_steps", 0
    for it in range(1, max_steps + 1):
        if 2.0 * np.max(np.abs(g)) <= gtol:
            reason, it = "gradient", it - 1
            break
        if phi <= phi_floor:
            reason, it = "loss", it - 1
            break
        D = penalty + mu
        if M < P:
            a = np.linalg.solve(np.eye(M) + (J / D) @ J.T, J @ (penalty * theta / D) - rho)
            step = (J.T @ a - penalty * theta) / D
        else:
            step = np.linalg.solve(J.T @ J + np.diag(D), -g)
        theta_new = theta + step
        rho_new, _ = problem.residuals(theta_new, jacobian=False)
        phi_new = float(rho_new @ rho_new + penalty @ (theta_new * theta_new))
        Jstep = J @ step
        predicted = -2.0 * float(g @ step) - float(Jstep @ Jstep) - float(step @ (penalty * step))
        gain = (phi - phi_new) / predicted if predicted > 0 else -1.0
        if np.isfinite(phi_new) and phi_new < phi and gain > 0:
            theta, rho, phi = theta_new, rho_new, phi_new
            _, J = problem.residuals(theta)
            g = J.T @ rho + penalty * theta
            mu *= max(1.0 / 3.0, 1.0 - (2.0 * gain - 1.0) ** 3)
            nu = 2.0
            terms = problem.terms(theta)
        else:
            mu *= nu
            nu *= 2.0
        record(terms, theta, "lm", step0 + it)
        if mu > 1e16:
            reason = "no step decreases Φ at working precision (damping μ > 1e16)"
            break
    return theta, {
        "finish_iterations": it,
        "converged": reason in ("gradient", "loss"),
        "reason": reason,
    }
