"""Chapter 6: the cost of a matrix chain product, and its cheapest parenthesisation.

Factor ``Mᵢ`` of the chain ``M₀ M₁ ⋯ M_{k−1}`` is ``dᵢ × dᵢ₊₁``; ``dims = [d₀, …, d_k]``. A
parenthesisation is a nested pair of factor indices: ``((0, 1), 2)`` is ``(M₀ M₁) M₂``. An a×b
times b×c product costs ``a·b·c`` multiply–adds, so the cost depends on the order while the
product does not.
"""

from __future__ import annotations


def chain_cost(dims, order):
    """``cost(L R) = cost(L) + cost(R) + dᵢ d_j d_l``, a single factor costing nothing.

    ``L`` multiplies factors i..j−1 (a dᵢ × d_j result) and ``R`` factors j..l−1 (d_j × d_l).
    """

    def walk(node):  # (first factor, one past the last, cost)
        if not isinstance(node, tuple):
            return node, node + 1, 0
        i, j, cost_left = walk(node[0])
        _, l, cost_right = walk(node[1])
        return i, l, cost_left + cost_right + dims[i] * dims[j] * dims[l]

    return walk(order)[2]


def chain_product(matrices, order):
    """``value(L R) = value(L) · value(R)``: the same matrix in every order (associativity)."""

    def walk(node):
        if not isinstance(node, tuple):
            return matrices[node]
        return walk(node[0]) @ walk(node[1])

    return walk(order)


def cheapest_order(dims):
    """The dynamic programme ``c[i, l] = min_{i<j<l} c[i, j] + c[j, l] + dᵢ d_j d_l``.

    ``c[i, i+1] = 0``; ``c[i, l]`` is the cheapest cost of factors i..l−1, and ``split[i, l]``
    the j that achieves it (the leftmost on ties). Returns ``(c[0, k], order)``.
    """
    k = len(dims) - 1
    cost, split = {(i, i + 1): 0 for i in range(k)}, {}
    for length in range(2, k + 1):
        for i in range(k - length + 1):
            l = i + length
            cost[i, l], split[i, l] = min(
                (cost[i, j] + cost[j, l] + dims[i] * dims[j] * dims[l], j) for j in range(i + 1, l)
            )

    def build(i, l):  # the parenthesisation the splits record
        if l == i + 1:
            return i
        j = split[i, l]
        return (build(i, j), build(j, l))

    return cost[0, k], build(0, k)
