"""Chapter 8's figures: choosing λ on the Tikhonov path, and early stopping beside it."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import NullFormatter

from .. import network

RULE_MARKERS = {"L-curve corner": "s", "discrepancy": "D", "hold-out": "^"}
RULE_COLOURS = ("C1", "C2", "C3")


def _lcurve_plane(ax, noise_norm, title):
    """Finish a panel on the L-curve plane (‖w̄‖ against ‖y − d‖): the noise level σ√m, the
    axis labels and the title."""
    ax.axvline(noise_norm, color="grey", ls=":", label="σ√m")
    ax.set(xlabel="residual norm ‖y − d‖", ylabel="weight norm ‖w̄‖", title=title)
    ax.xaxis.set_minor_formatter(NullFormatter())  # minor labels would overlap


def tikhonov_choice_figure(path, chosen, val_err, noise_norm, X, d, x_plot):
    """The L-curve with each rule's λ, the errors against λ, and the chosen fits, stacked.

    Parameters
    ----------
    path : result of :func:`lecturekit.inverse.tikhonov_path`
        With ``lams``, ``residual_norms``, ``weight_norms`` and ``fits`` along the λ grid.
    chosen : dict
        ``rule name → index into the path`` (for example the L-curve corner).
    val_err : array_like
        Hold-out mean squared error at each λ.
    noise_norm : float
        ``σ√m``, the residual norm the noise alone would leave.
    X, d : the training data; x_plot : column of inputs for the fitted curves.

    Returns
    -------
    matplotlib.figure.Figure
    """
    m = len(d)
    fig, axes = plt.subplots(3, 1, figsize=(8, 12))
    ax = axes[0]
    ax.loglog(path.residual_norms, path.weight_norms, "o-", color="C0", ms=4, label="Tikhonov path")
    for (rule, k), colour in zip(chosen.items(), RULE_COLOURS, strict=False):
        ax.loglog(
            path.residual_norms[k],
            path.weight_norms[k],
            RULE_MARKERS.get(rule, "o"),
            color=colour,
            ms=10,
            mfc="none",
            mew=2,
            label=f"{rule}, λ = {path.lams[k]:.1g}",
        )
    _lcurve_plane(ax, noise_norm, "L-curve")
    ax.legend(fontsize=9)
    ax = axes[1]
    ax.loglog(path.lams, path.residual_norms, "o-", ms=4, label="‖y − d‖ (training)")
    ax.loglog(
        path.lams, np.sqrt(m * np.asarray(val_err)), "s-", ms=4, label="√m · RMS hold-out error"
    )
    ax.axhline(noise_norm, color="grey", ls=":", label="σ√m")
    ax.set(xlabel="λ", ylabel="norm", title="Residual and hold-out error against λ")
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.legend(fontsize=9)
    ax = axes[2]
    ax.plot(X[:, 0], d, "k.", label="data")
    ax.plot(x_plot[:, 0], np.sin(x_plot[:, 0]), "k--", lw=1, label="sin x")
    first = path.fits[0]
    ax.plot(
        x_plot[:, 0],
        network.predict(x_plot, first.Wh, first.wo),
        color="C0",
        lw=1,
        label=f"λ = {path.lams[0]:.0e}",
    )
    for (rule, k), colour in zip(chosen.items(), RULE_COLOURS, strict=False):
        fit = path.fits[k]
        ax.plot(x_plot[:, 0], network.predict(x_plot, fit.Wh, fit.wo), color=colour, label=rule)
    ax.set(xlim=(-0.3, 6.6), ylim=(-2, 2), xlabel="x", ylabel="y", title="Fits")
    ax.legend(fontsize=9)
    fig.tight_layout()
    return fig


def early_stopping_figure(path, es, noise_norm, best_tikhonov_error, m):
    """Gradient descent's iterates on the L-curve plane, and its errors by epoch.

    Parameters
    ----------
    path : the Tikhonov path (see :func:`tikhonov_choice_figure`).
    es : result of :func:`lecturekit.inverse.early_stopping`
        With ``residual_norms``, ``weight_norms``, ``val_errors``, ``train_loss`` by epoch and
        the ``discrepancy_epoch``.
    noise_norm : float
        ``σ√m``.
    best_tikhonov_error : float
        The least hold-out error along the Tikhonov path, for comparison.
    m : int
        Number of training observations (``train_loss`` is ½‖r‖², so MSE = 2ℓ/m).

    Returns
    -------
    matplotlib.figure.Figure
    """
    k = es.discrepancy_epoch
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
    ax = axes[0]
    ax.loglog(path.residual_norms, path.weight_norms, "o-", ms=4, label="Tikhonov path (λ)")
    ax.loglog(es.residual_norms[1:], es.weight_norms[1:], color="C4", label="gradient descent")
    ax.loglog(
        es.residual_norms[k],
        es.weight_norms[k],
        "D",
        color="C2",
        ms=9,
        mfc="none",
        mew=2,
        label=f"discrepancy stop, epoch {k}",
    )
    _lcurve_plane(ax, noise_norm, "Gradient descent on the L-curve plane")
    ax.legend(fontsize=8)
    ax = axes[1]
    epochs = np.arange(es.val_errors.size)
    ax.loglog(epochs[1:], es.val_errors[1:], label="hold-out mean squared error")
    ax.loglog(epochs[1:], es.train_loss[1:] * 2 / m, label="training mean squared error")
    ax.axvline(k, color="C2", ls="--", label="discrepancy stop")
    ax.axhline(best_tikhonov_error, color="C3", ls=":", label="best Tikhonov hold-out error")
    ax.set(xlabel="epoch", ylabel="mean squared error", title="Errors along gradient descent")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def weight_decay_figure(decay, X, d, noise_variance, loss_value):
    """Held-out loss by epoch for each λ (left) and the fitted curves (right).

    Parameters
    ----------
    decay : dict
        ``λ → (fit result with Wh, wo; held-out loss per epoch)``.
    X, d : the training data (one feature).
    noise_variance : float
        ``σ²``; the noise level of the average loss ``ℓ/m`` is ``σ²/2``.
    loss_value : callable
        ``loss_value(X, d, Wh, wo)``, the training loss ℓ (for the dotted final values).

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    for lam, (res, val) in decay.items():
        final_train = loss_value(X, d, res.Wh, res.wo) / len(d)
        epochs = np.arange(1, val.size + 1)
        (line,) = axes[0].plot(epochs, val, label=f"held out, λ = {lam:g}")
        axes[0].axhline(final_train, color=line.get_color(), ls=":", lw=1)
    axes[0].axhline(noise_variance / 2, color="k", lw=0.8, label="noise level σ²/2")
    axes[0].set(
        yscale="log",
        xlabel="epoch",
        ylabel="average loss ℓ/m",
        title="Held-out loss (dotted: final training loss)",
    )
    axes[0].legend(fontsize=8)
    grid = np.linspace(0, 2 * np.pi, 400)
    axes[1].plot(X[:, 0], d, "ko", ms=4, label="training data")
    axes[1].plot(grid, np.sin(grid), "k--", lw=1, label="noise-free sine")
    for lam, (res, _) in decay.items():
        y = network.predict(grid[:, None], res.Wh, res.wo)
        axes[1].plot(grid, y, label=f"λ = {lam:g}")
    axes[1].set(ylim=(-2, 2), xlabel="feature $x$", ylabel="output", title="Fitted curves")
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    return fig


def coverage_figure(coverage, points, repetitions):
    """Coverage of the 95 % band at each point (left) and its median half-width (right).

    Parameters
    ----------
    coverage : dict
        ``m → result`` with ``coverage`` and ``stderr`` per point and ``half_widths``
        (repetitions × points), as :func:`lecturekit.inverse.band_coverage` returns it.
    points : ndarray, shape (k, 1)
        The inputs at which coverage was measured.
    repetitions : int

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    width = 0.35
    for j, (m, c) in enumerate(coverage.items()):
        pos = np.arange(points.shape[0]) + (j - 0.5) * width
        axes[0].bar(pos, c.coverage, width, yerr=c.stderr, capsize=3, label=f"m = {m}")
        axes[1].bar(pos, np.median(c.half_widths, axis=0), width, label=f"m = {m}")
    for ax in axes:
        ax.set_xticks(np.arange(points.shape[0]), [f"{x:.2f}" for x in points[:, 0]])
        ax.set_xlabel("x (data in [0, 6.28])")
        ax.legend(fontsize=8)
    axes[0].axhline(0.95, color="k", ls="--", lw=1)
    axes[0].set(
        ylim=(0.5, 1.05),
        ylabel="coverage of sin x",
        title=f"Coverage of the 95 % band, {repetitions} repetitions",
    )
    axes[1].set(yscale="log", ylabel="median half-width", title="Width of the band")
    fig.tight_layout()
    return fig
