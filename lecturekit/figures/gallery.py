"""Figures for the element-wise chapter: the activation gallery and single-neuron maps."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .._validate import finite_array, shape_str
from ..activations import get_activation
from ..elementwise import neuron

#: The distinct activations of :mod:`lecturekit.activations` (aliases left out).
GALLERY = ("identity", "heaviside", "sigmoid", "tanh", "relu", "softplus")


def activation_gallery(names=GALLERY, z=None, ncols=3):
    """Plot ``f`` and ``f′`` for each activation, one panel per activation.

    Parameters
    ----------
    names : sequence of str
        Activation names (default: every activation in :mod:`lecturekit.activations`).
    z : array_like, optional
        Grid of pre-activations (default 401 points on [−4, 4]).
    ncols : int

    Returns
    -------
    matplotlib.figure.Figure
    """
    names = list(names)
    if not names:
        raise ValueError("names must list at least one activation")
    acts = [get_activation(n) for n in names]
    z = np.linspace(-4, 4, 401) if z is None else finite_array(z, "z", 1)
    nrows = -(-len(acts) // ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(3.4 * ncols, 2.7 * nrows), sharex=True, squeeze=False
    )
    for ax, act in zip(axes.flat, acts, strict=False):
        ax.plot(z, act.f(z), lw=2, label="$f(z)$")
        ax.plot(z, act.df(z), "--", lw=1.5, label="$f'(z)$")
        ax.axhline(0, color="0.8", lw=0.8, zorder=0)
        ax.axvline(0, color="0.8", lw=0.8, zorder=0)
        ax.set_title(act.name)
        ax.set_xlabel("pre-activation $z$")
        ax.set_ylabel("value")
        ax.legend(loc="upper left", fontsize=8)
    for ax in list(axes.flat)[len(acts) :]:
        ax.set_visible(False)
    fig.suptitle("Activation functions $f$ (solid) and their derivatives $f'$ (dashed)")
    fig.tight_layout()
    return fig


def two_classes(m=60, seed=0):
    """A seeded two-class toy data set in the plane, for perceptron/logistic pictures.

    Class 1 is centred at (1, 1), class 0 at (−1, −1), both with unit spread.

    Returns
    -------
    X : ndarray, shape (m, 2)
    d : ndarray, shape (m,)
        Labels 0 or 1 (the first half 0, the second half 1).
    """
    if m < 2:
        raise ValueError(f"m must be at least 2 (one point per class); got {m}")
    rng = np.random.default_rng(seed)
    k = m // 2
    X = np.vstack([rng.normal(-1.0, 1.0, (k, 2)), rng.normal(1.0, 1.0, (m - k, 2))])
    d = np.r_[np.zeros(k), np.ones(m - k)]
    return X, d


def neuron_map(w, f="sigmoid", X=None, d=None, ax=None, extent=3.5):
    """Colour the plane by a two-input neuron's output ``f(w̄₀ + w̄₁x₁ + w̄₂x₂)``.

    The line ``X̄ w̄ = 0`` (where the pre-activation changes sign) is drawn in black; with a
    Heaviside ``f`` it is the perceptron's decision boundary, with a sigmoid the 0.5 contour
    of logistic regression's probability.

    Parameters
    ----------
    w : array_like, shape (3,)
        ``w̄ = (w̄₀, w̄₁, w̄₂)``.
    f : str or Activation
    X, d : optional data points (m×2) and 0/1 labels to overlay.
    ax : matplotlib Axes, optional
    extent : float
        Half-width of the square shown.

    Returns
    -------
    matplotlib.axes.Axes
    """
    w = finite_array(w, "w̄", 1)
    if w.size != 3:
        raise ValueError(f"w̄ must have length n̄ = 3 for two inputs; got {shape_str(w.shape)}")
    act = get_activation(f)
    if ax is None:
        _, ax = plt.subplots(figsize=(4.2, 3.6))
    g = np.linspace(-extent, extent, 201)
    G1, G2 = np.meshgrid(g, g)
    Y = neuron(np.column_stack([G1.ravel(), G2.ravel()]), w, act).reshape(G1.shape)
    im = ax.contourf(G1, G2, Y, levels=np.linspace(0, 1, 11), cmap="RdBu_r", extend="both")
    plt.colorbar(im, ax=ax, label="neuron output $y$")
    ax.contour(G1, G2, w[0] + w[1] * G1 + w[2] * G2, levels=[0.0], colors="k", linewidths=1.5)
    if X is not None:
        X = finite_array(X, "X", 2)
        labels = np.zeros(len(X)) if d is None else finite_array(d, "d", 1)
        for cls, marker in ((0, "o"), (1, "^")):
            sel = labels == cls
            ax.scatter(
                X[sel, 0],
                X[sel, 1],
                marker=marker,
                facecolor="w",
                edgecolor="k",
                s=28,
                label=f"class {cls}",
            )
        ax.legend(loc="lower right", fontsize=8)
    ax.set_xlim(-extent, extent)
    ax.set_ylim(-extent, extent)
    ax.set_xlabel("feature $x_1$")
    ax.set_ylabel("feature $x_2$")
    ax.set_title(f"neuron $y = f(\\bar X \\bar w)$, f = {act.name}")
    ax.figure.tight_layout()
    return ax
