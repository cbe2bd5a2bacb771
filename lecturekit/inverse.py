"""The network's Jacobian as an inverse-problems tool.

Training the one-hidden-layer network on the sum-of-squares loss is a nonlinear least-squares
problem in the weights ``w̄ = [vec W̄ʰ; w̄ᵒ]`` (length ``n̄p + p̄``, the column order of
:func:`lecturekit.jacobians.dy_dw`). With the residual ``r(w̄) = y(w̄) − d`` and its Jacobian
``J = D_w̄ r = D_w̄ y = [D_W̄ʰ y  D_w̄ᵒ y]``, this module provides

* Gauss–Newton and Levenberg–Marquardt for the Tikhonov-regularised objective
  ``Φ_λ(w̄) = ½‖r(w̄)‖² + ½λ‖w̄‖²`` (λ = 0 is plain least squares; the same minimiser as
  ``‖r‖² + λ‖w̄‖²``), for a general residual/Jacobian pair and for the network;
* choice of λ: the L-curve corner (maximum curvature), the discrepancy principle, hold-out
  validation, and early stopping of gradient descent as iterative regularisation;
* linearised confidence bands from the Gaussian-posterior (Laplace) covariance
  ``Cov(w̄) ≈ σ²(JᵀJ + λI)⁻¹``, ``band(x) = ± q·sqrt(diag(J_x Cov J_xᵀ))`` with q the normal
  quantile when σ is known and Student's t quantile when σ is estimated from the residuals,
  and a coverage simulation to test them.

The covariance is the posterior one of the linearised model under the prior
``w̄ ~ N(0, (σ²/λ) I)`` that the penalty expresses. It is not the delta method's: applied to
the Tikhonov estimator (ŵ as a function of the data) the delta method gives the sandwich
``σ² M⁻¹ JᵀJ M⁻¹`` with ``M = JᵀJ + λI``; the two agree only at λ = 0.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np

from . import train
from ._validate import (
    array_bytes,
    check_memory,
    data_vector,
    finite_array,
    format_bytes,
    integer,
    real,
    shape_str,
)
from .activations import get_activation
from .jacobians import structured_blocks
from .network import check_shapes, forward_checked, predict
from .vectorise import unvec, vec

# ---------------------------------------------------------------------------------------------
# Input checks


def _grid(lams, name="λ"):
    """A grid of regularisation parameters: a 1-D array of finite values ≥ 0."""
    lams = finite_array(lams, name, 1)
    if lams.size < 1 or np.any(lams < 0):
        raise ValueError(f"{name} must be a non-empty vector of values ≥ 0; got {lams}")
    return lams


# ---------------------------------------------------------------------------------------------
# Weights as one vector


def pack_weights(Wh, wo):
    """Stack the weights into ``w̄ = [vec W̄ʰ; w̄ᵒ]`` (column-major vec, the order of ``dy_dw``).

    Returns
    -------
    ndarray, shape (n̄p + p̄,)
    """
    Wh = finite_array(Wh, "W̄ʰ", 2, allow_complex=True)
    wo = finite_array(wo, "w̄ᵒ", allow_complex=True).reshape(-1)
    if wo.size != Wh.shape[1] + 1:
        raise ValueError(
            f"w̄ᵒ must have length p̄ = p + 1 = {Wh.shape[1] + 1} to match W̄ʰ "
            f"(n̄×p = {shape_str(Wh.shape)}); got length {wo.size}"
        )
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
    show as flat stretches of ``history``.
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
    lam: float = 0.0


@dataclass
class NetworkFit(LeastSquaresResult):
    """A :class:`LeastSquaresResult` for the network, with the weights unpacked."""

    Wh: np.ndarray = field(default=None)
    wo: np.ndarray = field(default=None)


def _objective(r, w, lam):
    # The penalty only when λ > 0: at λ = 0 a huge w̄ would give 0·inf = NaN.
    return 0.5 * float(r @ r) + (0.5 * lam * float(w @ w) if lam else 0.0)


def _norm(v):
    """``‖v‖`` without overflow: ``s‖v/s‖`` with ``s = max|vᵢ|`` (``‖v‖`` itself squares)."""
    s = float(np.max(np.abs(v))) if v.size else 0.0
    return s * float(np.linalg.norm(v / s)) if 0 < s < np.inf else s


def _step_arrays(m, P, lam, damped=True):
    """Names and shapes of the arrays one step holds at once (see :func:`_solve_step`)."""
    rows = m + (P if damped else 0) + (P if lam > 0 else 0)
    arrays = {"J": (m, P)}
    if damped:
        arrays["diag(√(μD))"] = (P, P)
    if lam > 0:
        arrays["√λ I"] = (P, P)
    arrays["[J; √λ I; diag(√(μD))]"] = (rows, P)
    arrays["the solver's copy of it"] = (rows, P)
    return arrays


def _check_solver_options(max_iter, tols):
    max_iter = integer(max_iter, "max_iter", minimum=1)
    for name, value in tols.items():
        real(value, name, minimum=0.0)
    return max_iter


def _residual_or_inf(residual, w):
    """``r(w̄)`` at a trial point, or None if it is not finite there (the step is rejected)."""
    with np.errstate(over="ignore", invalid="ignore"):
        r = np.asarray(residual(w), dtype=float)
    return r if np.all(np.isfinite(r)) else None


def _trial_objective(r, w, lam):
    if r is None or not np.all(np.isfinite(w)):
        return np.inf
    with np.errstate(over="ignore", invalid="ignore"):
        phi = _objective(r, w, lam)
    return phi if np.isfinite(phi) else np.inf


def _check_step_memory(m, P, lam, damped):
    check_memory(
        f"one {'damped ' if damped else ''}Gauss–Newton step at m={m}, P={P}",
        _step_arrays(m, P, lam, damped),
        cheaper="gradient descent (lecturekit.train.fit) never forms J: it needs "
        f"{format_bytes(array_bytes((m,), (P,)))} beyond the forward pass",
    )


def _check_problem(residual, jacobian, w0, lam, damped=True):
    w = finite_array(w0, "w̄₀", 1).copy()
    lam = real(lam, "λ", minimum=0.0)
    with np.errstate(over="ignore", invalid="ignore"):
        r = finite_array(residual(w), "r(w̄₀)", 1)
        phi = _objective(r, w, lam)
    if not np.isfinite(phi):
        raise ValueError(
            f"Φ_λ(w̄₀) = ½‖r‖² + ½λ‖w̄‖² overflows at the starting point (‖r‖ ≈ {_norm(r):.3g}, "
            f"‖w̄₀‖ ≈ {_norm(w):.3g}): start from smaller weights"
        )
    _check_step_memory(r.size, w.size, lam, damped)
    J = finite_array(jacobian(w), "J = D_w̄ r", 2)
    if J.shape != (r.size, w.size):
        raise ValueError(
            f"J = D_w̄ r must be m×P = {r.size}×{w.size} (rows: residuals, columns: weights); "
            f"got {shape_str(J.shape)}"
        )
    return w, lam, r, J


def _not_finite(what):
    warnings.warn(
        f"stopped: {what} is not finite (float64 overflow); the result holds the last iterate "
        "with a finite objective and is not converged",
        RuntimeWarning,
        stacklevel=3,
    )
    return "not finite", False


def _solve_step(J, r, w, lam, shift, rcond=None):
    """Solve ``(JᵀJ + λI + diag(shift)) δ = −(Jᵀr + λw̄)`` as a stacked least-squares problem.

    Stacking ``[J; √λ I; diag(√shift)] δ ≈ [−r; −√λ w̄; 0]`` and using an SVD-based solver avoids
    squaring the condition number of J (which forming JᵀJ would do); if the matrix is singular
    (λ = 0, no damping, rank-deficient J) the minimum-norm step is returned. Singular values
    below ``rcond`` times the largest are discarded (None: machine precision).
    """
    P = w.size
    blocks, rhs = [J], [-r]
    if lam > 0:
        blocks.append(np.sqrt(lam) * np.eye(P))
        rhs.append(-np.sqrt(lam) * w)
    if np.any(shift > 0):
        blocks.append(np.diag(np.sqrt(shift)))
        rhs.append(np.zeros(P))
    step, *_ = np.linalg.lstsq(np.vstack(blocks), np.concatenate(rhs), rcond=rcond)
    return step


def levenberg_marquardt(
    residual,
    jacobian,
    w0,
    lam=0.0,
    *,
    damping="levenberg",
    mu0=None,
    tau=1e-3,
    max_iter=500,
    gtol=1e-6,
    xtol=1e-10,
    ftol=1e-8,
    target_loss=None,
):
    """Minimise ``Φ_λ(w̄) = ½‖r(w̄)‖² + ½λ‖w̄‖²`` by Levenberg–Marquardt.

    Each iteration solves the damped Gauss–Newton system

    ``(JᵀJ + λI + μD) δ = −∇Φ_λ``,  ``∇Φ_λ = Jᵀr + λw̄``,

    with ``D = I`` (``damping="levenberg"``) or ``D = diag(JᵀJ)``, kept at its running maximum
    so no direction loses its damping (``damping="marquardt"``, scale-invariant).

    Damping strategy (gain ratio; Nielsen's update, as in Madsen, Nielsen & Tingleff, "Methods
    for non-linear least squares problems", 2004): the step is tried and
    ``ρ = (Φ(w̄) − Φ(w̄ + δ)) / (L(0) − L(δ))`` compares the actual decrease with the one the
    linear model ``L(δ) = ½‖r + Jδ‖² + ½λ‖w̄ + δ‖²`` predicts. If ``Φ`` decreases (ρ > 0) the
    step is accepted and ``μ ← μ·max(1/3, 1 − (2ρ − 1)³)`` (less damping when the model is good);
    otherwise it is rejected and ``μ ← νμ``, ``ν ← 2ν`` (ν resets to 2 after an acceptance).
    Accepted steps always decrease Φ, so ``history`` is non-increasing. The start is
    ``μ₀ = τ·max diag(JᵀJ + λI)``.

    Stopping: ``‖∇Φ_λ‖∞ ≤ gtol`` ("gradient"), ``‖δ‖ ≤ xtol·(‖w̄‖ + xtol)`` ("step"), an
    accepted step whose actual and predicted decreases are both ``≤ ftol·Φ`` ("loss", the
    MINPACK rule), ``Φ ≤ target_loss`` ("target"), μ > 1e16 ("damping": no step decreases Φ at
    working precision) or ``max_iter`` iterations ("max_iter", reported as not converged).
    A gradient or step that is not finite (float64 overflow) stops the run with reason
    "not finite", reported as not converged and with a RuntimeWarning; a trial point whose
    objective overflows is a rejected step. Never is a non-finite Φ reported as converged.

    Memory: each step solves a stacked least-squares system of (m + 2P) × P; it is refused
    before the first Jacobian is formed if that exceeds the package's memory limit
    (:data:`lecturekit._validate.MAX_BYTES`), raising
    :class:`~lecturekit.jacobians.JacobianTooLarge` (a :class:`MemoryError`).

    Parameters
    ----------
    residual : callable
        ``w̄ ↦ r(w̄)``, a vector of length m.
    jacobian : callable
        ``w̄ ↦ J = D_w̄ r``, an m×P matrix (numerator layout).
    w0 : array_like, shape (P,)
        Starting point.
    lam : float
        Tikhonov parameter λ ≥ 0.
    damping : {"levenberg", "marquardt"}
    mu0 : float, optional
        Initial damping μ₀ (overrides τ).
    tau : float
        Relative initial damping.
    max_iter : int
        At least 1.
    gtol, xtol, ftol : float
        Stopping tolerances ≥ 0 (see above).
    target_loss : float, optional
        Stop as soon as ``Φ_λ ≤ target_loss`` (for comparing optimisers at equal loss).

    Returns
    -------
    LeastSquaresResult
    """
    if damping not in ("levenberg", "marquardt"):
        raise ValueError(f'damping must be "levenberg" or "marquardt"; got {damping!r}')
    max_iter = _check_solver_options(max_iter, {"gtol": gtol, "xtol": xtol, "ftol": ftol})
    if target_loss is not None:
        target_loss = real(target_loss, "target_loss")
    start = time.perf_counter()
    w, lam, r, J = _check_problem(residual, jacobian, w0, lam)
    nfev = njev = 1
    phi = _objective(r, w, lam)
    with np.errstate(over="ignore", invalid="ignore"):
        grad = J.T @ r + lam * w
        scale = np.sum(J * J, axis=0)  # diag(JᵀJ)
    if mu0 is None:
        mu = real(tau, "τ", minimum=0.0, strict=True) * max(float(scale.max()) + lam, 1e-12)
    else:
        mu = real(mu0, "μ₀", minimum=0.0, strict=True)
    nu = 2.0
    history, times, mus = [phi], [time.perf_counter() - start], []
    reason, converged = "max_iter", False
    for _ in range(max_iter):
        if target_loss is not None and phi <= target_loss:
            reason, converged = "target", True
            break
        if not (np.all(np.isfinite(grad)) and np.all(np.isfinite(scale)) and np.isfinite(mu)):
            reason, converged = _not_finite("the gradient ∇Φ_λ = Jᵀr + λw̄ or the damping")
            break
        if np.max(np.abs(grad)) <= gtol:
            reason, converged = "gradient", True
            break
        D = np.ones_like(scale) if damping == "levenberg" else scale
        with np.errstate(over="ignore", invalid="ignore"):
            step = _solve_step(J, r, w, lam, mu * D)
        mus.append(mu)
        if not np.all(np.isfinite(step)):
            reason, converged = _not_finite("the step δ")
            break
        if _norm(step) <= xtol * (_norm(w) + xtol):
            history.append(phi)
            times.append(time.perf_counter() - start)
            reason, converged = "step", True
            break
        w_new = w + step
        r_new = _residual_or_inf(residual, w_new)  # None: not finite there, the step fails
        nfev += 1
        phi_new = _trial_objective(r_new, w_new, lam)
        with np.errstate(over="ignore", invalid="ignore"):
            predicted = 0.5 * float(step @ (mu * D * step - grad))  # L(0) − L(δ) ≥ 0
            rho = (phi - phi_new) / predicted if predicted > 0 else -1.0
        if phi_new < phi and rho > 0:
            small = max(phi - phi_new, predicted) <= ftol * phi
            w, r, phi = w_new, finite_array(r_new, "r(w̄)", 1), phi_new
            J = finite_array(jacobian(w), "J = D_w̄ r", 2)
            njev += 1
            with np.errstate(over="ignore", invalid="ignore"):
                grad = J.T @ r + lam * w
                scale = np.maximum(scale, np.sum(J * J, axis=0))
            mu *= max(1 / 3, 1 - (2 * rho - 1) ** 3)
            nu = 2.0
        else:
            small = False
            mu *= nu
            nu *= 2.0
        history.append(phi)
        times.append(time.perf_counter() - start)
        if small:
            reason, converged = "loss", True
            break
        if mu > 1e16:
            reason, converged = "damping", True
            break
    return LeastSquaresResult(
        w=w,
        loss=phi,
        history=np.array(history),
        times=np.array(times),
        mu=np.array(mus),
        iterations=len(history) - 1,
        nfev=nfev,
        njev=njev,
        converged=converged,
        reason=reason,
        lam=lam,
    )


def gauss_newton(
    residual,
    jacobian,
    w0,
    lam=0.0,
    *,
    line_search=True,
    rcond=None,
    max_iter=100,
    gtol=1e-6,
    xtol=1e-10,
    target_loss=None,
):
    """Minimise ``Φ_λ(w̄) = ½‖r(w̄)‖² + ½λ‖w̄‖²`` by Gauss–Newton.

    Each iteration solves ``(JᵀJ + λI) δ = −(Jᵀr + λw̄)`` (minimum-norm δ if the matrix is
    singular) and sets ``w̄ ← w̄ + tδ``. With ``line_search=False`` the full step ``t = 1`` is
    always taken (the pure method; Φ may increase). With ``line_search=True`` t is halved from
    1 until the Armijo condition ``Φ(w̄ + tδ) ≤ Φ(w̄) + 10⁻⁴ t ∇Φᵀδ`` holds (at most 40 halvings,
    else stop with reason "line_search").

    ``rcond`` truncates the solve: singular values of ``[J; √λ I]`` below ``rcond`` times the
    largest are dropped (a truncated-SVD step, itself a regularisation). The default keeps
    everything down to machine precision, the pure method: on the network's ill-conditioned
    Jacobian (singular values spread over ten decades) that step is huge and the line search
    stalls, which is what Levenberg–Marquardt's damping cures.

    For a linear residual ``r = Aw̄ − d`` one full step lands on the solution of the normal
    equations ``(AᵀA + λI) w̄ = Aᵀd``.

    Stopping rules ("gradient", "step", "target", "max_iter", "not finite"), the input checks,
    the memory guard and the returned history are those of :func:`levenberg_marquardt`.
    Without the line search a full step whose objective overflows stops with "not finite".

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
    nfev = njev = 1
    phi = _objective(r, w, lam)
    history, times = [phi], [time.perf_counter() - start]
    reason, converged = "max_iter", False
    zero = np.zeros(w.size)
    for _ in range(max_iter):
        with np.errstate(over="ignore", invalid="ignore"):
            grad = J.T @ r + lam * w
        if target_loss is not None and phi <= target_loss:
            reason, converged = "target", True
            break
        if not np.all(np.isfinite(grad)):
            reason, converged = _not_finite("the gradient ∇Φ_λ = Jᵀr + λw̄")
            break
        if np.max(np.abs(grad)) <= gtol:
            reason, converged = "gradient", True
            break
        with np.errstate(over="ignore", invalid="ignore"):
            step = _solve_step(J, r, w, lam, zero, rcond)
        if not np.all(np.isfinite(step)):
            reason, converged = _not_finite("the step δ")
            break
        if _norm(step) <= xtol * (_norm(w) + xtol):
            history.append(phi)
            times.append(time.perf_counter() - start)
            reason, converged = "step", True
            break
        t, slope = 1.0, float(grad @ step)
        for _halving in range(41):
            w_new = w + t * step
            r_new = _residual_or_inf(residual, w_new)
            nfev += 1
            phi_new = _trial_objective(r_new, w_new, lam)
            if not line_search or phi_new <= phi + 1e-4 * t * slope:
                break
            t *= 0.5
        else:
            history.append(phi)
            times.append(time.perf_counter() - start)
            reason = "line_search"
            break
        if not np.isfinite(phi_new):  # only without the line search: the full step overflowed
            reason, converged = _not_finite("Φ_λ after the full step")
            break
        w, r, phi = w_new, r_new, phi_new
        J = finite_array(jacobian(w), "J = D_w̄ r", 2)
        njev += 1
        history.append(phi)
        times.append(time.perf_counter() - start)
    return LeastSquaresResult(
        w=w,
        loss=phi,
        history=np.array(history),
        times=np.array(times),
        mu=np.zeros(len(history) - 1),
        iterations=len(history) - 1,
        nfev=nfev,
        njev=njev,
        converged=converged,
        reason=reason,
        lam=lam,
    )


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
# Choosing the regularisation parameter


@dataclass
class TikhonovPath:
    """Fits along a grid of λ (sorted increasingly) and the norms the choice rules need.

    ``residual_norms[k] = ‖y(w̄_λ) − d‖`` and ``weight_norms[k] = ‖w̄_λ‖`` for ``lams[k]``;
    ``fits[k]`` is the :class:`NetworkFit` at ``lams[k]``.
    """

    lams: np.ndarray
    residual_norms: np.ndarray
    weight_norms: np.ndarray
    fits: list


def tikhonov_path(X, d, Wh, wo, lams, f="tanh", g="identity", **options):
    """Fit the network by Levenberg–Marquardt for every λ in ``lams``.

    The fits run from the largest λ to the smallest, each warm-started from the previous
    solution (the first from ``(Wh, wo)``): the heavily regularised problems are nearly convex,
    and continuation keeps the path on one branch of minimisers instead of jumping between the
    local minima a fresh start could find.

    Returns
    -------
    TikhonovPath
        Sorted by increasing λ.
    """
    lams = np.sort(_grid(lams))
    check_shapes(X, Wh, wo)
    fits = [None] * lams.size
    Wh_k, wo_k = Wh, wo
    for k in range(lams.size - 1, -1, -1):
        fits[k] = fit_levenberg_marquardt(X, d, Wh_k, wo_k, f, g, lam=lams[k], **options)
        Wh_k, wo_k = fits[k].Wh, fits[k].wo
    res = [
        np.linalg.norm(predict(X, ft.Wh, ft.wo, f, g) - np.asarray(d).reshape(-1)) for ft in fits
    ]
    return TikhonovPath(
        lams=lams,
        residual_norms=np.array(res),
        weight_norms=np.array([np.linalg.norm(ft.w) for ft in fits]),
        fits=fits,
    )


def l_curve_curvature(lams, residual_norms, weight_norms):
    """Signed curvature of the L-curve ``(log‖r_λ‖, log‖w̄_λ‖)`` parametrised by ``t = log λ``.

    Implements ``κ = (ρ̂′η̂″ − ρ̂″η̂′) / (ρ̂′² + η̂′²)^{3/2}`` with ``ρ̂ = log‖r_λ‖``,
    ``η̂ = log‖w̄_λ‖`` and derivatives in t by second-order finite differences on the (possibly
    non-uniform) grid. With λ increasing, the corner of the "L" has the largest positive κ.

    Parameters
    ----------
    lams : array_like, shape (k,)
        Positive, strictly increasing λ (at least 3).
    residual_norms, weight_norms : array_like, shape (k,)
        Positive norms ``‖r_λ‖`` and ``‖w̄_λ‖``.

    Returns
    -------
    ndarray, shape (k,)
    """
    lams = _grid(lams)
    rho = finite_array(residual_norms, "‖r_λ‖", 1)
    eta = finite_array(weight_norms, "‖w̄_λ‖", 1)
    if not (rho.shape == eta.shape == lams.shape):
        raise ValueError(
            f"λ, ‖r_λ‖ and ‖w̄_λ‖ must have the same length; got {lams.size}, {rho.size}, {eta.size}"
        )
    if lams.size < 3 or np.any(lams <= 0) or np.any(np.diff(lams) <= 0):
        raise ValueError("the L-curve needs at least 3 positive, strictly increasing λ")
    if np.any(rho <= 0) or np.any(eta <= 0):
        raise ValueError("the L-curve is drawn in log–log axes: the norms must be positive")
    t, x, y = np.log(lams), np.log(rho), np.log(eta)
    dx, dy = np.gradient(x, t), np.gradient(y, t)
    ddx, ddy = np.gradient(dx, t), np.gradient(dy, t)
    speed = (dx**2 + dy**2) ** 1.5
    return (dx * ddy - ddx * dy) / np.maximum(speed, np.finfo(float).tiny)


def l_curve_corner(lams, residual_norms, weight_norms):
    """Index of the L-curve's corner: the λ of maximum curvature (see :func:`l_curve_curvature`).

    The end points are excluded (their one-sided differences are least accurate).
    """
    kappa = l_curve_curvature(lams, residual_norms, weight_norms)
    return 1 + int(np.argmax(kappa[1:-1]))


def discrepancy_level(noise_std, m, tau=1.0):
    """The discrepancy-principle target ``τ δ`` with ``δ = σ √m``, the expected ``‖noise‖``."""
    noise_std = real(noise_std, "σ", minimum=0.0, strict=True)
    tau = real(tau, "τ", minimum=1.0)
    return tau * noise_std * np.sqrt(m)


def discrepancy_principle(lams, residual_norms, noise_std, m, tau=1.0):
    """Index of the λ chosen by Morozov's discrepancy principle.

    Picks the largest λ whose residual does not exceed the noise: ``‖r_λ‖ ≤ τσ√m``, where σ is
    the noise standard deviation and ``σ√m`` the expected norm of the noise vector (τ ≥ 1 is a
    safety factor). Fitting closer than this fits the noise; regularising more leaves signal in
    the residual.

    Raises
    ------
    ValueError
        If no λ on the grid reaches the level (extend the grid to smaller λ).
    """
    lams = _grid(lams)
    rho = finite_array(residual_norms, "‖r_λ‖", 1)
    if rho.shape != lams.shape:
        raise ValueError(f"λ and ‖r_λ‖ must have the same length; got {lams.size}, {rho.size}")
    level = discrepancy_level(noise_std, m, tau)
    ok = np.flatnonzero(rho <= level)
    if ok.size == 0:
        raise ValueError(
            f"no λ reaches the discrepancy level τσ√m = {level:.4g} (smallest ‖r_λ‖ is "
            f"{rho.min():.4g}); extend the grid to smaller λ"
        )
    return int(ok[np.argmax(lams[ok])])


def holdout_errors(path, X_val, d_val, f="tanh", g="identity"):
    """Mean squared error ``‖y_val(w̄_λ) − d_val‖² / m_val`` of each fit on a hold-out set.

    The hold-out rule picks ``argmin`` of these errors.

    Returns
    -------
    ndarray, shape (len(path.lams),)
    """
    if not path.fits:
        raise ValueError("the path holds no fits")
    Xbar, *_ = check_shapes(X_val, path.fits[0].Wh, path.fits[0].wo)
    X_val = Xbar[:, 1:]
    d_val = data_vector(d_val, X_val.shape[0], "d_val")
    errs = [np.mean((predict(X_val, ft.Wh, ft.wo, f, g) - d_val) ** 2) for ft in path.fits]
    return np.array(errs)


def discrepancy_stop(residual_norms, noise_std, m, tau=1.0):
    """Early stopping by the discrepancy principle: the first iteration k with ``‖r_k‖ ≤ τσ√m``.

    For an iterative method (gradient descent, Landweber) the iteration count plays the role of
    1/λ: stopping as soon as the residual reaches the noise level regularises.

    Returns
    -------
    int or None
        None if the level is never reached.
    """
    rho = finite_array(residual_norms, "‖r_k‖", 1)
    hit = np.flatnonzero(rho <= discrepancy_level(noise_std, m, tau))
    return int(hit[0]) if hit.size else None


@dataclass
class EarlyStopping:
    """Result of :func:`early_stopping`; arrays are indexed by epoch k = 0, …, epochs.

    ``train_loss[k] = ½‖y_k − d‖²``, ``residual_norms[k] = ‖y_k − d‖``,
    ``weight_norms[k] = ‖w̄_k‖``, ``val_errors[k]`` the mean squared hold-out error.
    ``best_epoch`` minimises ``val_errors`` (hold-out rule) and ``(Wh, wo)`` are its weights;
    ``discrepancy_epoch`` is the first k with ``‖r_k‖ ≤ τσ√m`` (None if σ was not given or the
    level was not reached) and ``(Wh_discrepancy, wo_discrepancy)`` its weights.
    """

    train_loss: np.ndarray
    residual_norms: np.ndarray
    weight_norms: np.ndarray
    val_errors: np.ndarray
    best_epoch: int
    Wh: np.ndarray
    wo: np.ndarray
    discrepancy_epoch: int | None
    Wh_discrepancy: np.ndarray | None
    wo_discrepancy: np.ndarray | None
    result: object  # the lecturekit.train.TrainResult of the whole run


def early_stopping(
    X,
    d,
    Wh,
    wo,
    X_val,
    d_val,
    f="tanh",
    g="identity",
    lr=0.1,
    epochs=1000,
    noise_std=None,
    tau=1.0,
    **fit_options,
):
    """Gradient descent as iterative regularisation: track where to stop it.

    Runs :func:`lecturekit.train.fit` (full batch unless ``batch_size`` is passed in
    ``fit_options``; no weight decay unless given) for ``epochs`` epochs from ``(Wh, wo)`` and
    records after every epoch the training residual, the weight norm and the hold-out error.
    Started from small weights, gradient descent fits the large-scale, well-determined
    directions of the problem first and the poorly determined ones (which amplify noise) last,
    so the number of iterations acts like 1/λ. Two stopping rules are reported: the hold-out
    rule (the epoch of least validation error) and the discrepancy principle (the first epoch
    with ``‖y_k − d‖ ≤ τσ√m``, given the noise level σ).

    Returns
    -------
    EarlyStopping
    """
    Xbar, Wh, wo = check_shapes(X, Wh, wo)
    X = Xbar[:, 1:]
    d = data_vector(d, X.shape[0])
    Xv, *_ = check_shapes(X_val, Wh, wo)
    Xv = Xv[:, 1:]
    d_val = data_vector(d_val, Xv.shape[0], "d_val")
    level = None if noise_std is None else discrepancy_level(noise_std, X.shape[0], tau)
    rec = {"res": [], "wnorm": [], "val": []}
    keep = {"best": (np.inf, 0, Wh, wo), "disc": None}

    def record(epoch, Wh_, wo_):
        res = float(np.linalg.norm(predict(X, Wh_, wo_, f, g) - d))
        val = float(np.mean((predict(Xv, Wh_, wo_, f, g) - d_val) ** 2))
        rec["res"].append(res)
        rec["wnorm"].append(float(np.sqrt(np.sum(Wh_**2) + np.sum(wo_**2))))
        rec["val"].append(val)
        if val < keep["best"][0]:
            keep["best"] = (val, epoch, Wh_.copy(), wo_.copy())
        if level is not None and keep["disc"] is None and res <= level:
            keep["disc"] = (epoch, Wh_.copy(), wo_.copy())

    record(0, Wh, wo)
    result = train.fit(
        X,
        d,
        Wh,
        wo,
        f,
        g,
        lr=lr,
        epochs=epochs,
        callback=lambda epoch, Wh_, wo_, J: record(epoch, Wh_, wo_),
        **fit_options,
    )
    rho = np.array(rec["res"])
    _, best, Wh_best, wo_best = keep["best"]
    disc = keep["disc"] or (None, None, None)
    return EarlyStopping(
        train_loss=0.5 * rho**2,
        residual_norms=rho,
        weight_norms=np.array(rec["wnorm"]),
        val_errors=np.array(rec["val"]),
        best_epoch=best,
        Wh=Wh_best,
        wo=wo_best,
        discrepancy_epoch=disc[0],
        Wh_discrepancy=disc[1],
        wo_discrepancy=disc[2],
        result=result,
    )


# ---------------------------------------------------------------------------------------------
# Linearised confidence bands


@dataclass
class Covariance:
    """Gaussian-posterior (Laplace) covariance ``σ²(JᵀJ + λI)⁻¹`` of the weights, and σ²'s source.

    Pass it whole to :func:`band_half_width`, which then picks the quantile: Student's t with
    ``dof`` degrees of freedom when σ² was estimated, the normal one when σ was known.
    """

    cov: np.ndarray
    sigma2: float
    dof: float  # residual degrees of freedom m − tr(J(JᵀJ + λI)⁻¹Jᵀ)
    rank: int  # numerical rank of JᵀJ + λI
    estimated: bool  # True if σ² came from the residuals


def linearised_covariance(J, r, lam=0.0, sigma=None, rcond=1e-12):
    """Gaussian-posterior (Laplace) covariance of the weights, ``Cov(w̄) ≈ σ² (JᵀJ + λI)⁻¹``.

    This is the posterior covariance of the model linearised at the fit, with the penalty read
    as the prior ``w̄ ~ N(0, (σ²/λ) I)``. It is not the delta method's covariance of the
    Tikhonov estimator, the sandwich ``σ² M⁻¹ JᵀJ M⁻¹`` (``M = JᵀJ + λI``); the two agree only
    at λ = 0, where both are ``σ²(JᵀJ)⁻¹``.

    If σ is not given it is estimated from the residuals as
    ``σ̂² = ‖r‖² / (m − tr H)``, ``H = J(JᵀJ + λI)⁻¹Jᵀ`` (for λ = 0 and full-rank J this is the
    familiar ``‖r‖²/(m − P)``). Eigenvalues of ``JᵀJ + λI`` below ``rcond`` times the largest
    are treated as zero (pseudo-inverse): directions the data cannot see get no variance, so a
    band computed then is too narrow along them.

    Parameters
    ----------
    J : array_like, shape (m, P)
        Jacobian of the predictions at the data, at the fitted weights.
    r : array_like, shape (m,)
        Residuals ``y − d`` at the fitted weights.
    lam : float
        Tikhonov parameter used in the fit.
    sigma : float, optional
        Known noise standard deviation.

    Returns
    -------
    Covariance
    """
    J = finite_array(J, "J", 2)
    m, P = J.shape
    r = finite_array(r, "r", 1)
    if r.size != m:
        raise ValueError(f"r must have length m = {m} (the rows of J, m×P = {m}×{P}); got {r.size}")
    lam = real(lam, "λ", minimum=0.0)
    evals, V = np.linalg.eigh(J.T @ J + lam * np.eye(P))
    keep = evals > rcond * max(evals.max(), 0.0)
    inv = np.where(keep, 1.0 / np.where(keep, evals, 1.0), 0.0)
    M_inv = (V * inv) @ V.T
    dof = m - float(np.sum((J @ M_inv) * J))  # tr H = tr(J M⁻¹ Jᵀ), without the m×m matrix H
    if sigma is None:
        if dof <= 1e-8:
            raise ValueError(
                f"cannot estimate σ² from the residuals: m − tr H = {dof:.3g} ≤ 0 "
                f"(m = {m} data, P = {P} weights); pass the noise level sigma or use λ > 0"
            )
        sigma2, estimated = float(r @ r) / dof, True
    else:
        sigma2, estimated = real(sigma, "σ", minimum=0.0, strict=True) ** 2, False
    return Covariance(sigma2 * M_inv, sigma2, dof, int(keep.sum()), estimated)


def band_half_width(Jx, cov, level=0.95, dof=None):
    """Half-width of the pointwise band, ``q·sqrt(diag(J_x Cov J_xᵀ))``.

    The quantile ``q`` depends on where σ came from:

    * σ known: ``q = Φ⁻¹((1 + level)/2)``, the normal quantile (1.960 for 95 %);
    * σ estimated from the residuals, ``σ̂² = ‖r‖²/ν``: ``q = t_ν⁻¹((1 + level)/2)``, Student's
      t with ν residual degrees of freedom (2.024 for 95 % at ν = 38, a straight line through
      40 points). ``σ̂`` is itself uncertain, and ``(ŷ − y)/ŝe`` is then t-distributed, not
      normal; the textbook regression band uses t for this reason.

    Parameters
    ----------
    Jx : array_like, shape (k, P)
        Jacobian of the predictions at the k evaluation points.
    cov : Covariance or array_like, shape (P, P)
        A :class:`Covariance` (from :func:`linearised_covariance`) carries how σ² was
        obtained, and the quantile follows from it. A bare matrix is taken as computed with a
        known σ (normal quantile) unless ``dof`` is given.
    level : float
        Pointwise confidence level in (0, 1).
    dof : float, optional
        Residual degrees of freedom ν > 0 of an estimated σ; overrides what ``cov`` says.

    Returns
    -------
    ndarray, shape (k,)
    """
    if isinstance(cov, Covariance):
        if dof is None and cov.estimated:
            dof = cov.dof
        cov = cov.cov
    Jx = finite_array(Jx, "J_x", 2)
    cov = finite_array(cov, "Cov", 2)
    if cov.shape != (Jx.shape[1], Jx.shape[1]):
        raise ValueError(
            f"Cov must be P×P = {Jx.shape[1]}×{Jx.shape[1]} to match J_x "
            f"({shape_str(Jx.shape)}); got {shape_str(cov.shape)}"
        )
    level = real(level, "level", minimum=0.0, strict=True, maximum=1.0)
    if dof is None:
        q = NormalDist().inv_cdf(0.5 + 0.5 * level)
    else:
        from scipy import stats  # only here: scipy.stats is slow to import

        dof = real(dof, "dof (the residual degrees of freedom ν)", minimum=0.0, strict=True)
        q = float(stats.t.ppf(0.5 + 0.5 * level, dof))
    var = np.einsum("ij,jk,ik->i", Jx, cov, Jx)  # diag(J_x Cov J_xᵀ) without the k×k matrix
    return q * np.sqrt(np.maximum(var, 0.0))


@dataclass
class Band:
    """A pointwise confidence band ``y ± half_width`` at the evaluation points."""

    y: np.ndarray
    half_width: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    covariance: Covariance
    level: float


def confidence_band(X, d, Wh, wo, X_new, f="tanh", g="identity", lam=0.0, sigma=None, level=0.95):
    """Linearised confidence band of a fitted network's predictions at ``X_new``.

    With ``J = D_w̄ y`` at the data and ``J_x = D_w̄ y`` at ``X_new`` (both at the fitted
    weights ``(Wh, wo)``): ``Cov(w̄) ≈ σ²(JᵀJ + λI)⁻¹`` (σ² estimated from the residuals unless
    given, see :func:`linearised_covariance`) and ``band(x) = y(x) ± q·sqrt(diag(J_x Cov J_xᵀ))``
    with ``q`` Student's t quantile on ``m − tr H`` degrees of freedom when σ is estimated, the
    normal quantile when ``sigma`` is given (see :func:`band_half_width`).

    The band describes the spread of the fitted curve over repeated noisy data *if* the model
    were linear in w̄ near the fit: it ignores curvature, local minima and the bias λ > 0 adds.

    Returns
    -------
    Band
    """
    r, J = residual_and_jacobian(X, d, Wh, wo, f, g)
    Xn, Wh, wo = check_shapes(X_new, Wh, wo)
    y, Jx = _output_and_jacobian(Xn, Wh, wo, get_activation(f), get_activation(g))
    cov = linearised_covariance(J, r, lam, sigma)
    half = band_half_width(Jx, cov, level)  # t if σ was estimated, normal if it was given
    return Band(y, half, y - half, y + half, cov, float(level))


@dataclass
class Coverage:
    """Result of :func:`coverage_simulation`.

    ``hits[i, j]`` says whether repetition i's band contained the truth at ``X_eval[j]``;
    ``coverage = hits.mean(axis=0)`` and ``stderr`` its binomial standard error.
    """

    X_eval: np.ndarray
    truth: np.ndarray
    coverage: np.ndarray
    stderr: np.ndarray
    hits: np.ndarray
    half_widths: np.ndarray
    predictions: np.ndarray
    converged: np.ndarray
    level: float


def coverage_simulation(
    make_data,
    truth,
    Wh0,
    wo0,
    X_eval,
    n_rep=200,
    f="tanh",
    g="identity",
    lam=0.0,
    sigma=None,
    level=0.95,
    first_seed=0,
    **options,
):
    """How often the linearised band contains the true curve, over repeated noisy data sets.

    For repetitions ``i = 0, …, n_rep − 1``: draw ``(X, d) = make_data(first_seed + i)``, fit
    the network by :func:`fit_levenberg_marquardt` from the same initial weights ``(Wh0, wo0)``,
    form the band at ``X_eval`` by :func:`confidence_band`, and record whether
    ``|truth(X_eval) − y(X_eval)| ≤ half-width``. A band that is right covers about ``level`` of
    the time at every point.

    Parameters
    ----------
    make_data : callable
        ``seed ↦ (X, d)``, e.g. ``lambda s: lecturekit.data.make_sine(40, 0.1, seed=s)``.
    truth : callable
        ``X ↦`` the noise-free curve at the rows of X (a vector).
    Wh0, wo0 : array_like
        Initial weights used for every refit.
    X_eval : array_like, shape (k, n)
        Points where coverage is measured.
    n_rep : int
    options
        Passed to :func:`fit_levenberg_marquardt`.

    Returns
    -------
    Coverage
    """
    n_rep = integer(n_rep, "n_rep (the number of repetitions)", minimum=1)
    Xe, Wh0, wo0 = check_shapes(X_eval, Wh0, wo0)
    Xe = Xe[:, 1:]
    true = finite_array(truth(Xe), "truth(X_eval)").reshape(-1)
    if true.size != Xe.shape[0]:
        raise ValueError(f"truth(X_eval) must have length k = {Xe.shape[0]}; got {true.size}")
    hits, widths, preds, conv = [], [], [], []
    for i in range(int(n_rep)):
        X, d = make_data(first_seed + i)
        fit = fit_levenberg_marquardt(X, d, Wh0, wo0, f, g, lam=lam, **options)
        band = confidence_band(X, d, fit.Wh, fit.wo, Xe, f, g, lam=lam, sigma=sigma, level=level)
        hits.append(np.abs(true - band.y) <= band.half_width)
        widths.append(band.half_width)
        preds.append(band.y)
        conv.append(fit.converged)
    hits = np.array(hits)
    cov = hits.mean(axis=0)
    return Coverage(
        X_eval=Xe,
        truth=true,
        coverage=cov,
        stderr=np.sqrt(cov * (1 - cov) / n_rep),
        hits=hits,
        half_widths=np.array(widths),
        predictions=np.array(preds),
        converged=np.array(conv),
        level=float(level),
    )


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
