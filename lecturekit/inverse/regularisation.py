"""Choosing the regularisation parameter λ (chapter 8).

The Tikhonov path over a grid of λ, the L-curve corner (maximum curvature), the discrepancy
principle, hold-out validation, and early stopping of gradient descent as iterative
regularisation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import train
from .._validate import (
    data_vector,
    finite_array,
    real,
)
from ..network import check_shapes, predict
from .least_squares import fit_levenberg_marquardt


def _grid(lams, name="λ"):
    """A grid of regularisation parameters: a 1-D array of finite values ≥ 0."""
    lams = finite_array(lams, name, 1)
    if lams.size < 1 or np.any(lams < 0):
        raise ValueError(f"{name} must be a non-empty vector of values ≥ 0; got {lams}")
    return lams


# ---------------------------------------------------------------------------------------------
# Choosing the regularisation parameter


@dataclass
class TikhonovPath:
    """Fits along a grid of λ (sorted increasingly) and the norms the choice rules need.

    ``residual_norms[k] = ‖y(w̄_λ) − d‖`` and ``weight_norms[k] = ‖w̄_λ‖`` for ``lams[k]``;
    ``fits[k]`` is the :class:`NetworkFit` at ``lams[k]`` and ``converged[k]`` its
    ``converged`` flag: a point of the path whose fit did not converge is not a minimiser of
    ``Φ_λ`` and says nothing about the rules.
    """

    lams: np.ndarray
    residual_norms: np.ndarray
    weight_norms: np.ndarray
    fits: list
    converged: np.ndarray


def tikhonov_path(X, d, Wh, wo, lams, f="tanh", g="identity", **options):
    """Fit the network by Levenberg–Marquardt for every λ in ``lams``.

    The fits run from the largest λ to the smallest, each warm-started from the previous
    solution (the first from ``(Wh, wo)``): the heavily regularised problems are nearly convex,
    and continuation keeps the path on one branch of minimisers instead of jumping between the
    local minima a fresh start could find.

    Every point of the path is meant to be a minimiser of ``Φ_λ``, so each fit runs to a
    stationary point: unless ``options`` say otherwise, the stop on a small relative decrease
    of the loss is off (``ftol=0``; it stops where progress slows, which on the flat valleys of
    a weakly regularised network is far from stationary) and the budget is generous
    (``max_iter=20000``), so that a fit ends on the gradient or step test. With the loss test
    off, the gradient test must be one that rounding lets every machine pass: near a minimum
    no decrease of Φ below about ε·Φ can be seen, so the cosine of
    :func:`~lecturekit.inverse.gradient_cosine` stalls at about √ε ≈ 1.5·10⁻⁸ (a little
    above or below, depending on the BLAS kernel's rounding). The path therefore asks for
    ``gtol=1e-6``, well clear of that floor. Whether each fit converged is in ``converged``.

    Parameters
    ----------
    X, d, Wh, wo, f, g
        The network problem, as for :func:`fit_levenberg_marquardt`.
    lams : array_like
        The grid of λ ≥ 0 (any order).
    **options
        Passed to :func:`fit_levenberg_marquardt` (``max_iter``, ``gtol``, ``ftol``, …).

    Returns
    -------
    TikhonovPath
        Sorted by increasing λ.
    """
    lams = np.sort(_grid(lams))
    check_shapes(X, Wh, wo)
    options = {"max_iter": 20000, "ftol": 0.0, "gtol": 1e-6, **options}
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
        converged=np.array([ft.converged for ft in fits]),
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
