"""Figures the chapters share: network diagrams and Jacobian sparsity pictures."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def draw_network(n, p=0, ax=None, output="y", hidden_activation="f", output_activation="g"):
    """Draw the lecture's network diagram with bias nodes.

    Parameters
    ----------
    n : int
        Number of input features (a bias node "1" is added: n̄ = n + 1 nodes).
    p : int
        Hidden units; ``p = 0`` draws the linear model ``y = X̄ w̄`` (no hidden layer).
    ax : matplotlib Axes, optional
    output : str
        Label of the output node.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if n < 1 or p < 0:
        raise ValueError(f"need n ≥ 1 inputs and p ≥ 0 hidden units; got n = {n}, p = {p}")
    if ax is None:
        # At least 2.6 in tall, so that even the one-feature model keeps legible labels.
        height = max(2.6, 0.9 + 0.55 * max(n, p) + 0.5)
        _, ax = plt.subplots(figsize=(2.2 + 1.6 * (1 + (p > 0)), height))
    layers = [["1"] + [f"$x_{j}$" for j in range(1, n + 1)]]
    if p:
        layers.append(["1"] + [f"$h_{j}$" for j in range(1, p + 1)])
    layers.append([f"${output}$"])
    pos = []
    for k, names in enumerate(layers):
        ys = np.linspace(0, -(len(names) - 1), len(names)) + (len(names) - 1) / 2
        pos.append([(1.6 * k, yy) for yy in ys])
    # Edges: every node of one layer feeds every non-bias node of the next.
    for k in range(len(layers) - 1):
        targets = pos[k + 1] if k + 1 == len(layers) - 1 else pos[k + 1][1:]
        for x0, y0 in pos[k]:
            for x1, y1 in targets:
                ax.plot([x0, x1], [y0, y1], color="0.6", lw=0.8, zorder=1)
    for k, names in enumerate(layers):
        for (x0, y0), name in zip(pos[k], names, strict=True):
            bias = name == "1"
            ax.scatter(
                x0, y0, s=650, zorder=2, edgecolors="k", color="#f3d9a4" if bias else "#cfe3f5"
            )
            ax.text(x0, y0, name, ha="center", va="center", zorder=3, fontsize=11)
    labels = ["inputs $\\bar X$"] + ([f"hidden $\\bar H$ ({hidden_activation})"] if p else [])
    labels.append(f"output ({output_activation})" if p else "output")
    top = max(max(yy for _, yy in layer) for layer in pos) + 0.9
    for k, lab in enumerate(labels):
        ax.text(1.6 * k, top, lab, ha="center", va="bottom", fontsize=10)
    ax.set_xlim(-0.7, 1.6 * (len(layers) - 1) + 0.7)
    ax.set_ylim(min(min(yy for _, yy in layer) for layer in pos) - 0.7, top + 0.6)
    ax.set_axis_off()
    title = (
        "linear model $y = \\bar X \\bar w$"
        if not p
        else (f"one hidden layer: n = {n}, p = {p}, unknowns n̄p + p̄ = {(n + 1) * p + p + 1}")
    )
    ax.set_title(title, fontsize=10)
    return ax


def spy(M, ax=None, title=None, tol=0.0):
    """Show the sparsity pattern of a matrix (non-zeros dark), with labelled axes."""
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4))
    ax.imshow(np.abs(np.asarray(M)) > tol, cmap="Greys", interpolation="nearest", aspect="auto")
    ax.set_xlabel("column")
    ax.set_ylabel("row")
    if title:
        ax.set_title(title)
    return ax
