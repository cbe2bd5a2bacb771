"""Chapter 8's figures: choosing λ on the Tikhonov path, and early stopping beside it."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import NullFormatter

from .. import network

RULE_MARKERS = {"L-curve corner": "s", "discrepancy": "D", "hold-out": "^"}
RULE_COLOURS = ("C1", "C2", "C3")


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
    ax.axvline(noise_norm, color="grey", ls=":", label="σ√m")
    ax.set(xlabel="residual norm ‖y − d‖", ylabel="weight norm ‖w̄‖", title="L-curve")
    ax.xaxis.set_minor_formatter(NullFormatter())  # minor labels would overlap
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
    ax.axvline(noise_norm, color="grey", ls=":", label="σ√m")
    ax.set(
        xlabel="residual norm ‖y − d‖",
        ylabel="weight norm ‖w̄‖",
        title="Gradient descent on the L-curve plane",
    )
    ax.xaxis.set_minor_formatter(NullFormatter())
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
