"""The cost of a matrix chain product, and why backpropagation multiplies from the left.

A chain ``M₀ M₁ ⋯ M_{k−1}`` with ``Mᵢ`` of shape ``dᵢ × dᵢ₊₁`` is described by its dimension
list ``dims = [d₀, d₁, …, d_k]``. Multiplying an a×b matrix by a b×c matrix densely takes
``a·b·c`` multiply–adds, so the total cost depends on the parenthesisation although the
product does not.

A parenthesisation is a nested tuple of factor indices: ``((0, 1), 2)`` is ``(M₀ M₁) M₂`` and
``(0, (1, 2))`` is ``M₀ (M₁ M₂)``; a bare index ``i`` is the factor ``Mᵢ`` itself.

The network's gradient is the chain (see :mod:`lecturekit.jacobians`)

    ``D_W̄ʰ ℓ = D_y ℓ · [wᵒᵀ ⊗ diag(g′)] · diag(f′(vec A)) · (I_p ⊗ X̄)``

with dims ``[1, m, mp, mp, n̄p]``. *Reverse* (output-first) order multiplies from the left,
so every intermediate is a row vector; *forward* (input-first) order multiplies from the right,
forming the m × n̄p Jacobian on the way.
"""

from __future__ import annotations

import itertools
import math
from functools import cache
from typing import NamedTuple

from ._validate import check_memory, finite_array, integer, integers, shape_str
from .formulas import chain as formulas

__all__ = [
    "chain_cost",
    "evaluate",
    "optimal_order",
    "all_orders",
    "catalan",
    "left_to_right",
    "right_to_left",
    "to_string",
    "gradient_chain_dims",
    "gradient_chain_costs",
    "GradientChainCosts",
]


#: Most parenthesisations :func:`all_orders` lists: Catalan(k − 1) passes it at k = 12
#: (58 786 orders) and not at k = 13 (208 012).
MAX_ORDERS = 100_000

#: Most factors :func:`optimal_order` takes: its dynamic programme visits about k³/6 splits,
#: 4.5 million at this limit (seconds in Python) and 4.5 billion at k = 3000.
MAX_DP_FACTORS = 300


def catalan(n):
    """The Catalan number ``Cₙ = (2n)! / ((n + 1)! n!)``: the parenthesisations of n + 1 factors."""
    return math.comb(2 * n, n) // (n + 1)


def _check_dims(dims):
    dims = integers(dims, "dims")  # 2.7 is refused, never truncated to 2
    if len(dims) < 2:
        raise ValueError(
            f"dims must list d₀, …, d_k for k ≥ 1 factors (length ≥ 2); got length {len(dims)}"
        )
    if any(d < 1 for d in dims):
        raise ValueError(f"every dimension must be a positive integer; got dims = {dims}")
    return dims


def _leaves(order):
    if isinstance(order, tuple):
        return [i for part in order for i in _leaves(part)]
    return [order]


def chain_cost(dims, order):
    """Multiply–adds to evaluate the chain ``M₀ ⋯ M_{k−1}`` in the parenthesisation ``order``.

    Implements (:func:`lecturekit.formulas.chain.chain_cost`)
    ``cost(L R) = cost(L) + cost(R) + d_i · d_j · d_l`` for a product of the ``d_i × d_j``
    result of ``L`` (factors i..j−1) and the ``d_j × d_l`` result of ``R`` (factors j..l−1);
    a single factor costs nothing.

    Parameters
    ----------
    dims : sequence of int
        ``[d₀, …, d_k]``: factor ``i`` is ``dᵢ × dᵢ₊₁``.
    order : int or nested tuple of pairs
        The parenthesisation, e.g. ``((0, 1), 2)``; it must use each factor once, in order.

    Returns
    -------
    int
    """
    dims = _check_dims(dims)
    k = len(dims) - 1
    leaves = _leaves(order)
    if leaves != list(range(k)):
        raise ValueError(
            f"order must use the factors 0, …, {k - 1} once each, left to right; "
            f"got {to_string(order)} with factors {leaves}"
        )
    _check_pairs(order)
    return formulas.chain_cost(dims, order)


def _check_pairs(node):
    """Every product of the parenthesisation has two parts."""
    if isinstance(node, tuple):
        if len(node) != 2:
            raise ValueError(f"each product must have two parts; got {node!r}")
        _check_pairs(node[0])
        _check_pairs(node[1])


def evaluate(matrices, order):
    """The product ``M₀ M₁ ⋯ M_{k−1}`` computed in the parenthesisation ``order``.

    Implements ``value(L R) = value(L) · value(R)``. Every order gives the same matrix (up to
    rounding) because matrix multiplication is associative; only the cost differs.

    Parameters
    ----------
    matrices : sequence of 2-D arrays
        ``Mᵢ`` of shape ``dᵢ × dᵢ₊₁``.
    order : int or nested tuple
        As in :func:`chain_cost`.

    Returns
    -------
    ndarray, shape (d₀, d_k)
    """
    mats = [finite_array(M, f"factor {i}") for i, M in enumerate(matrices)]
    for i, M in enumerate(mats):
        if M.ndim != 2:
            raise ValueError(f"factor {i} must be a matrix; got shape {shape_str(M.shape)}")
    for i in range(len(mats) - 1):
        if mats[i].shape[1] != mats[i + 1].shape[0]:
            raise ValueError(
                f"factor {i} ({shape_str(mats[i].shape)}) and factor {i + 1} "
                f"({shape_str(mats[i + 1].shape)}) cannot be multiplied"
            )
    dims = [M.shape[0] for M in mats] + [mats[-1].shape[1]] if mats else []
    chain_cost(dims, order)  # validates the parenthesisation
    check_memory(
        f"the products of {to_string(order)}",
        {f"{to_string(node)}": shape for node, shape in _products(dims, order)},
        cheaper="choose an order whose intermediates are small (chain.optimal_order)",
    )
    return formulas.chain_product(mats, order)


def _products(dims, order):
    """Every product the parenthesisation forms, with its shape ``dᵢ × d_l``."""
    out = []

    def walk(node):
        if not isinstance(node, tuple):
            return node, node + 1
        i, _ = walk(node[0])
        _, l = walk(node[1])
        out.append((node, (dims[i], dims[l])))
        return i, l

    walk(order)
    return out


def optimal_order(dims):
    """The cheapest parenthesisation of the chain, by dynamic programming.

    Implements (:func:`lecturekit.formulas.chain.cheapest_order`)
    ``c[i, l] = min_{i<j<l} c[i, j] + c[j, l] + dᵢ d_j d_l`` with ``c[i, i+1] = 0``,
    where ``c[i, l]`` is the cheapest cost of the sub-chain of factors i..l−1. O(k³) time:
    chains of more than :data:`MAX_DP_FACTORS` factors are refused.

    Returns
    -------
    cost : int
    order : int or nested tuple
        A parenthesisation achieving ``cost`` (ties go to the leftmost split).
    """
    dims = _check_dims(dims)
    k = len(dims) - 1
    if k > MAX_DP_FACTORS:
        raise ValueError(
            f"optimal_order's dynamic programme visits about k³/6 = {k**3 // 6:,} splits for "
            f"k = {k} factors; it takes at most k = {MAX_DP_FACTORS} "
            f"({MAX_DP_FACTORS**3 // 6:,} splits). Split the chain into parts, or compare "
            "chain_cost of left_to_right(k) and right_to_left(k)"
        )
    return formulas.cheapest_order(dims)


def all_orders(k):
    """Every parenthesisation of a chain of ``k`` factors (there are Catalan(k − 1) of them).

    Refused, before any is built, when there are more than :data:`MAX_ORDERS`.
    """
    k = integer(k, "k (the number of factors)", minimum=1)
    count = catalan(k - 1)
    if count > MAX_ORDERS:
        raise ValueError(
            f"a chain of k = {k} factors has Catalan(k − 1) = {count:,} parenthesisations; "
            f"all_orders lists at most {MAX_ORDERS:,} (k ≤ 12). For the cheapest one use "
            "optimal_order(dims), which never lists them"
        )

    @cache
    def orders(i, l):
        if l == i + 1:
            return (i,)
        out = []
        for j in range(i + 1, l):
            out.extend(itertools.product(orders(i, j), orders(j, l)))
        return tuple(out)

    return list(orders(0, k))


def left_to_right(k):
    """``((M₀ M₁) M₂) ⋯``: reverse (output-first) order when M₀ is the loss's row vector."""
    order = 0
    for i in range(1, k):
        order = (order, i)
    return order


def right_to_left(k):
    """``⋯ M_{k−3} (M_{k−2} M_{k−1})``: forward (input-first) order."""
    order = k - 1
    for i in range(k - 2, -1, -1):
        order = (i, order)
    return order


def to_string(order, names=None):
    """Write a parenthesisation with letters, e.g. ``((0, 1), 2)`` as ``"(AB)C"``."""

    def name(i):
        if names is not None:
            return names[i]
        return chr(ord("A") + i) if isinstance(i, int) and 0 <= i < 26 else f"M{i}"

    def walk(node, top):
        if not isinstance(node, tuple):
            return name(node)
        inner = "".join(walk(part, False) for part in node)
        return inner if top else f"({inner})"

    return walk(order, True)


def gradient_chain_dims(m, n, p):
    """Dimensions of the network's gradient chain for D_W̄ʰ ℓ.

    ``D_y ℓ`` (1 × m) · ``wᵒᵀ ⊗ diag(g′)`` (m × mp) · ``diag(f′(vec A))`` (mp × mp) ·
    ``I_p ⊗ X̄`` (mp × n̄p), so dims = ``[1, m, mp, mp, n̄p]`` with ``n̄ = n + 1``.
    """
    m, n, p = (integer(v, name, minimum=1) for name, v in (("m", m), ("n", n), ("p", p)))
    return [1, m, m * p, m * p, (n + 1) * p]


class GradientChainCosts(NamedTuple):
    """Multiply–add counts for D_W̄ʰ ℓ; see :func:`gradient_chain_costs`."""

    dims: list
    forward: int  # dense factors, input-first: D_y ℓ (J₁ (J₂ J₃))
    reverse: int  # dense factors, output-first: ((D_y ℓ J₁) J₂) J₃
    optimal: int  # dense factors, dynamic-programming optimum
    optimal_order: tuple
    structured_forward: int  # structure exploited, Jacobian D_W̄ʰ y formed first
    structured_reverse: int  # structure exploited, row vectors only (backpropagation)


def gradient_chain_costs(m, n, p):
    """Costs of the orders of ``D_y ℓ · [wᵒᵀ ⊗ diag(g′)] · diag(f′(vec A)) · (I_p ⊗ X̄)``.

    *Dense* counts treat the four factors as the general matrices the formula writes (what
    ``jacobians.dy_dWh(method="kron")`` multiplies); with dims ``[1, m, mp, mp, n̄p]``:

    * reverse: ``m·mp + mp·mp + mp·n̄p = m²p + m²p² + m n̄ p²``
    * forward: ``mp·mp·n̄p + m·mp·n̄p + m·n̄p = m² n̄ p³ + m² n̄ p² + m n̄ p``

    *Structured* counts model the sparsity (diagonal, Kronecker with an identity):

    * reverse (backpropagation): ``r = D_y ℓ ⊙ g′`` (m), ``R = r wᵒᵀ`` (mp),
      ``R ⊙ f′(A)`` (mp), then ``vec(X̄ᵀ (R ⊙ f′(A)))`` (m n̄ p): ``m + 2mp + m n̄ p``.
    * forward (Jacobian first): ``S = g′ wᵒᵀ ⊙ f′(A)`` (2mp), each of the p blocks
      ``diag(S[:, j]) X̄`` (m n̄ p), then ``D_y ℓ`` times the m × n̄p Jacobian (m n̄ p):
      ``2mp + 2 m n̄ p``, and it stores the m × n̄p Jacobian rather than m-vectors.

    Returns
    -------
    GradientChainCosts
    """
    dims = gradient_chain_dims(m, n, p)  # checks m, n, p
    m, nbar, p = int(m), int(n) + 1, int(p)
    best, order = optimal_order(dims)
    return GradientChainCosts(
        dims=dims,
        forward=chain_cost(dims, right_to_left(4)),
        reverse=chain_cost(dims, left_to_right(4)),
        optimal=best,
        optimal_order=order,
        structured_forward=2 * m * p + 2 * m * nbar * p,
        structured_reverse=m + 2 * m * p + m * nbar * p,
    )
