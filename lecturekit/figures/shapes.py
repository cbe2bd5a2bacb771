"""Pictures of shapes: the factors of D_W̄ʰ y as blocks, and the two orders of a chain."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from .. import chain


def jacobian_factors(m, n, p, seed=0):
    """The three factors of ``D_W̄ʰ y`` and their product, formed literally at a small size.

    ``[wᵒᵀ ⊗ diag(g′(z))]`` (m × mp), ``diag(f′(vec A))`` (mp × mp) and ``I_p ⊗ X̄``
    (mp × n̄p), filled with seeded random values (only their pattern matters here).

    Returns
    -------
    list of (str, ndarray)
        ``(mathtext label, matrix)`` for each factor and then the product.
    """
    for name, v in (("m", m), ("n", n), ("p", p)):
        if int(v) != v or v < 1:
            raise ValueError(f"{name} must be a positive integer; got {v!r}")
    rng = np.random.default_rng(seed)
    wo = rng.uniform(0.5, 1.5, p)
    g_prime = rng.uniform(0.5, 1.5, m)
    f_prime = rng.uniform(0.5, 1.5, m * p)
    Xbar = np.column_stack([np.ones(m), rng.uniform(0.5, 1.5, (m, n))])
    first = np.kron(wo[None, :], np.diag(g_prime))
    second = np.diag(f_prime)
    third = np.kron(np.eye(p), Xbar)
    return [
        (r"$w^{o\top}\otimes\mathrm{diag}(g'(z))$", first),
        (r"$\mathrm{diag}(f'(\mathrm{vec}\,A))$", second),
        (r"$I_p\otimes\bar X$", third),
        (r"$D_{\bar W^h}\,y$", first @ second @ third),
    ]


def jacobian_blocks_figure(m=4, n=2, p=3, seed=0):
    """Draw the factors of ``D_W̄ʰ y`` to scale, one square per entry, non-zeros shaded.

    The picture shows why the product is cheap to form without Kronecker products: the first
    factor is p diagonal m × m blocks side by side, the second is diagonal, the third holds
    p copies of X̄ on its block diagonal, and the product is p dense m × n̄ blocks side by side.

    Returns
    -------
    matplotlib.figure.Figure
    """
    factors = jacobian_factors(m, n, p, seed)
    gap = 3.0
    width = sum(M.shape[1] for _, M in factors) + gap * len(factors)
    height = max(M.shape[0] for _, M in factors)
    fig, ax = plt.subplots(figsize=(10, 10 * (height + 6) / width))
    left = 0.0
    for k, (label, M) in enumerate(factors):
        rows, cols = M.shape
        top = (height - rows) / 2  # centre each matrix vertically
        for i, j in zip(*np.nonzero(np.abs(M) > 0), strict=True):
            ax.add_patch(Rectangle((left + j, top + i), 1, 1, fc="#2e6da4", ec="white", lw=0.5))
        ax.add_patch(Rectangle((left, top), cols, rows, fill=False, ec="k", lw=1.2))
        # Block boundaries every m rows/columns of the mp-sized sides.
        if rows == m * p and p > 1:
            for b in range(1, p):
                ax.plot([left, left + cols], [top + b * m] * 2, color="0.5", lw=0.6)
        if cols in (m * p, (n + 1) * p) and p > 1:
            step = cols // p
            for b in range(1, p):
                ax.plot([left + b * step] * 2, [top, top + rows], color="0.5", lw=0.6)
        ax.text(left + cols / 2, height + 1.2, label, ha="center", va="top", fontsize=12)
        ax.text(left + cols / 2, top - 0.6, f"{rows}×{cols}", ha="center", va="bottom")
        symbol = "=" if k == len(factors) - 2 else ("·" if k < len(factors) - 1 else "")
        ax.text(left + cols + gap / 2, height / 2, symbol, ha="center", va="center", fontsize=18)
        left += cols + gap
    ax.set_xlim(-0.5, left - gap + 0.5)
    ax.set_ylim(height + 4.0, -2.0)  # rows run downwards, as in a matrix
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(
        f"The factors of $D_{{\\bar W^h}}y$ at m = {m}, n = {n}, p = {p} "
        f"(n̄ = {n + 1}); shaded squares are the non-zero entries"
    )
    fig.tight_layout()
    return fig


def chain_steps(dims, order):
    """The products of a chain evaluated left to right (``"reverse"``) or right to left.

    Parameters
    ----------
    dims : sequence of int
        ``[d₀, …, d_k]``: factor ``i`` is ``dᵢ × dᵢ₊₁``.
    order : {"reverse", "forward"}

    Returns
    -------
    list of (str, int)
        For each product, ``"(a×b)(b×c) → a×c"`` and its ``a·b·c`` multiply–adds; the costs
        add up to :func:`lecturekit.chain.chain_cost` of the same order.
    """
    dims = [int(d) for d in dims]
    k = len(dims) - 1
    steps = []
    if order == "reverse":  # ((M₀ M₁) M₂) ⋯: the left operand stays d₀ rows tall
        for i in range(1, k):
            a, b, c = dims[0], dims[i], dims[i + 1]
            steps.append((f"({a}×{b})({b}×{c}) → {a}×{c}", a * b * c))
    elif order == "forward":  # ⋯ (M_{k−2} M_{k−1}): the right operand stays d_k wide
        for i in range(k - 2, -1, -1):
            a, b, c = dims[i], dims[i + 1], dims[k]
            steps.append((f"({a}×{b})({b}×{c}) → {a}×{c}", a * b * c))
    else:
        raise ValueError(f'order must be "reverse" or "forward"; got {order!r}')
    return steps


def chain_order_figure(m=100, n=10, p=20):
    """Forward against reverse order of the gradient chain ``D_y ℓ · J₁ · J₂ · J₃``.

    Two stacked panels share a logarithmic axis of multiply–adds; each bar is one product,
    labelled with the shapes it multiplies. The dimensions are
    :func:`lecturekit.chain.gradient_chain_dims`, ``[1, m, mp, mp, n̄p]``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    dims = chain.gradient_chain_dims(m, n, p)
    k = len(dims) - 1
    runs = [
        ("reverse (backpropagation): ((D_y ℓ J₁) J₂) J₃", chain_steps(dims, "reverse")),
        ("forward: D_y ℓ (J₁ (J₂ J₃))", chain_steps(dims, "forward")),
    ]
    fig, axes = plt.subplots(2, 1, figsize=(9, 5.2), sharex=True)
    for ax, (title, steps), colour in zip(axes, runs, ("#2e6da4", "#c0392b"), strict=True):
        costs = [cost for _, cost in steps]
        ax.barh(range(len(steps)), costs, color=colour)
        for i, cost in enumerate(costs):
            ax.text(cost * 1.3, i, f"{cost:,}", va="center", fontsize=10)
        # Each bar is labelled with the shapes it multiplies, in the order they are done.
        ax.set_yticks(range(len(steps)), [f"{i + 1}: {text}" for i, (text, _) in enumerate(steps)])
        ax.invert_yaxis()
        total = sum(costs)
        ax.set_title(f"{title}: {total:,} multiply–adds in all", fontsize=11)
    axes[0].set_xscale("log")
    largest = max(cost for _, steps in runs for _, cost in steps)
    axes[1].set_xlim(1, largest * 300)  # room for the labels right of the bars
    axes[1].set_xlabel("multiply–adds of the product (log scale)")
    fig.suptitle(f"The chain with dims {dims} (m = {m}, n = {n}, p = {p}, k = {k} factors)")
    fig.tight_layout()
    return fig


def jacobian_factors_figure(left, middle, right, product, nbar, p):
    """The literal factors of ``D_W̄ʰ y`` (sparsity) and the values of their product, 2 × 2.

    Parameters
    ----------
    left, middle, right : ndarray
        ``wᵒᵀ ⊗ diag(g′(z))`` (m × mp), ``diag(f′(vec A))`` (mp × mp), ``I_p ⊗ X̄`` (mp × n̄p).
    product : ndarray
        ``D_W̄ʰ y`` (m × n̄p); vertical lines separate its p blocks of n̄ columns.
    nbar, p : int

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.ticker import MaxNLocator

    from .diagrams import spy

    m = product.shape[0]
    fig, axes = plt.subplots(2, 2, figsize=(10, 7.6))  # two rows: each panel stays legible
    axes = axes.ravel()
    spy(left, ax=axes[0], title="wᵒᵀ ⊗ diag(g′(z))\nm × mp")
    spy(middle, ax=axes[1], title="diag(f′(vec A))\nmp × mp")
    spy(right, ax=axes[2], title="I_p ⊗ X̄\nmp × n̄p")
    top = abs(product).max()
    im = axes[3].imshow(product, cmap="RdBu_r", vmin=-top, vmax=top, aspect="auto")
    for j in range(1, p):
        axes[3].axvline(j * nbar - 0.5, color="k", lw=1)
    axes[3].set(
        title="D_W̄ʰ y, their product\nm × n̄p",
        xlabel="column (vec W̄ʰ order)",
        ylabel="row (observation)",
    )
    fig.colorbar(im, ax=axes[3], shrink=0.8, label="entry value")
    for ax in axes:  # rows and columns are indices: whole numbers only
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    fig.suptitle(
        f"The factors of D_W̄ʰ y (non-zeros dark) and their product, "
        f"m = {m}, n = {nbar - 1}, p = {p}"
    )
    fig.tight_layout()
    return fig


# The four ways of evaluating the gradient chain that chapter 6 counts.
CHAIN_COST_LINES = (
    ("forward", "C3-", "dense, forward (input first)"),
    ("reverse", "C0-", "dense, reverse (output first)"),
    ("structured_forward", "C3--", "structured, forward"),
    ("structured_reverse", "C0--", "structured, reverse (backpropagation)"),
)


def chain_cost_figure(ms, n, p):
    """Multiply–adds of ``D_W̄ʰ ℓ`` against m in the four orders of
    :func:`lecturekit.chain.gradient_chain_costs`, on log–log axes.

    Returns
    -------
    matplotlib.figure.Figure
    """
    ms = [int(m) for m in ms]
    costs = [chain.gradient_chain_costs(m, n, p) for m in ms]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for field, style, label in CHAIN_COST_LINES:
        ax.loglog(ms, [getattr(c, field) for c in costs], style, label=label)
    ax.set(
        xlabel="number of observations m",
        ylabel="multiply–adds for $D_{\\bar W^h}\\ell$",
        title=f"Cost of the gradient chain by order (n = {n}, p = {p})",
    )
    ax.legend()
    ax.grid(True, which="major", alpha=0.3)
    return fig
