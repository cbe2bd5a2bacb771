"""Figures for the training chapter: loss curves, fitted curves, decision boundaries, and the
learning-rate / batch-size explorer.

Each figure function draws an ordinary matplotlib figure (what a reader of the built book sees);
:func:`training_explorer` wraps :func:`training_figure` in an ``ipywidgets`` UI for a live
kernel. ipywidgets is imported only inside the builder.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np

from . import train
from .network import predict


def _axes(ax, figsize=(6.0, 3.6)):
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
    return ax.figure, ax


def plot_history(results, ax=None, against="epoch", title="Training objective", log=True,
                 ylim=None):  # fmt: skip
    """Loss curves: the objective ``J`` after each epoch, one line per run.

    Parameters
    ----------
    results : mapping of label -> TrainResult or array_like
        Runs to draw; an array is read as a history indexed by epoch.
    against : {"epoch", "time"}
        Horizontal axis: epochs, or cumulative wall time in seconds (TrainResult only).
    log : bool
        Logarithmic vertical axis.
    ylim : (float, float), optional
        Vertical range; values far above it (a diverging run) are drawn leaving the top.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not isinstance(results, Mapping):
        raise ValueError("results must map a label to a TrainResult or a history array")
    if against not in ("epoch", "time"):
        raise ValueError(f'against must be "epoch" or "time"; got {against!r}')
    fig, ax = _axes(ax)
    for label, res in results.items():
        hist = np.asarray(res.history if isinstance(res, train.TrainResult) else res, float)
        if against == "time":
            if not isinstance(res, train.TrainResult):
                raise ValueError(f"{label!r}: plotting against time needs a TrainResult")
            x = res.times
        else:
            x = np.arange(hist.size)
        hist = np.where(np.isfinite(hist), hist, np.nan)  # a diverged run may end in inf
        if ylim is not None:
            hist = np.minimum(hist, 10 * ylim[1])  # off the top, without overflowing the axis
        ax.plot(x, hist, label=str(label))
    if log:
        ax.set_yscale("log")
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_xlabel("epoch" if against == "epoch" else "wall time (s)")
    ax.set_ylabel("objective $J$")
    ax.set_title(title)
    if len(results) > 1:
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def fit_figure(X, d, Wh, wo, f="tanh", g="identity", truth=None, ax=None, title="Fitted curve",
               ylim=None):  # fmt: skip
    """Data and the network's curve ``y(x)`` for a single feature, on a fine grid.

    Parameters
    ----------
    X, d : array_like
        One feature (m×1) and the data.
    Wh, wo, f, g
        The network, as in :func:`lecturekit.network.predict`.
    truth : callable, optional
        The noise-free function, drawn dashed for comparison.
    ylim : (float, float), optional
        Vertical range, fixed; a curve that leaves it (diverged weights) is cut at its edges.

    Returns
    -------
    matplotlib.figure.Figure
    """
    X = np.asarray(X, float).reshape(len(d), -1)
    if X.shape[1] != 1:
        raise ValueError(f"fit_figure draws one feature: X must be m×1; got m×{X.shape[1]}")
    fig, ax = _axes(ax)
    lo, hi = X.min(), X.max()
    grid = np.linspace(lo, hi, 400)
    ax.plot(X[:, 0], d, "o", ms=3.5, color="0.45", label="data $d$")
    if truth is not None:
        ax.plot(grid, truth(grid), "--", color="0.2", lw=1, label="noise-free curve")
    with np.errstate(over="ignore", invalid="ignore"):  # diverged weights overflow
        y = predict(grid[:, None], Wh, wo, f, g)
    ax.plot(grid, np.where(np.isfinite(y), y, np.nan), color="C1", lw=2, label="network $y(x)$")
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_xlabel("feature $x$")
    ax.set_ylabel("output")
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def boundary_figure(X, labels, Wh, wo, f="tanh", ax=None, title="Decision boundary", pad=0.5):
    """Two-feature classification: the probability ``σ(z)`` as a colour map, the decision
    boundary ``σ(z) = ½`` (that is, ``z = 0``), and the labelled points.

    Returns
    -------
    matplotlib.figure.Figure
    """
    X = np.asarray(X, float)
    labels = np.asarray(labels, float)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"boundary_figure needs two features: X must be m×2; got {X.shape}")
    fig, ax = _axes(ax, figsize=(5.2, 4.2))
    (x0, y0), (x1, y1) = X.min(axis=0) - pad, X.max(axis=0) + pad
    gx, gy = np.meshgrid(np.linspace(x0, x1, 200), np.linspace(y0, y1, 200))
    prob = predict(np.column_stack([gx.ravel(), gy.ravel()]), Wh, wo, f, "sigmoid")
    prob = prob.reshape(gx.shape)
    cs = ax.contourf(gx, gy, prob, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.6)
    ax.contour(gx, gy, prob, levels=[0.5], colors="k", linewidths=1.5)
    for k, (marker, colour) in enumerate([("o", "C0"), ("s", "C3")]):
        sel = labels == k
        ax.scatter(*X[sel].T, s=14, marker=marker, c=colour, edgecolors="k", linewidths=0.3,
                   label=f"label {k}")  # fmt: skip
    fig.colorbar(cs, ax=ax, label="probability of label 1, $\\sigma(z)$")
    accuracy = np.mean((predict(X, Wh, wo, f, "sigmoid") > 0.5) == (labels == 1))
    ax.set_xlabel("feature $x_1$")
    ax.set_ylabel("feature $x_2$")
    ax.set_title(f"{title} (training accuracy {accuracy:.0%})")
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    return fig


def training_figure(X, d, Wh, wo, lr=0.1, batch_size=None, epochs=300, optimizer="sgd",
                    seed=0, truth=None, loss_ylim=None):  # fmt: skip
    """Train with the given learning rate and batch size; draw the loss curve and the fit.

    Both panels keep fixed vertical ranges, so that figures for other settings compare: the
    fit panel spans the data, and a diverged run (weights near overflow, a curve of size
    ~1e150) is cut at its edges and labelled as diverged instead of rescaling the axis.

    Parameters
    ----------
    X, d, Wh, wo
        One-feature regression data and initial weights (tanh hidden, identity output, SSE).
    lr, batch_size, epochs, optimizer, seed
        Passed to :func:`lecturekit.train.fit`.
    truth : callable, optional
        The noise-free curve, for the right panel.
    loss_ylim : (float, float), optional
        Vertical range of the loss panel. By default it is chosen from this run (and from its
        first objective when it diverged).

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.result`` holds the :class:`~lecturekit.train.TrainResult`.
    """
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # divergence is shown in the title
        res = train.fit(X, d, Wh, wo, lr=lr, epochs=epochs, batch_size=batch_size,
                        optimizer=optimizer, seed=seed)  # fmt: skip
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 3.6))
    b = "full batch" if batch_size in (None, len(d)) else f"batch size {batch_size}"
    status = "diverged" if res.diverged else f"final J = {res.history[-1]:.3g}"
    finite = res.history[np.isfinite(res.history)]
    # A diverged run climbs to ~1e300: keep the axis on the range where training happened.
    if loss_ylim is None and res.diverged:
        loss_ylim = (0.5 * finite.min(), 100 * res.history[0])
    plot_history({b: res}, ax=a1, title=f"η = {lr:g}, {b}: {status}", ylim=loss_ylim)
    d = np.asarray(d, float)
    pad = 0.25 * (d.max() - d.min())
    title = f"after {res.epochs} epochs ({res.steps} steps)"
    if res.diverged:
        title = f"diverged after {res.epochs} epochs: the curve is cut at the axes"
    fit_figure(X, d, res.Wh, res.wo, truth=truth, ax=a2, title=title,
               ylim=(d.min() - pad, d.max() + pad))  # fmt: skip
    fig.tight_layout()
    fig.result = res
    return fig


def training_explorer(X, d, Wh, wo, lr=0.1, batch_size=None, epochs=300, truth=None):
    """Build the explorer: choose the learning rate η and the batch size, watch training.

    Training takes a second or more, so the explorer says "training…" while it works, the
    slider retrains only when released, and both panels keep fixed vertical ranges.

    Returns
    -------
    ipywidgets.interactive
        Its ``result`` is the current figure from :func:`training_figure`; its last child
        but one is the status label.
    """
    import ipywidgets as W

    m = len(d)
    sizes = [s for s in (1, 2, 4, 8, 16, 32, 64, 128) if s < m]
    # Every option has a value of its own: a None value makes ipywidgets blank the label.
    options = [(str(s), s) for s in sizes] + [(f"full ({m})", m)]
    # The loss panel's range: from three decades below the starting objective to 100 times it.
    J0 = train.loss_value(X, d, Wh, wo) / m
    loss_ylim = (1e-3 * J0, 100 * J0)
    status = W.Label(value="")
    state = {}

    def draw(lr, batch_size):
        status.value = "training…"
        if state.get("fig") is not None:
            plt.close(state["fig"])  # one figure per redraw, no pile-up
        full = batch_size == m
        state["fig"] = training_figure(X, d, Wh, wo, lr, None if full else batch_size, epochs,
                                       truth=truth, loss_ylim=loss_ylim)  # fmt: skip
        res = state["fig"].result
        status.value = "diverged" if res.diverged else f"trained: final J = {res.history[-1]:.3g}"
        return state["fig"]

    draw.__name__ = "training_figure"
    ui = W.interactive(
        draw,
        lr=W.FloatLogSlider(value=lr, base=10, min=-3, max=0.5, step=0.1, description="η",
                            continuous_update=False),
        batch_size=W.Dropdown(options=options, value=m if batch_size is None else batch_size,
                              description="batch size"),
    )  # fmt: skip
    ui.children = (*ui.children[:-1], status, ui.children[-1])
    return ui
