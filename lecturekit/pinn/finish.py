"""The PINN's finishing phase: chapter 8's Levenberg–Marquardt on the residual vector.

:func:`levenberg_marquardt_finish` adapts the PINN's objective to
:func:`lecturekit.inverse.levenberg_marquardt` (the package's one LM loop);
:func:`single_threaded_blas` keeps the tiny matrices of a PINN on one BLAS thread.
"""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_limits

from ..inverse.least_squares import levenberg_marquardt


def single_threaded_blas():
    """Context manager: run the block with the BLAS libraries (numpy's and scipy's) on one thread.

    A PINN's matrices are tiny (tens of rows and columns), so BLAS threads only add
    synchronisation; on a busy machine they make L-BFGS-B's small dense solves 10–40 times
    slower. The previous thread counts are restored afterwards (threadpoolctl does the
    bookkeeping for every BLAS it recognises).
    """
    return threadpool_limits(limits=1, user_api="blas")


def levenberg_marquardt_finish(problem, theta, penalty, max_steps, tols, record, step0, stop):
    """Levenberg–Marquardt on ``Φ(θ) = ‖ρ(θ)‖² + θᵀΛθ``, Λ = diag(penalty): chapter 8's loop.

    The loop is :func:`lecturekit.inverse.levenberg_marquardt`, which minimises
    ``½‖r(w̄)‖² + ½w̄ᵀΛw̄``. With ``r = ρ``, ``w̄ = θ`` and the vector ``λ = penalty`` that is
    ``Φ/2``: the same minimiser, the same damped step ``(JᵀJ + Λ + μI) δ = −(Jᵀρ + Λθ)``
    (Levenberg damping, ``μ₀ = 10⁻³·max diag(JᵀJ + Λ)``, Nielsen's update, and the M×M
    push-through form when there are fewer residuals M than unknowns P: ``solve="auto"``).
    Only the tolerances change with the factor ½: ``∇Φ = 2(Jᵀρ + Λθ)``, so ``‖∇Φ‖∞ ≤ gtol``
    is ``‖Jᵀρ + Λθ‖∞ ≤ gtol/2``, and ``Φ ≤ phi_floor`` is ``Φ/2 ≤ phi_floor/2``; the
    loop's step and relative-decrease stops are off (``xtol = ftol = 0``).

    Parameters
    ----------
    problem : PINNProblem
        ``problem.residuals(θ)`` gives ``(ρ, J = D_θ ρ)``, ``problem.residuals(θ,
        jacobian=False)`` gives ``(ρ, None)`` and ``problem.terms(θ)`` the loss terms.
    theta : ndarray, shape (P,)
        The start (where Adam stopped).
    penalty : ndarray, shape (P,)
        The diagonal of Λ (λ on the network's weights, 0 on the physical parameters).
    max_steps : int
        Most iterations (trial steps, accepted or not); 0 returns ``theta`` unchanged.
    tols : (float, float)
        ``(gtol, phi_floor)``.
    record : callable
        ``record(terms, θ, "lm", step)`` after every iteration, ``step`` counted on from
        ``step0``.
    step0 : int
        Steps already taken (by Adam).
    stop : callable
        ``stop(step, phase, what)``, called (and expected to raise) if Φ or J is not finite
        at the start.

    Returns
    -------
    theta : ndarray, shape (P,)
    info : dict
        ``finish_iterations``; ``converged``, True when ``‖∇Φ‖∞ ≤ gtol`` (reason
        "gradient") or ``Φ ≤ phi_floor`` ("loss"); not converged after ``max_steps``
        iterations ("finish_steps") or when no step decreases Φ at working precision
        (μ > 10¹⁶).
    """
    gtol, phi_floor = tols
    rho, J = problem.residuals(theta)
    phi = float(rho @ rho + penalty @ (theta * theta))
    if not (np.isfinite(phi) and np.all(np.isfinite(J))):
        stop(step0 + 1, "Levenberg–Marquardt", "the residual vector or its Jacobian")
    if max_steps == 0:
        return theta, {"finish_iterations": 0, "converged": False, "reason": "finish_steps"}
    now = {"terms": problem.terms(theta), "step": step0}

    def after_step(th, accepted):
        if accepted:  # the loss terms change only when the step is taken
            now["terms"] = problem.terms(th)
        now["step"] += 1
        record(now["terms"], th, "lm", now["step"])

    res = levenberg_marquardt(
        lambda th: problem.residuals(th, jacobian=False)[0],
        lambda th: problem.residuals(th)[1],
        theta,
        penalty,
        solve="auto",
        tau=1e-3,
        max_iter=max_steps,
        gtol=gtol / 2,
        xtol=0.0,
        ftol=0.0,
        target_loss=phi_floor / 2,
        callback=after_step,
    )
    reasons = {
        "target": "loss",
        "max_iter": "finish_steps",
        "damping": "no step decreases Φ at working precision (damping μ > 1e16)",
    }
    return res.w, {
        "finish_iterations": res.iterations,
        "converged": res.converged,
        "reason": reasons.get(res.reason, res.reason),
    }
