"""Linearised confidence bands and their coverage (chapter 8).

The Gaussian-posterior (Laplace) covariance ``Cov(w̄) ≈ σ²(JᵀJ + λI)⁻¹`` and the band
``band(x) = ± q·sqrt(diag(J_x Cov J_xᵀ))``, q the normal quantile when σ is known and Student's
t quantile when σ is estimated from the residuals; a coverage simulation tests them.

The covariance is the posterior one of the linearised model under the prior
``w̄ ~ N(0, (σ²/λ) I)`` that the penalty expresses. It is not the delta method's: applied to
the Tikhonov estimator (ŵ as a function of the data) the delta method gives the sandwich
``σ² M⁻¹ JᵀJ M⁻¹`` with ``M = JᵀJ + λI``; the two agree only at λ = 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from .._validate import (
    check_memory,
    finite_array,
    function,
    integer,
    real,
    shape_str,
)
from ..activations import get_activation
from ..network import check_shapes
from .least_squares import _output_and_jacobian, fit_levenberg_marquardt, residual_and_jacobian

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


def linearised_covariance(J, r, lam=0.0, sigma=None, rcond=None):
    """Gaussian-posterior (Laplace) covariance of the weights, ``Cov(w̄) ≈ σ² (JᵀJ + λI)⁻¹``.

    This is the posterior covariance of the model linearised at the fit, with the penalty read
    as the prior ``w̄ ~ N(0, (σ²/λ) I)``. It is not the delta method's covariance of the
    Tikhonov estimator, the sandwich ``σ² M⁻¹ JᵀJ M⁻¹`` (``M = JᵀJ + λI``); the two agree only
    at λ = 0, where both are ``σ²(JᵀJ)⁻¹``.

    Computed from the thin SVD ``J = U diag(s) Vᵀ`` (never forming JᵀJ, which squares the
    condition number): ``M⁻¹ = V diag(1/(s² + λ)) Vᵀ + (I − VVᵀ)/λ``, the second term for the
    directions J does not see (only when P > m, and only λ > 0 gives them a finite variance).
    If σ is not given it is estimated from the residuals as ``σ̂² = ‖r‖² / (m − tr T_λ)``,
    ``tr T_λ = Σ s²/(s² + λ)`` for the influence matrix ``T_λ = J (JᵀJ + λI)⁻¹ Jᵀ``
    (for λ = 0 and full-rank J this is the familiar ``‖r‖²/(m − P)``).

    Parameters
    ----------
    J : array_like, shape (m, P)
        Jacobian of the predictions at the data, at the fitted weights.
    r : array_like, shape (m,)
        Residuals ``y − d`` at the fitted weights.
    lam : float
        Tikhonov parameter used in the fit, λ ≥ 0.
    sigma : float, optional
        Known noise standard deviation, σ > 0.
    rcond : float, optional
        Rank tolerance: singular values of ``[J; √λ I]`` (``sqrt(s² + λ)``, and ``√λ`` for the
        unseen directions) at or below ``rcond`` times the largest count as zero. Default
        ``max(m, P)·ε``, numpy.linalg.matrix_rank's.

    Returns
    -------
    Covariance

    Raises
    ------
    ValueError
        If ``JᵀJ + λI`` is singular to that tolerance (the data do not determine some
        combination of the weights and λ = 0: the variance along it is unbounded), or σ is
        to be estimated with no residual degrees of freedom left (m − tr T_λ ≤ 0).
    ArrayTooLarge
        Before the SVD, if the P×P covariance and the SVD's factors exceed the memory limit.
    """
    J = finite_array(J, "J", 2)
    m, P = J.shape
    r = finite_array(r, "r", 1)
    if r.size != m:
        raise ValueError(f"r must have length m = {m} (the rows of J, m×P = {m}×{P}); got {r.size}")
    lam = real(lam, "λ", minimum=0.0)
    if sigma is not None:
        sigma = real(sigma, "σ (the noise standard deviation)", minimum=0.0, strict=True)
    if rcond is None:
        rcond = max(m, P) * np.finfo(float).eps
    rcond = real(rcond, "rcond", minimum=0.0)
    k = min(m, P)
    arrays = {"U": (m, k), "Vᵀ": (k, P), "V diag(·) Vᵀ": (P, P), "Cov = σ²(JᵀJ + λI)⁻¹": (P, P)}
    if P > m:  # the unseen directions' projector I − VVᵀ
        arrays.update({"I": (P, P), "VVᵀ": (P, P)})
    check_memory(
        f"the covariance of P = {P} weights from J (m×P = {m}×{P})",
        arrays,
        cheaper="use fewer weights, or compute the band's variances by solving with J "
        "rather than forming the P×P covariance",
    )
    U, s, Vt = np.linalg.svd(J, full_matrices=False)
    unseen = P - k  # directions with J v = 0 that the thin SVD leaves out
    sv = np.sqrt(s**2 + lam)  # singular values of [J; √λ I]
    top = max(sv.max(initial=0.0), np.sqrt(lam))
    rank = int(np.sum(sv > rcond * top)) + (unseen if np.sqrt(lam) > rcond * top else 0)
    if rank < P:
        more = f" (more weights than data, P > m = {m})" if P > m else ""
        raise ValueError(
            f"JᵀJ + λI is singular: J (m×P = {m}×{P}) with λ = {lam:g} has rank {rank} < P = "
            f"{P}{more} (singular values ≤ {rcond:.2g} × the largest count as zero), so "
            f"{P - rank} combination(s) of the weights do not change the predictions at the "
            "data and their variance is unbounded. Use λ > 0 (a prior on the weights), more "
            "data or fewer weights"
        )
    M_inv = (Vt.T / sv**2) @ Vt  # V diag(1/(s² + λ)) Vᵀ
    if unseen:
        M_inv += (np.eye(P) - Vt.T @ Vt) / lam  # the unseen directions: prior variance 1/λ
    dof = m - float(np.sum(s**2 / sv**2))  # m − tr T_λ, tr T_λ = Σ s²/(s² + λ)
    if sigma is None:
        if dof <= 1e-8:
            raise ValueError(
                f"cannot estimate σ² from the residuals: m − tr T_λ = {dof:.3g} ≤ 0 "
                f"(m = {m} data, P = {P} weights); pass the noise level sigma or use λ > 0"
            )
        sigma2, estimated = float(r @ r) / dof, True
    else:
        sigma2, estimated = sigma**2, False
    return Covariance(sigma2 * M_inv, sigma2, dof, rank, estimated)


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
    with ``q`` Student's t quantile on ``m − tr T_λ`` degrees of freedom when σ is estimated, the
    normal quantile when ``sigma`` is given (see :func:`band_half_width`).

    The band describes the spread of the fitted curve over repeated noisy data *if* the model
    were linear in w̄ near the fit: it ignores curvature, local minima and the bias λ > 0 adds.

    Returns
    -------
    Band
    """
    Xbar, Wh, wo = check_shapes(X, Wh, wo)
    Xn, Wh, wo = check_shapes(X_new, Wh, wo)
    m, k, P = Xbar.shape[0], Xn.shape[0], Wh.size + wo.size
    check_memory(  # J and J_x are formed before linearised_covariance can check its part
        f"the band of P = {P} weights from m = {m} data at k = {k} points",
        {"J": (m, P), "J_x": (k, P), "Cov": (P, P), "V diag(·) Vᵀ": (P, P)},
        cheaper="use fewer evaluation points or a smaller network",
    )
    r, J = residual_and_jacobian(X, d, Wh, wo, f, g)
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
    function(make_data, "make_data", "make_data(seed) ↦ (X, d)")
    function(truth, "truth", "truth(X) ↦ the noise-free curve at the rows of X")
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
