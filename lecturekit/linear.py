"""The linear model ``y = X̄ w̄``: least squares, its Jacobian, and a small explorer."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ._validate import features, finite_array, finite_result, shape_str
from .vectorise import closure


def _design(X, d=None):
    Xbar = closure(X)
    if d is None:
        return Xbar, None
    d = finite_array(d, "d", 1)
    if d.shape[0] != Xbar.shape[0]:
        raise ValueError(
            f"d must have m = {Xbar.shape[0]} entries to match X̄ "
            f"(m×n̄ = {shape_str(Xbar.shape)}); got {d.shape[0]}"
        )
    return Xbar, d


def linear_predict(X, wbar):
    """``y = X̄ w̄`` for features ``X`` (m×n, no ones column) and weights ``w̄`` (bias first)."""
    Xbar, _ = _design(X)
    wbar = finite_array(wbar, "w̄", 1, allow_complex=True)
    if wbar.shape[0] != Xbar.shape[1] and Xbar.shape[0] + 1 == wbar.shape[0]:
        features(X, wbar.shape[0], "w̄")  # X given as n×m: says it looks transposed
    if wbar.shape[0] != Xbar.shape[1]:
        raise ValueError(
            f"w̄ must have n̄ = {Xbar.shape[1]} entries to match X̄ "
            f"(m×n̄ = {shape_str(Xbar.shape)}); got {wbar.shape[0]}"
        )
    with np.errstate(over="ignore", invalid="ignore"):
        return finite_result(Xbar @ wbar, "y = X̄ w̄")


def sse(X, d, wbar):
    """Sum-of-squares loss ``ℓ(w̄) = ½‖X̄ w̄ − d‖²``."""
    r = linear_predict(X, wbar) - _design(X, d)[1]
    with np.errstate(over="ignore", invalid="ignore"):
        return finite_result(0.5 * float(r @ r), "the loss ℓ = ½‖X̄ w̄ − d‖²")


def least_squares(X, d):
    """Least-squares weights ``w̄* = X̄⁺ d`` (the pseudo-inverse solution).

    Minimises ``½‖X̄ w̄ − d‖²``; when ``X̄`` has full column rank this is the unique solution
    of the normal equations ``X̄ᵀX̄ w̄ = X̄ᵀ d``. Computed with an SVD-based solver
    (``numpy.linalg.lstsq``), never by inverting ``X̄ᵀX̄``, which squares the condition number.
    """
    Xbar, d = _design(X, d)
    return np.linalg.lstsq(Xbar, d, rcond=None)[0]


def plot_fit(x, d, wbar, ax=None, title=None):
    """Scatter the data ``(x, d)``, draw the line ``y = w₀ + w₁x`` and its residuals."""
    x = finite_array(x, "x", 1)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    y = linear_predict(x, wbar)
    ax.vlines(x, np.minimum(y, d), np.maximum(y, d), color="tab:red", lw=0.8, label="residuals")
    ax.scatter(x, d, color="k", s=18, zorder=3, label="data $d$")
    grid = np.linspace(x.min(), x.max(), 100)
    ax.plot(grid, linear_predict(grid, wbar), color="tab:blue", label="model $y = \\bar X \\bar w$")
    ax.set_xlabel("feature $x$")
    ax.set_ylabel("output")
    loss = sse(x, d, wbar)
    ax.set_title(title or f"$w_0$ = {wbar[0]:.2f}, $w_1$ = {wbar[1]:.2f}: loss ℓ = {loss:.3f}")
    ax.legend(loc="upper left")
    return ax


def line_explorer(x, d, w0=0.0, w1=0.0, limits=(-3.0, 3.0)):
    """An ipywidgets explorer: sliders for ``w₀`` and ``w₁``, live loss and fitted line.

    Returns the widget (display it in a notebook). Needs a live kernel to respond.
    """
    import ipywidgets as widgets

    best = least_squares(x, d)
    # Fixed axes: the data's range with a margin, so the line moves and the frame does not.
    pad = 0.5 * (np.max(d) - np.min(d))
    ylim = (np.min(d) - pad, np.max(d) + pad)

    def draw(w0, w1):
        _, ax = plt.subplots(figsize=(6, 4))
        plot_fit(x, d, np.array([w0, w1]), ax=ax)
        ax.plot([], [], " ", label=f"least-squares loss {sse(x, d, best):.3f}")
        ax.set_ylim(ylim)
        ax.legend(loc="upper left")
        plt.show()

    lo, hi = limits
    s0 = widgets.FloatSlider(value=w0, min=lo, max=hi, step=0.05, description="w₀")
    s1 = widgets.FloatSlider(value=w1, min=lo, max=hi, step=0.05, description="w₁")
    out = widgets.interactive_output(draw, {"w0": s0, "w1": s1})
    return widgets.VBox([widgets.HBox([s0, s1]), out])
