"""The PINN's training: the penalty, the Adam phase, the L-BFGS finish, the record of each step.

:meth:`lecturekit.pinn.PINN.fit` runs the phases in order: Adam (through
:func:`lecturekit.train.loop.descend`, the step loop network training uses too), then the
finish, L-BFGS here or Levenberg–Marquardt (:mod:`lecturekit.pinn.finish`).
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from .._validate import ArrayTooLarge
from ..inverse.least_squares import gradient_cosine
from ..train.loop import descend
from ..train.optimisers import Adam
from .finish import check_finish_memory
from .loss import TERMS


def penalty_of(problem, lam):
    """``Λ = diag(penalty)``: λ·w_data/m on the network's weights, 0 on the physical parameters."""
    penalty = np.zeros_like(problem.theta0)
    if lam:
        penalty[: problem.n_net] = lam * problem.weights["data"] / problem.data_rows.size
    return penalty


def phi(problem, penalty):
    """``θ ↦ (Φ, ∇Φ)``: ``Φ(θ) = L(θ) + θᵀΛθ`` and ``∇Φ = ∇L + 2Λθ``."""

    def objective(theta):
        L, g = problem(theta)
        return L + float(penalty @ (theta * theta)), g + 2.0 * penalty * theta

    return objective


def cosine(problem, theta, penalty):
    """The stationarity of ``Φ = ‖ρ‖² + θᵀΛθ`` without units (MINPACK's cosine; NaN if J is
    too large to form, so that convergence is then never claimed)."""
    try:
        check_finish_memory(len(problem.X), theta.size, penalty)
    except ArrayTooLarge:
        return float("nan")
    with np.errstate(all="ignore"):
        rho, J = problem.residuals(theta)
        return gradient_cosine(J, rho, theta, penalty)


class Recorder:
    """The history of a fit, its progress bar and the user's callback, one step at a time.

    ``record(terms, θ, phase, step)`` appends the loss terms, the physical parameters and the
    time (without the time spent in the callback); ``stop(step, phase, what)`` closes the bar
    and raises the divergence error.
    """

    def __init__(self, net, problem, total, progress, lr, callback):
        from tqdm.auto import tqdm

        self.net, self.problem, self.progress, self.lr = net, problem, progress, lr
        self.callback, self.names, self.n_net = callback, problem.param_names, problem.n_net
        self.keys = [k for k in TERMS if k in problem.terms(problem.theta0)]
        self.hist = {k: [] for k in ["total", "time", *self.keys, *self.names]}
        self.bar = tqdm(total=total, disable=not progress, desc="PINN", mininterval=0.5)
        self.start, self.paused = time.perf_counter(), 0.0

    def __call__(self, terms, th, phase, step):
        self.hist["time"].append(time.perf_counter() - self.start - self.paused)
        self.hist["total"].append(terms["total"])
        for k in self.keys:
            self.hist[k].append(terms[k])
        for i, k in enumerate(self.names):
            self.hist[k].append(float(th[self.n_net + i]))
        self.bar.update(1)
        if self.progress and (step % 50 == 0):  # ≤ 2 redraws a second anyway
            shown = {k: f"{terms[k]:.2e}" for k in self.keys}
            shown.update({k: f"{th[self.n_net + i]:.4g}" for i, k in enumerate(self.names)})
            self.bar.set_postfix(shown, refresh=False)
        if self.callback is not None:
            self.net._theta = th[: self.n_net].copy()
            t0 = time.perf_counter()
            self.callback(step, phase)
            self.paused += time.perf_counter() - t0

    def stop(self, step, phase, what):
        self.bar.close()
        raise FloatingPointError(
            f"PINN training diverged at {phase} step {step}: {what} is not finite. "
            f"Lower the learning rate lr (now {self.lr:g}), scale the loss terms with `weights`, "
            "or start from other initial weights (seed)."
        )

    def close(self):
        self.bar.update(max(0, self.bar.total - self.bar.n))
        self.bar.close()
        return {k: np.asarray(v) for k, v in self.hist.items()}


def adam_phase(problem, theta, penalty, steps, lr, record):
    """``steps`` Adam steps on Φ from θ (in place), each recorded; raises if Φ is not finite."""

    def objective(_):
        terms, g = problem.evaluate(theta, grad=True)
        return terms["total"], [g + 2.0 * penalty * theta]

    def after_step(t, _):
        record(problem.last[1], theta, "adam", t)

    # The defaults β₁ = 0.9, β₂ = 0.999, ε = 1e-8.
    made, what = descend([theta], Adam(lr), objective, range(steps), after_step=after_step)
    if what is not None:  # weights not finite after step t show as a bad loss at step t + 1
        record.stop(made + 1, "Adam", "the loss or its gradient")


#: Entries of J (M·P) up to which L-BFGS tests the cosine after every iteration. The test forms
#: J, one reverse sweep per residual: at Burgers' M = 10,100, P = 3,021 that is about eight
#: gradients, so larger problems test every ``COSINE_EVERY`` iterations instead.
COSINE_EVERY_ITERATION = 10**6
COSINE_EVERY = 50


def lbfgs_finish(problem, theta, penalty, max_steps, gtol, record, step0):
    """scipy's L-BFGS-B on Φ, stopped by the same criterion: the cosine ≤ gtol, tested after
    every iteration, or every ``COSINE_EVERY`` on a problem whose J has more than
    ``COSINE_EVERY_ITERATION`` entries (a converged run then takes at most that many more steps,
    each of which lowers Φ)."""
    from scipy.optimize import minimize

    every = 1 if len(problem.X) * theta.size <= COSINE_EVERY_ITERATION else COSINE_EVERY

    def after_iteration(xk):
        after_iteration.count += 1
        last = problem.last
        same = last is not None and np.array_equal(last[0], xk)
        terms = last[1] if same else problem.terms(xk)
        record(terms, xk, "lbfgs", step0 + after_iteration.count)
        if after_iteration.count % every == 0 and cosine(problem, xk, penalty) <= gtol:
            raise StopIteration  # scipy ends the run and returns this iterate

    after_iteration.count = 0
    res = minimize(
        phi(problem, penalty),
        theta,
        jac=True,
        method="L-BFGS-B",
        callback=after_iteration,
        # ftol = gtol = 0: stop on the cosine (the callback), not on a small relative
        # change of Φ, which a slow descent also shows, nor on L-BFGS-B's absolute pgtol.
        options={
            "maxiter": max_steps,
            "maxfun": 2 * max_steps + 10,
            "maxcor": 50,
            "ftol": 0.0,
            "gtol": 0.0,
        },
    )
    converged = bool(cosine(problem, res.x, penalty) <= gtol)
    return res.x, {
        "finish_iterations": int(res.nit),
        "finish_evaluations": int(res.nfev),
        "converged": converged,
        "reason": "gradient" if converged else f"L-BFGS-B: {res.message}",
    }


def summarise(problem, theta, penalty, info, gtol):
    """The final Φ, ‖∇Φ‖∞ and cosine in ``info``; warns when the fit did not converge."""
    value, g = phi(problem, penalty)(theta)
    info["loss"], info["grad_norm"] = value, float(np.max(np.abs(g)))
    info["grad_cosine"] = cosine(problem, theta, penalty)
    if info["finish"] is None:
        info |= {"converged": info["grad_cosine"] <= gtol, "reason": "adam_steps"}
    if not info["converged"]:
        warnings.warn(
            f"PINN fit did not converge: {info['reason']} (cosine of the gradient "
            f"{info['grad_cosine']:.2e} > gtol = {gtol:g}); the result is where the "
            "iterations stopped",
            RuntimeWarning,
            stacklevel=4,
        )
    return info
