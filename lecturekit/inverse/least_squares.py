"""Nonlinear least squares for the network's weights: Gauss–Newton and Levenberg–Marquardt.

Training the one-hidden-layer network on the sum-of-squares loss is a nonlinear least-squares
problem in the weights ``w̄ = [vec W̄ʰ; w̄ᵒ]`` (length ``n̄p + p̄``, the column order of
:func:`lecturekit.jacobians.dy_dw`). With the residual ``r(w̄) = y(w̄) − d`` and its Jacobian
``J = D_w̄ r = D_w̄ y = [D_W̄ʰ y  D_w̄ᵒ y]``, both methods minimise the Tikhonov-regularised
objective ``Φ_λ(w̄) = ½‖r(w̄)‖² + ½λ‖w̄‖²`` (λ = 0 is plain least squares), for a general
residual/Jacobian pair and for the network. λ may also be a vector, one weight per coordinate
(``½w̄ᵀΛw̄`` with ``Λ = diag(λ)``): the PINN's finishing phase
(:func:`lecturekit.pinn.finish.levenberg_marquardt_finish`) runs this Levenberg–Marquardt loop
with λ on the network's weights and none on the physical parameters.
"""

from __future__ import annotations

import functools
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from .. import _validate
from .._validate import (
    array_bytes,
    check_memory,
    data_vector,
    finite_array,
    format_bytes,
    integer,
    real,
    shape_str,
    weight_vector,
)
from ..activations import get_activation
from ..formulas import least_squares as formulas
from ..jacobians import structured_blocks
from ..network import check_shapes, forward_checked
from ..vectorise import unvec, vec

# ---------------------------------------------------------------------------------------------
# Weights as one vector


def pack_weights(Wh, wo):
    """Stack the weights into ``w̄ = [vec W̄ʰ; w̄ᵒ]`` (column-major vec, the order of ``dy_dw``).

    Returns
    -------
    ndarray, shape (n̄p + p̄,)
    """
    Wh = finite_array(Wh, "W̄ʰ", 2, allow_complex=True)
    p = Wh.shape[1]
    expected = f"p̄ = p + 1 = {p + 1} to match W̄ʰ (n̄×p = {shape_str(Wh.shape)})"
    wo = weight_vector(wo, "w̄ᵒ", p + 1, expected, allow_complex=True)
    return np.concatenate([vec(Wh), wo])


def unpack_weights(w, nbar, p):
    """Split ``w̄ = [vec W̄ʰ; w̄ᵒ]`` back into ``W̄ʰ`` (n̄×p) and ``w̄ᵒ`` (length p̄ = p + 1)."""
    w = finite_array(w, "w̄", 1, allow_complex=True)  # complex for complex-step checks
    size = nbar * p + p + 1
    if w.size != size:
        raise ValueError(f"w̄ must have length n̄p + p̄ = {nbar}·{p} + {p + 1} = {size}; got {w.size}")
    return unvec(w[: nbar * p], (nbar, p)), w[nbar * p :].copy()


def residual_and_jacobian(X, d, Wh, wo, f="tanh", g="identity"):
    """Residual ``r = y − d`` and its Jacobian ``J = D_w̄ y = [D_W̄ʰ y  D_w̄ᵒ y]``.

    Both blocks come from one forward pass (:func:`lecturekit.jacobians.structured_blocks`,
    no Kronecker product is formed).

    Returns
    -------
    r : ndarray, shape (m,)
    J : ndarray, shape (m, n̄p + p̄)
    """
    Xbar, Wh, wo = check_shapes(X, Wh, wo)
    d = data_vector(d, Xbar.shape[0])
    y, J = _output_and_jacobian(Xbar, Wh, wo, get_activation(f), get_activation(g))
    return y - d, J


def _output_and_jacobian(Xbar, Wh, wo, f, g):
    """``y`` and ``D_w̄ y`` from one forward pass, on checked arrays (the LM loop's call)."""
    (m, nbar), p = Xbar.shape, Wh.shape[1]
    check_memory(f"D_w̄ y at m={m}, n̄={nbar}, p={p}", {"D_w̄ y": (m, nbar * p + p + 1)})
    fw = forward_checked(Xbar, Wh, wo, f, g)
    return fw.y, np.hstack(structured_blocks(fw, wo, f, g))


# ---------------------------------------------------------------------------------------------
# Gauss–Newton and Levenberg–Marquardt


@dataclass
class LeastSquaresResult:
    """Outcome of :func:`levenberg_marquardt` or :func:`gauss_newton`.

    ``history[k]`` is the objective ``Φ_λ`` after iteration k (``history[0]`` at the start) and
    ``times[k]`` the wall time in seconds elapsed when it was known. One iteration is one trial
    step (one linear solve and one residual evaluation), accepted or not, so rejected LM steps
    show as flat stretches of ``history``. ``lam`` is λ as the solver used it: a float, or the
    vector of per-coordinate weights (``Λ = diag(λ)``). ``message`` says in a sentence which rule
    stopped the run and, for a stop that is not convergence, why.
    """

    w: np.ndarray
    loss: float
    history: np.ndarray
    times: np.ndarray
    mu: np.ndarray  # damping parameter used in each iteration (zeros for Gauss–Newton)
    iterations: int
    nfev: int  # residual evaluations
    njev: int  # Jacobian evaluations
    converged: bool
    reason: str
    lam: float | np.ndarray = 0.0
    message: str = ""  # the stop in a sentence: which rule, and why it is (not) convergence


@dataclass
class NetworkFit(LeastSquaresResult):
    """A :class:`LeastSquaresResult` for the network, with the weights unpacked."""

    Wh: np.ndarray = field(default=None)
    wo: np.ndarray = field(default=None)


def _objective(r, w, lam):
    """``Φ_λ = ½‖r‖² + ½w̄ᵀΛw̄`` (:func:`lecturekit.formulas.least_squares.objective`)."""
    return formulas.objective(r, w, lam)


def _check_lam(lam, P):
    """λ ≥ 0 as a scalar (``Λ = λI``) or as a vector of length P (``Λ = diag(λ)``)."""
    if np.ndim(lam) == 0:
        return real(lam.item() if isinstance(lam, np.ndarray) else lam, "λ", minimum=0.0)
    lam = finite_array(lam, "λ")
    if lam.shape != (P,):
        raise ValueError(
            f"λ must be a scalar or a vector of length P = {P} (one weight per coordinate of "
            f"w̄, whose shape is {shape_str((P,))}); got shape {shape_str(lam.shape)}"
        )
    if np.any(lam < 0):
        i = int(np.argmin(lam))
        raise ValueError(f"λ must be ≥ 0 in every coordinate; got λ[{i}] = {lam[i]:g}")
    return lam


def _norm(v):
    """``‖v‖`` without overflow: ``s‖v/s‖`` with ``s = max|vᵢ|`` (``‖v‖`` itself squares)."""
    s = float(np.max(np.abs(v))) if v.size else 0.0
    return s * float(np.linalg.norm(v / s)) if 0 < s < np.inf else s


def _step_arrays(m, P, lam, damped=True, form="stacked"):
    """Names and shapes of the arrays one step holds at once (see :func:`_solve_step`)."""
    arrays = {"J": (m, P)}
    if form == "push-through":
        arrays["J (Λ + μD)⁻¹"] = (m, P)
        arrays["I + J (Λ + μD)⁻¹ Jᵀ"] = (m, m)
        arrays["the solver's copy of it"] = (m, m)
        return arrays
    if form == "cholesky":
        arrays["JᵀJ, kept while the damping changes"] = (P, P)
        arrays["JᵀJ + Λ + μD"] = (P, P)
        arrays["its Cholesky factor"] = (P, P)
        return arrays
    penalised = bool(np.any(np.asarray(lam) > 0))
    rows = m + (P if damped else 0) + (P if penalised else 0)
    if damped:
        arrays["diag(√(μD))"] = (P, P)
    if penalised:
        arrays["√Λ"] = (P, P)
    arrays["[J; √Λ; diag(√(μD))]"] = (rows, P)
    arrays["the solver's copy of it"] = (rows, P)
    return arrays


def _check_solver_options(max_iter, tols):
    max_iter = integer(max_iter, "max_iter", minimum=1)
    for name, value in tols.items():
        real(value, name, minimum=0.0)
    return max_iter


def gradient_cosine(J, r, w, lam=0.0):
    """MINPACK's stationarity measure: the largest cosine between the residual and a column of J.

    ``Φ_λ = ½‖r‖² + ½w̄ᵀΛw̄`` is itself a sum of squares, ``½‖r_a‖²`` with the augmented
    residual ``r_a = [r; √Λ w̄]`` and Jacobian ``J_a = [J; √Λ]``, whose product
    ``J_aᵀ r_a = Jᵀr + Λw̄`` is ``∇Φ_λ``. The measure is

    ``cos = max_j |(Jᵀr + Λw̄)_j| / (‖J_a eⱼ‖ ‖r_a‖)``,  ``‖J_a eⱼ‖² = ‖J eⱼ‖² + λⱼ``,

    a number in [0, 1] that a multiple of r, or of w̄ (with J and λ rescaled to match), leaves
    unchanged: stationarity without units. ``cos = 0`` when ``r_a = 0`` exactly (a zero residual
    is a minimum); columns with ``‖J_a eⱼ‖ = 0`` (coordinates Φ does not depend on) are skipped.
    """
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        grad = J.T @ r + lam * w
        columns = np.sqrt(np.sum(J * J, axis=0) + lam)
        size = _norm(np.concatenate([r, np.sqrt(lam) * w]))  # ‖r_a‖ without overflow
        if size == 0:
            return 0.0
        used = columns > 0
        return float(np.max(np.abs(grad[used]) / (columns[used] * size), initial=0.0))


def _residual_or_none(residual, w):
    """``r(w̄)`` at a trial point, or None if it is not finite there (the step fails)."""
    with np.errstate(over="ignore", invalid="ignore"):
        r = np.asarray(residual(w), dtype=float)
    return r if np.all(np.isfinite(r)) else None


def _jacobian_or_none(jacobian, w, shape):
    """``J(w̄)`` at a trial point, or None if it is not finite there (the step fails)."""
    with np.errstate(over="ignore", invalid="ignore"):
        J = np.asarray(jacobian(w), dtype=float)
    if J.shape != shape:
        raise ValueError(
            f"J = D_w̄ r must be m×P = {shape_str(shape)} at every w̄; got {shape_str(J.shape)}"
        )
    return J if np.all(np.isfinite(J)) else None


def _trial_objective(r, w, lam):
    if r is None or not np.all(np.isfinite(w)):
        return np.inf
    with np.errstate(over="ignore", invalid="ignore"):
        phi = _objective(r, w, lam)
    return phi if np.isfinite(phi) else np.inf


def _check_step_memory(m, P, lam, damped, form="stacked"):
    check_memory(
        f"one {'damped ' if damped else ''}Gauss–Newton step at m={m}, P={P}",
        _step_arrays(m, P, lam, damped, form),
        cheaper="gradient descent (lecturekit.train.fit) never forms J: it needs "
        f"{format_bytes(array_bytes((m,), (P,)))} beyond the forward pass",
    )


def _check_problem(residual, jacobian, w0, lam, damped=True, solve="stacked"):
    w = finite_array(w0, "w̄₀", 1).copy()
    lam = _check_lam(lam, w.size)
    with np.errstate(over="ignore", invalid="ignore"):
        r = finite_array(residual(w), "r(w̄₀)", 1)
        phi = _objective(r, w, lam)
    if not np.isfinite(phi):
        raise ValueError(
            f"Φ_λ(w̄₀) = ½‖r‖² + ½w̄ᵀΛw̄ overflows at the starting point (‖r‖ ≈ {_norm(r):.3g}, "
            f"‖w̄₀‖ ≈ {_norm(w):.3g}): start from smaller weights"
        )
    _check_step_memory(r.size, w.size, lam, damped, _start_form(solve, r.size, w.size, lam))
    J = finite_array(jacobian(w), "J = D_w̄ r at w̄₀", 2)
    if J.shape != (r.size, w.size):
        raise ValueError(
            f"J = D_w̄ r must be m×P = {r.size}×{w.size} (rows: residuals, columns: weights); "
            f"got {shape_str(J.shape)}"
        )
    return w, lam, r, J


def _not_finite(what, stacklevel=3):
    warnings.warn(
        f"stopped: {what} is not finite (float64 overflow); the result holds the last iterate "
        "with a finite objective and is not converged",
        RuntimeWarning,
        stacklevel=stacklevel,
    )
    message = (
        f"not converged: {what} is not finite (float64 overflow); w̄ is the last iterate with a "
        "finite objective"
    )
    return "not finite", False, message


def _step_stop(step, w, xtol, trusted=True):
    """The stops both solvers test on a fresh step δ.

    δ not finite ("not finite", with a warning) or ``‖δ‖ ≤ xtol·(xtol + ‖w̄‖)`` ("step", off at
    ``xtol = 0``), the latter only if ``trusted`` (the damping does not hold δ back). Returns
    ``(reason, converged, message)``, or None to go on.
    """
    if not np.all(np.isfinite(step)):
        return _not_finite("the step δ", stacklevel=4)
    size, bound = _norm(step), xtol * (xtol + _norm(w))
    if trusted and xtol > 0 and size <= bound:
        return "step", True, f"converged: ‖δ‖ = {size:.3g} ≤ xtol·(xtol + ‖w̄‖) = {bound:.3g}"
    return None


class _Trace:
    """What both solvers record: ``Φ_λ`` after each iteration and the wall time it was known."""

    def __init__(self, start, phi):
        self.start, self.history, self.times = start, [], []
        self.log(phi)

    def log(self, phi):
        self.history.append(phi)
        self.times.append(time.perf_counter() - self.start)

    def result(self, w, mu, nfev, njev, stop, lam):
        reason, converged, message = stop
        return LeastSquaresResult(
            w=w,
            loss=self.history[-1],
            history=np.array(self.history),
            times=np.array(self.times),
            mu=np.array(mu, dtype=float),
            iterations=len(self.history) - 1,
            nfev=nfev,
            njev=njev,
            converged=converged,
            reason=reason,
            lam=lam,
            message=message,
        )


def _solve_step(J, r, w, lam, shift, rcond=None, form="stacked", JtJ=None):
    """Solve ``(JᵀJ + Λ + diag(shift)) δ = −(Jᵀr + Λw̄)``, ``Λ = λI`` or ``diag(λ)``.

    In the form ``form`` of :mod:`lecturekit.formulas.least_squares`: ``"stacked"``
    (:func:`~lecturekit.formulas.least_squares.step_stacked`, minimum-norm δ if the matrix is
    singular, singular values below ``rcond`` times the largest discarded),
    ``"push-through"`` (:func:`~lecturekit.formulas.least_squares.step_push_through`, an m×m
    system) or ``"cholesky"`` (:func:`~lecturekit.formulas.least_squares.step_normal`, Cholesky
    of the P×P normal equations, from ``JtJ`` when given). The last two need
    ``Λ + diag(shift) > 0``: the caller checks.
    """
    if form == "push-through":
        return formulas.step_push_through(J, r, w, lam, shift)
    if form == "cholesky":
        return formulas.step_normal(J, r, w, lam, shift, JtJ)
    return formulas.step_stacked(J, r, w, lam, shift, rcond)


def _stacked_fits(m, P, lam):
    """Whether the damped stacked step's arrays fit in the memory limit."""
    return array_bytes(*_step_arrays(m, P, lam, True).values()) <= _validate.MAX_BYTES


def _start_form(solve, m, P, lam):
    """The form whose memory the start checks, by the rule of :func:`levenberg_marquardt`."""
    if solve == "auto":
        if m < P:
            return "push-through"
        return "stacked" if _stacked_fits(m, P, lam) else "cholesky"
    return solve


def _step_form(solve, shape, lam, shift):
    """The form of the LM step by the rule of :func:`levenberg_marquardt` (``solve``)."""
    m, P = shape
    if solve == "stacked" or (solve == "auto" and m >= P and _stacked_fits(m, P, lam)):
        return "stacked"
    if np.all(lam + shift > 0):  # damped: Λ + μD is positive definite
        if solve == "cholesky" or (solve == "auto" and m >= P):
            return "cholesky"
        return "push-through"
    _check_step_memory(m, P, lam, True)  # the stacked form's arrays, refused if too large
    return "stacked"


def _check_lm_options(damping, solve, callback, max_iter, target_loss, tols):
    """The options of :func:`levenberg_marquardt`, checked before anything is evaluated."""
    if damping not in ("levenberg", "marquardt"):
        raise ValueError(f'damping must be "levenberg" or "marquardt"; got {damping!r}')
    if solve not in ("stacked", "auto", "push-through", "cholesky"):
        raise ValueError(
            f'solve must be "stacked", "auto" or "push-through", or "cholesky" (the normal '
            f"equations' Cholesky factor); got {solve!r}"
        )
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable as callback(w, accepted); got {callback!r}")
    max_iter = _check_solver_options(max_iter, tols)
    if target_loss is not None:
        target_loss = real(target_loss, "target_loss")
    return max_iter, target_loss


class _Point:
    """An iterate: ``w̄``, ``r(w̄)``, ``J(w̄)``, ``Φ_λ(w̄)`` and ``∇Φ_λ = Jᵀr + Λw̄``."""

    def __init__(self, w, r, J, phi, lam):
        self.w, self.r, self.J, self.phi, self.lam = w, r, J, phi, lam
        with np.errstate(over="ignore", invalid="ignore"):
            self.grad = formulas.gradient(J, r, w, lam)

    @functools.cached_property
    def JtJ(self):
        """``JᵀJ``, formed once per iterate: the trials from it differ in the damping alone."""
        with np.errstate(over="ignore", invalid="ignore"):
            return self.J.T @ self.J


class _Damping:
    """μ and ν of Nielsen's rule, and ``D``: I (Levenberg) or the running max of diag(JᵀJ)."""

    def __init__(self, J, lam, damping, mu0, tau):
        self.lam, self.marquardt, self.nu = lam, damping == "marquardt", 2.0
        with np.errstate(over="ignore", invalid="ignore"):
            self.scale = np.sum(J * J, axis=0)  # diag(JᵀJ)
        if mu0 is None:
            self.mu = real(tau, "τ", minimum=0.0, strict=True) * self.unit()
        else:
            self.mu = real(mu0, "μ₀", minimum=0.0, strict=True)

    def unit(self):
        """μ̂, the damping's own scale: ``max diag(JᵀJ + Λ)`` (Levenberg), 1 (Marquardt)."""
        return 1.0 if self.marquardt else float(np.max(self.scale + self.lam))

    def shift(self):
        """The diagonal of ``μD``."""
        return self.mu * (self.scale if self.marquardt else np.ones_like(self.scale))

    def finite(self):
        return np.all(np.isfinite(self.scale)) and np.isfinite(self.mu)

    def rescale(self, J):
        with np.errstate(over="ignore", invalid="ignore"):
            new = np.sum(J * J, axis=0)
            self.scale = np.maximum(self.scale, new) if self.marquardt else new

    def update(self, rho, accepted):
        self.mu, self.nu = formulas.damping_update(self.mu, self.nu, rho, accepted)


@dataclass
class _Trial:
    """A trial step: the new point if taken, Φ there, the model's decrease and the gain ratio."""

    point: _Point | None
    phi: float
    predicted: float
    rho: float
    non_finite: bool  # r, Φ or J not finite at w̄ + δ

    @property
    def accepted(self):
        return self.point is not None


class _Trials:
    """Evaluation counts and the trial points where r or J was not finite (all, since taken)."""

    def __init__(self):
        self.nfev = self.njev = 1
        self.bad = self.bad_since = 0

    def try_step(self, residual, jacobian, x, step):
        """Try ``w̄ + δ``: taken when Φ decreases (ρ > 0) and r and J are finite there."""
        w_new = x.w + step
        r_new = _residual_or_none(residual, w_new)  # None: not finite there, the step fails
        self.nfev += 1
        phi_new = _trial_objective(r_new, w_new, x.lam)
        with np.errstate(over="ignore", invalid="ignore"):
            predicted = formulas.predicted_decrease(x.J, x.grad, x.lam, step)
            rho = formulas.gain_ratio(x.phi, phi_new, predicted)
        non_finite, J_new = not np.isfinite(phi_new), None
        if phi_new < x.phi and rho > 0:  # Φ decreases: J is needed there, and must be finite
            J_new = _jacobian_or_none(jacobian, w_new, x.J.shape)
            self.njev += 1
            non_finite = J_new is None
        self.bad += non_finite
        self.bad_since = 0 if J_new is not None else self.bad_since + non_finite
        point = None if J_new is None else _Point(w_new, r_new, J_new, phi_new, x.lam)
        return _Trial(point, phi_new, predicted, rho, non_finite)

    def line_search(self, residual, jacobian, x, step, armijo=True):
        """The point ``w̄ + tδ``, t halved from 1 until ``Φ(w̄ + tδ) ≤ Φ(w̄) + 10⁻⁴ t ∇Φᵀδ``.

        A trial where r or J is not finite fails like a trial without sufficient decrease.
        Returns the new point, ``_NO_DECREASE`` after 40 halvings, or, with ``armijo=False``
        (the full step), None if r, Φ or J is not finite there.
        """
        t, slope, J_new = 1.0, float(x.grad @ step), None
        for _halving in range(41):
            w_new = x.w + t * step
            r_new = _residual_or_none(residual, w_new)
            self.nfev += 1
            phi_new = _trial_objective(r_new, w_new, x.lam)
            if not armijo or phi_new <= x.phi + 1e-4 * t * slope:
                if np.isfinite(phi_new):
                    J_new = _jacobian_or_none(jacobian, w_new, x.J.shape)
                    self.njev += 1
                if J_new is not None or not armijo:
                    break
            t *= 0.5  # Armijo fails, or r or J is not finite at w̄ + tδ
        else:
            return _NO_DECREASE
        return None if J_new is None else _Point(w_new, r_new, J_new, phi_new, x.lam)


_NO_DECREASE = object()  # the line search's 40 halvings found no sufficient decrease


def _small_reduction(phi, trial, ftol):
    """MINPACK's relative-reduction test, on every trial whose Φ is finite, taken or not."""
    return (
        not trial.non_finite
        and ftol > 0
        and abs(phi - trial.phi) <= ftol * phi
        and trial.predicted <= ftol * phi
        and trial.rho <= 2.0
    )


def _target_stop(phi, target_loss):
    if target_loss is not None and phi <= target_loss:
        return "target", True, f"stopped at the target: Φ_λ = {phi:.6g} ≤ {target_loss:g}"
    return None


def _gradient_stop(cosine, gtol):
    if cosine <= gtol:
        how = "r = 0 exactly" if cosine == 0 else f"cos = {cosine:.2e} ≤ gtol = {gtol:g}"
        return "gradient", True, f"converged: the residual is orthogonal to J ({how})"
    return None


def _stop_before_step(x, damp, gtol, target_loss):
    """The stops tested at an iterate: the target, an overflow, the gradient test.

    Returns ``(stop, cosine)``: stop None to go on, cosine the gradient test's measure.
    """
    stop = _target_stop(x.phi, target_loss)
    if stop:
        return stop, None
    if not (np.all(np.isfinite(x.grad)) and damp.finite()):
        return _not_finite("the gradient ∇Φ_λ = Jᵀr + Λw̄ or the damping", stacklevel=4), None
    cosine = gradient_cosine(x.J, x.r, x.w, x.lam)
    return _gradient_stop(cosine, gtol), cosine


def _loss_stop(x, ftol):
    return (
        "loss",
        True,
        f"converged: the trial step changed Φ_λ by at most ftol = {ftol:g} of itself, "
        "and the model predicted no more "
        f"(cos = {gradient_cosine(x.J, x.r, x.w, x.lam):.2e} at the returned w̄)",
    )


def _damping_stop(cosine, gtol, trials):
    where = (
        f"; {trials.bad_since} trial point(s) since the last step taken had a non-finite r or J "
        "(NaN or inf): w̄ has run into the edge of the region where r(w̄) is defined, "
        "not into a minimum"
        if trials.bad_since
        else f"; {trials.bad} trial point(s) of this run had a non-finite r or J"
        if trials.bad
        else ""
    )
    return (
        "non-finite trials" if trials.bad_since else "damping",
        False,
        "not converged: no step decreases Φ_λ at working precision (μ > 1e16·μ̂) and "
        f"the gradient test has not passed (cos = {cosine:.2e} > gtol = {gtol:g})" + where,
    )


def _line_search_stop(cosine, gtol):
    return (
        "line_search",
        False,
        "not converged: 40 halvings of the Gauss–Newton step found no sufficient "
        f"decrease of Φ_λ (cos = {cosine:.2e} > gtol = {gtol:g})",
    )


def _max_iter_stop(cosine, gtol, max_iter, bad_trials=0):
    note = f"; {bad_trials} trial point(s) had a non-finite r or J" if bad_trials else ""
    return (
        "max_iter",
        False,
        f"not converged: max_iter = {max_iter} iterations reached "
        f"(cos = {cosine:.2e} > gtol = {gtol:g}){note}",
    )


def levenberg_marquardt(
    residual,
    jacobian,
    w0,
    lam=0.0,
    *,
    damping="levenberg",
    solve="stacked",
    mu0=None,
    tau=1e-3,
    max_iter=500,
    gtol=1e-8,
    xtol=1e-10,
    ftol=1e-8,
    target_loss=None,
    callback=None,
):
    """Minimise ``Φ_λ(w̄) = ½‖r(w̄)‖² + ½w̄ᵀΛw̄`` by Levenberg–Marquardt, ``Λ = λI`` or ``diag(λ)``.

    Each iteration solves the damped Gauss–Newton system

    ``(JᵀJ + Λ + μD) δ = −∇Φ_λ``,  ``∇Φ_λ = Jᵀr + Λw̄``,

    with ``D = I`` (``damping="levenberg"``) or ``D = diag(JᵀJ)``, kept at its running maximum
    so no direction loses its damping (``damping="marquardt"``, scale-invariant). A scalar λ
    penalises every weight alike (``Λ = λI``, Tikhonov); a vector λ of length P gives each
    coordinate its own weight (``Λ = diag(λ)``; zeros leave coordinates unpenalised).

    The step is solved in one of three forms (see :func:`_solve_step`): the stacked
    least-squares problem ``[J; √Λ; diag(√(μD))] δ ≈ [−r; −√Λ w̄; 0]`` (SVD; it does not square
    J's condition number), or, with m < P residuals, the push-through form
    ``(I + J E⁻¹ Jᵀ) a = J E⁻¹ Λw̄ − r``, ``δ = E⁻¹(Jᵀa − Λw̄)``, ``E = Λ + μD``, an m×m system
    instead of a (m + 2P)×P one. The rule (``solve``): ``"stacked"`` always the stacked form;
    ``"auto"`` the push-through form when m < P and the step is damped (every entry of
    ``Λ + μD`` positive), else the stacked one; ``"push-through"`` the push-through form
    whenever the step is damped, whatever m and P. Both give the same δ up to rounding; the
    push-through matrix has condition number up to ``1 + ‖J‖²/min(Λ + μD)``, the square of the
    stacked one's, so it suits wide problems whose damping is not tiny (the PINN's finish).
    ``"cholesky"`` solves the normal equations by Cholesky, ``LLᵀ = JᵀJ + Λ + μD``, a P×P system
    for tall problems (m ≫ P) whose stacked form would not fit in memory; it too squares J's
    condition number. ``"auto"`` takes it when m ≥ P, the step is damped and the stacked
    form's arrays exceed the memory limit.

    Damping strategy (gain ratio; Nielsen's update, as in Madsen, Nielsen & Tingleff, "Methods
    for non-linear least squares problems", 2004): the step is tried and
    ``ρ = (Φ(w̄) − Φ(w̄ + δ)) / (L(0) − L(δ))`` compares the actual decrease with the one the
    linear model ``L(δ) = ½‖r + Jδ‖² + ½(w̄ + δ)ᵀΛ(w̄ + δ)`` predicts. If ``Φ`` decreases (ρ > 0)
    and r and J are finite at ``w̄ + δ``, the step is accepted and
    ``μ ← μ·max(1/3, 1 − (2ρ − 1)³)`` (less damping when the model is good); otherwise it
    fails and ``μ ← νμ``, ``ν ← 2ν`` (ν resets to 2 after an acceptance). A trial point where
    r or J is NaN or infinite (outside the region where the residual is defined, or an
    overflow) is such a failed step, as in MINPACK: the damping grows and the next step is
    shorter. Accepted steps always decrease Φ, so ``history`` is non-increasing. The damping
    is measured in its own unit ``μ̂ = max diag(JᵀJ + Λ)`` (Levenberg; 1 for Marquardt, whose
    D carries the scale): ``μ₀ = τ·μ̂`` unless ``mu0`` is given.

    Stopping rules (MINPACK's ``lmder`` tests, More, Garbow & Hillstrom 1980; none depends on
    the units of r or of w̄: multiplying r, or w̄, by a constant gives the same iterates up
    to that constant and the same stop):

    * "gradient" (converged): the residual is orthogonal to the columns of the Jacobian,
      ``max_j |(Jᵀr + Λw̄)_j| / (‖J_a eⱼ‖ ‖r_a‖) ≤ gtol`` (:func:`gradient_cosine`, the
      cosine between ``r_a = [r; √Λw̄]`` and a column of ``J_a = [J; √Λ]``), or ``r_a = 0``
      exactly (a zero residual is a minimum).
    * "step" (converged): the new step is small relative to the weights,
      ``‖δ‖ ≤ xtol·(xtol + ‖w̄‖)``.
    * "loss" (converged): a trial step, taken or not, whose actual and predicted relative
      reductions are both small, ``|Φ(w̄) − Φ(w̄ + δ)| ≤ ftol·Φ(w̄)`` and
      ``L(0) − L(δ) ≤ ftol·Φ(w̄)``, with ``ρ ≤ 2`` (the model not far off). At Φ's rounding
      floor no decrease below about ``ε·Φ`` can be seen, so the cosine of the gradient test
      cannot always fall below about ``√ε ≈ 1.5·10⁻⁸``; this rule (MINPACK's default
      ``ftol = √ε``) ends such runs.
    * "target" (reported as converged): ``Φ ≤ target_loss``, an absolute level the caller
      chose (for comparing optimisers at equal loss).
    * "max_iter" (not converged): ``max_iter`` iterations.
    * "damping" (not converged): ``μ > 10¹⁶·μ̂``: no step decreases Φ at working precision.
      Φ may sit at its rounding floor, but the gradient test, the one evidence of a
      stationary point, has not passed. "non-finite trials" is the same stop when trial points
      where r or J was not finite came after the last step taken: w̄ has run into the edge of
      the region where r is defined, not into a minimum.
    * "not finite" (not converged, with a RuntimeWarning): the gradient or the step overflows.

    "step" and "loss" detect that the iteration stalls; a stall is evidence of a minimum only
    where the linear model is trusted, so both count only while ``μ ≤ μ̂`` (the damped step
    keeps at least half of the Gauss–Newton step along J's leading direction). Near the edge
    of a region where r is not finite, the damping must keep growing to keep the trial points
    inside, so the shrinking steps there are never reported as converged. ``xtol = 0`` and
    ``ftol = 0`` switch their rules off; ``message`` states the stop in a sentence.

    Memory: the stacked step solves a system of (m + 2P) × P, the push-through one of m × m,
    the normal equations one of P × P;
    the form the start uses is refused before the first Jacobian is formed if it exceeds the
    package's memory limit (:data:`lecturekit._validate.MAX_BYTES`), raising
    :class:`~lecturekit.jacobians.JacobianTooLarge` (a :class:`MemoryError`).

    Parameters
    ----------
    residual : callable
        ``w̄ ↦ r(w̄)``, a vector of length m.
    jacobian : callable
        ``w̄ ↦ J = D_w̄ r``, an m×P matrix (numerator layout).
    w0 : array_like, shape (P,)
        Starting point (r and J must be finite there).
    lam : float or array_like of shape (P,)
        Tikhonov parameter λ ≥ 0, or one λᵢ ≥ 0 per coordinate (``Λ = diag(λ)``).
    damping : {"levenberg", "marquardt"}
    solve : {"stacked", "auto", "push-through", "cholesky"}
        The form of the step (the rule above).
    mu0 : float, optional
        Initial damping μ₀ (overrides τ).
    tau : float
        Relative initial damping, ``μ₀ = τ·μ̂``.
    max_iter : int
        At least 1.
    gtol, xtol, ftol : float
        Stopping tolerances ≥ 0 (see above), all relative.
    target_loss : float, optional
        Stop as soon as ``Φ_λ ≤ target_loss`` (for comparing optimisers at equal loss).
    callback : callable, optional
        ``callback(w, accepted)`` after every iteration (one trial step): ``w`` the current
        iterate (do not modify it), ``accepted`` whether this iteration's step was taken.

    Returns
    -------
    LeastSquaresResult
    """
    max_iter, target_loss = _check_lm_options(
        damping, solve, callback, max_iter, target_loss, {"gtol": gtol, "xtol": xtol, "ftol": ftol}
    )
    start = time.perf_counter()
    w, lam, r, J = _check_problem(residual, jacobian, w0, lam, solve=solve)
    x, damp = _Point(w, r, J, _objective(r, w, lam), lam), _Damping(J, lam, damping, mu0, tau)
    trace, mus, trials = _Trace(start, x.phi), [], _Trials()
    stop = None  # (reason, converged, message)
    for _ in range(max_iter):
        stop, cosine = _stop_before_step(x, damp, gtol, target_loss)
        if stop:
            break
        shift = damp.shift()  # μD
        with np.errstate(over="ignore", invalid="ignore"):
            form = _step_form(solve, x.J.shape, lam, shift)
            JtJ = x.JtJ if form == "cholesky" else None
            step = _solve_step(x.J, x.r, x.w, lam, shift, form=form, JtJ=JtJ)
        mus.append(damp.mu)
        trusted = damp.mu <= damp.unit()  # the damping does not hold the step back
        stop = _step_stop(step, x.w, xtol, trusted)
        if stop:
            trace.log(x.phi)
            break
        trial = trials.try_step(residual, jacobian, x, step)
        small = trusted and _small_reduction(x.phi, trial, ftol)
        if trial.accepted:
            x = trial.point
            damp.rescale(x.J)
        damp.update(trial.rho, trial.accepted)
        trace.log(x.phi)
        if callback is not None:
            callback(x.w, trial.accepted)
        if small:
            stop = _loss_stop(x, ftol)
            break
        if damp.mu > 1e16 * damp.unit():
            stop = _damping_stop(cosine, gtol, trials)
            break
    if stop is None:
        stop = _max_iter_stop(gradient_cosine(x.J, x.r, x.w, lam), gtol, max_iter, trials.bad)
    return trace.result(x.w, mus, trials.nfev, trials.njev, stop, lam)


def gauss_newton(
    residual,
    jacobian,
    w0,
    lam=0.0,
    *,
    line_search=True,
    rcond=None,
    max_iter=100,
    gtol=1e-8,
    xtol=1e-10,
    target_loss=None,
):
    """Minimise ``Φ_λ(w̄) = ½‖r(w̄)‖² + ½w̄ᵀΛw̄`` by Gauss–Newton, ``Λ = λI`` or ``diag(λ)``.

    Each iteration solves ``(JᵀJ + Λ) δ = −(Jᵀr + Λw̄)`` (minimum-norm δ if the matrix is
    singular; the stacked form of :func:`_solve_step`) and sets ``w̄ ← w̄ + tδ``. With
    ``line_search=False`` the full step ``t = 1`` is always taken (the pure method; Φ may
    increase). With ``line_search=True`` t is halved from 1 until the Armijo condition
    ``Φ(w̄ + tδ) ≤ Φ(w̄) + 10⁻⁴ t ∇Φᵀδ`` holds (at most 40 halvings, else stop with reason
    "line_search").

    ``rcond`` truncates the solve: singular values of ``[J; √Λ]`` below ``rcond`` times the
    largest are dropped (a truncated-SVD step, itself a regularisation). The default keeps
    everything down to machine precision, the pure method: on the network's ill-conditioned
    Jacobian (singular values spread over ten decades) that step is huge and the line search
    stalls, which is what Levenberg–Marquardt's damping cures.

    For a linear residual ``r = Aw̄ − d`` one full step lands on the solution of the normal
    equations ``(AᵀA + λI) w̄ = Aᵀd``.

    Stopping rules ("gradient", "step", "target", "max_iter", "not finite"; all relative, see
    :func:`levenberg_marquardt`), the input checks (λ a scalar or a vector of length P), the
    memory guard and the returned history are those of :func:`levenberg_marquardt`. A trial
    point where r or J is not finite fails the line search (t is halved); without the line
    search such a full step stops with "not finite".

    Returns
    -------
    LeastSquaresResult
    """
    max_iter = _check_solver_options(max_iter, {"gtol": gtol, "xtol": xtol})
    if target_loss is not None:
        target_loss = real(target_loss, "target_loss")
    if rcond is not None:
        rcond = real(rcond, "rcond", minimum=0.0)
    start = time.perf_counter()
    w, lam, r, J = _check_problem(residual, jacobian, w0, lam, damped=False)
    x, trials = _Point(w, r, J, _objective(r, w, lam), lam), _Trials()
    trace = _Trace(start, x.phi)
    stop = None  # (reason, converged, message)
    for _ in range(max_iter):
        stop = _target_stop(x.phi, target_loss)
        if stop:
            break
        if not np.all(np.isfinite(x.grad)):
            stop = _not_finite("the gradient ∇Φ_λ = Jᵀr + Λw̄")
            break
        cosine = gradient_cosine(x.J, x.r, x.w, lam)
        stop = _gradient_stop(cosine, gtol)
        if stop:
            break
        with np.errstate(over="ignore", invalid="ignore"):
            step = formulas.gauss_newton_step(x.J, x.r, x.w, lam, rcond)
        stop = _step_stop(step, x.w, xtol)
        if stop:
            trace.log(x.phi)
            break
        new = trials.line_search(residual, jacobian, x, step, line_search)
        if new is _NO_DECREASE:
            trace.log(x.phi)
            stop = _line_search_stop(cosine, gtol)
            break
        if new is None:  # only without the line search: r, Φ or J not finite after the step
            stop = _not_finite("Φ_λ or J after the full step")
            break
        x = new
        trace.log(x.phi)
    if stop is None:
        stop = _max_iter_stop(gradient_cosine(x.J, x.r, x.w, lam), gtol, max_iter)
    return trace.result(x.w, np.zeros(len(trace.history) - 1), trials.nfev, trials.njev, stop, lam)


def _network_problem(X, d, Wh, wo, f, g, lam, damped):
    """Residual and Jacobian callables of the network in the packed weights ``w̄``."""
    Xbar, Wh, wo = check_shapes(X, Wh, wo)
    X = Xbar[:, 1:]
    d = data_vector(d, X.shape[0])
    nbar, p = Wh.shape
    # Refused before the first forward pass, whose cost is that of one row of J per datum.
    _check_step_memory(X.shape[0], nbar * p + p + 1, real(lam, "λ", minimum=0.0), damped)

    f, g = get_activation(f), get_activation(g)

    def split(w):  # w̄ = [vec W̄ʰ; w̄ᵒ] → (W̄ʰ, w̄ᵒ); w̄ comes from the solver, already checked
        return w[: nbar * p].reshape((nbar, p), order="F"), w[nbar * p :]

    def residual(w):
        return forward_checked(Xbar, *split(w), f, g).y - d

    def jacobian(w):
        return _output_and_jacobian(Xbar, *split(w), f, g)[1]

    return residual, jacobian, pack_weights(Wh, wo), (nbar, p)


def _as_network_fit(res, shape):
    Wh, wo = unpack_weights(res.w, *shape)
    return NetworkFit(**res.__dict__, Wh=Wh, wo=wo)


def fit_levenberg_marquardt(X, d, Wh, wo, f="tanh", g="identity", lam=0.0, **options):
    """Train the network by Levenberg–Marquardt on ``½‖y − d‖² + ½λ‖w̄‖²``.

    The residual is ``r = y(w̄) − d`` and its Jacobian ``D_w̄ y = [D_W̄ʰ y  D_w̄ᵒ y]`` is assembled
    from :func:`lecturekit.jacobians.dy_dWh` (structured) and
    :func:`lecturekit.jacobians.dy_dwo`. ``options`` go to :func:`levenberg_marquardt` (damping
    strategy and stopping tolerances are documented there).

    Parameters
    ----------
    X : array_like, shape (m, n)
    d : array_like, shape (m,)
    Wh : array_like, shape (n̄, p)
        Initial hidden weights ``W̄ʰ``.
    wo : array_like, shape (p̄,)
        Initial output weights ``w̄ᵒ``.
    f, g : str or Activation
    lam : float
        Tikhonov parameter λ (weight decay on all weights, biases included).

    Returns
    -------
    NetworkFit
        With the trained ``Wh`` and ``wo``.
    """
    residual, jacobian, w0, shape = _network_problem(X, d, Wh, wo, f, g, lam, damped=True)
    return _as_network_fit(levenberg_marquardt(residual, jacobian, w0, lam, **options), shape)


def fit_gauss_newton(X, d, Wh, wo, f="tanh", g="identity", lam=0.0, **options):
    """Train the network by Gauss–Newton on ``½‖y − d‖² + ½λ‖w̄‖²``.

    Same residual and Jacobian as :func:`fit_levenberg_marquardt`; ``options`` go to
    :func:`gauss_newton` (line search on by default).

    Returns
    -------
    NetworkFit
    """
    residual, jacobian, w0, shape = _network_problem(X, d, Wh, wo, f, g, lam, damped=False)
    return _as_network_fit(gauss_newton(residual, jacobian, w0, lam, **options), shape)


# ---------------------------------------------------------------------------------------------
# Comparing optimisers


def first_reach(history, times, target):
    """First iteration (and its wall time) at which a loss history is ``≤ target``.

    Returns
    -------
    (int, float) or (None, None)
        ``(k, times[k])``, or ``(None, None)`` if the target is never reached.
    """
    history = finite_array(history, "history", 1)
    times = finite_array(times, "times", 1)
    if times.shape != history.shape:
        raise ValueError(
            f"times must match history (length {history.size}); got length {times.size}"
        )
    hit = np.flatnonzero(history <= target)
    return (int(hit[0]), float(times[hit[0]])) if hit.size else (None, None)
