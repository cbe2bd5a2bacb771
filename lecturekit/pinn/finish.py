"""The PINN's finishing phase: chapter 8's Levenberg–Marquardt on the residual vector.

:func:`levenberg_marquardt_finish` adapts the PINN's objective to
:func:`lecturekit.inverse.levenberg_marquardt` (the package's one LM loop);
:func:`single_threaded_blas` keeps the tiny matrices of a PINN on one BLAS thread;
:func:`finish_blas_threads` gives the finish's large products back their threads.
"""

from __future__ import annotations

from contextlib import nullcontext

import numpy as np
from threadpoolctl import threadpool_limits

from .. import _validate
from .._validate import array_bytes, check_memory
from ..inverse.least_squares import _step_arrays, levenberg_marquardt

#: The loop's relative-reduction test: a trial that changes Φ by at most this fraction of itself,
#: with the linear model predicting no more, ends the finish (Φ minimal to working precision).
FTOL = 1e-14


def single_threaded_blas():
    """Context manager: run the block with the BLAS libraries (numpy's and scipy's) on one thread.

    A PINN's matrices are tiny (tens of rows and columns), so BLAS threads only add
    synchronisation; on a busy machine they make L-BFGS-B's small dense solves 10–40 times
    slower. The previous thread counts are restored afterwards (threadpoolctl does the
    bookkeeping for every BLAS it recognises).
    """
    return threadpool_limits(limits=1, user_api="blas")


#: Flops of one JᵀJ (M·P²) above which the finish's products use the BLAS threads: about
#: 0.3 s on one core, where a second thread's start-up cost no longer matters.
THREADED_FLOPS = 1e10


def finish_blas_threads(M, P):
    """Context manager for the finish at M residuals and P unknowns: one BLAS thread when its
    products are small (every problem of the book), the library's own threads when forming
    ``JᵀJ`` (``M·P²`` flops) dominates, as in Raissi's Burgers problem (M = 10,100, P = 3,021),
    where two threads halve it.
    """
    return nullcontext() if M * P * P > THREADED_FLOPS else single_threaded_blas()


def _finish_arrays(M, P, penalty, form):
    """The arrays one finish step holds: the PINN's J, the rows it is built from, the step's."""
    step = _step_arrays(M, P, penalty, True, form)
    del step["J"]  # named here, as the PINN's J
    return {"J = D_θ ρ": (M, P), "the rows of J, one reverse sweep per point": (M, P)} | step


def finish_form(M, P, penalty):
    """The form of the damped step, by the rule ``solve="auto"`` of
    :func:`lecturekit.inverse.levenberg_marquardt` counted with the PINN's own arrays: the M×M
    push-through form when M < P; else the stacked least-squares form when it fits in memory
    (the most accurate); else the P×P normal equations by Cholesky (M·P² + P³/3 flops, the cheap
    form when M ≫ P, as for Burgers' equation at M = 10,100, P = 3,021).
    """
    if M < P:
        return "push-through"
    stacked = array_bytes(*_finish_arrays(M, P, penalty, "stacked").values())
    return "stacked" if stacked <= _validate.MAX_BYTES else "cholesky"


def check_finish_memory(M, P, penalty):
    """Refuse, before anything is formed, a finish whose arrays exceed the memory limit.

    One iteration holds the Jacobian ``J = D_θ ρ`` (M×P, float64), the per-point rows of the
    reverse sweep it is assembled from (M×P again) and the arrays of the damped step: the
    push-through form's M×M systems when M < P, else the stacked ``[J; √Λ; diag(√(μI))]`` of
    (M + 2P)×P, or, when that does not fit, the P×P normal equations and their Cholesky factor
    (the rule ``solve="auto"`` of :func:`lecturekit.inverse.levenberg_marquardt`).
    """
    check_memory(
        f"the Levenberg–Marquardt finish at M = {M} residuals, P = {P} unknowns",
        _finish_arrays(M, P, penalty, finish_form(M, P, penalty)),
        cheaper='finish="lbfgs" needs only the gradient ∇Φ (P values) beyond the forward pass',
    )


def _rows_named(problem, bad):
    """Which loss terms the non-finite rows of ρ (or of J) belong to, in the lecture's words."""
    parts = []
    col = np.zeros(len(problem.X), dtype=bool)
    col[problem.col] = True
    if np.any(bad & col):
        parts.append(f"the equation's residual r at {int(np.sum(bad & col))} collocation point(s)")
    for i, cond in enumerate(problem.conditions):
        if np.any(bad[cond.rows]):
            parts.append(f"condition {i}")
    if problem.data_rows is not None and np.any(bad[problem.data_rows]):
        parts.append(f"the data misfit at {int(np.sum(bad[problem.data_rows]))} observation(s)")
    return ", ".join(parts) or "its rows"


class _Watch:
    """ρ and J for the loop, noting where and at which step they first became non-finite."""

    def __init__(self, problem, step):
        self.problem, self.step, self.first = problem, step, None

    def note(self, rho, J):
        if self.first is not None:
            return
        if not np.all(np.isfinite(rho)):
            self.first = (self.step + 1, "ρ(θ)", _rows_named(self.problem, ~np.isfinite(rho)))
        elif J is not None and not np.all(np.isfinite(J)):
            bad = ~np.all(np.isfinite(J), axis=1)
            self.first = (self.step + 1, "its Jacobian D_θ ρ", _rows_named(self.problem, bad))

    def residual(self, theta):
        with np.errstate(all="ignore"):
            rho = self.problem.residuals(theta, jacobian=False)[0]
        self.note(rho, None)
        return rho

    def jacobian(self, theta):
        with np.errstate(all="ignore"):
            rho, J = self.problem.residuals(theta)
        self.note(rho, J)
        return J


def levenberg_marquardt_finish(problem, theta, penalty, max_steps, tols, record, step0, stop):
    """Levenberg–Marquardt on ``Φ(θ) = ‖ρ(θ)‖² + θᵀΛθ``, Λ = diag(penalty): chapter 8's loop.

    The loop is :func:`lecturekit.inverse.levenberg_marquardt`, which minimises
    ``½‖r(w̄)‖² + ½w̄ᵀΛw̄``. With ``r = ρ``, ``w̄ = θ`` and the vector ``λ = penalty`` that is
    ``Φ/2``: the same minimiser, the same damped step ``(JᵀJ + Λ + μI) δ = −(Jᵀρ + Λθ)``
    (Levenberg damping, ``μ₀ = 10⁻³·max diag(JᵀJ + Λ)``, Nielsen's update, and the M×M
    push-through form when there are fewer residuals M than unknowns P, the normal equations'
    Cholesky factor when the stacked form would not fit: :func:`finish_form`).
    The stops, none of which depends on the units of ρ or θ:

    * "gradient": the cosine between ``[ρ; √Λθ]`` and every column of ``[J; √Λ]`` is at most
      ``gtol`` (:func:`lecturekit.inverse.least_squares.gradient_cosine`; the factor ½
      does not change a cosine);
    * "loss": ``Φ ≤ phi_floor`` (the caller's floor, relative to the loss at the start);
    * "Φ minimal to working precision": a trial step changed Φ by at most ``FTOL = 10⁻¹⁴`` of
      itself and the linear model predicted no more, with the damping at most its scale
      (the loop's "loss" rule, MINPACK's ftol test). Decreases below about ``ε·Φ`` cannot be
      seen, so near its rounding floor the cosine of a large-residual problem (noisy data)
      stalls at about ``10⁻⁹``; this stop is the honest end of such a run;
    * "finish_steps": ``max_steps`` iterations, not converged;
    * no step decreases Φ at working precision (the damping grew past 10¹⁶ times its scale),
      not converged; when trial points where ρ or J was NaN or infinite took part, the reason
      says which quantity became non-finite, in which loss term, at which step.

    The loop's step rule is off (``xtol = 0``): with more unknowns than residuals the weights
    are not determined, so a small step says nothing about them. A trial point where ρ or J
    is not finite is a failed step (more damping), never an error.

    Parameters
    ----------
    problem : PINNLoss
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
        ``finish_iterations``; ``converged``; ``reason``, as above.
    """
    gtol, phi_floor = tols
    check_finish_memory(len(problem.X), theta.size, penalty)
    watch = _Watch(problem, step0)
    J = watch.jacobian(theta)
    rho = watch.residual(theta)
    if watch.first is not None:
        _, what, where = watch.first
        stop(step0 + 1, "Levenberg–Marquardt", f"{what} (in {where})")
    if max_steps == 0:
        return theta, {"finish_iterations": 0, "converged": False, "reason": "finish_steps"}
    del rho, J
    now = {"terms": problem.terms(theta), "step": step0}

    def after_step(th, accepted):
        if accepted:  # the loss terms change only when the step is taken
            now["terms"] = problem.terms(th)
        now["step"] += 1
        watch.step = now["step"]
        record(now["terms"], th, "lm", now["step"])

    res = levenberg_marquardt(
        watch.residual,
        watch.jacobian,
        theta,
        penalty,
        solve=finish_form(len(problem.X), theta.size, penalty),
        tau=1e-3,
        max_iter=max_steps,
        gtol=gtol,
        xtol=0.0,
        ftol=FTOL,
        target_loss=phi_floor / 2,
        callback=after_step,
    )
    reasons = {
        "target": "loss",
        "loss": "Φ minimal to working precision",
        "max_iter": "finish_steps",
        "damping": "no step decreases Φ at working precision (damping μ > 1e16·μ̂)",
    }
    reason = reasons.get(res.reason, res.reason)
    if res.reason == "non-finite trials" and watch.first is not None:
        step, what, where = watch.first
        reason = (
            f"{what} became non-finite (NaN or inf) at Levenberg–Marquardt step {step}, in "
            f"{where}; every step toward there failed, so θ stopped where Φ was last finite"
        )
    return res.w, {
        "finish_iterations": res.iterations,
        "converged": res.converged,
        "reason": reason,
    }
