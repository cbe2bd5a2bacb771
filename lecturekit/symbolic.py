"""The lecture's network in sympy: exact proofs of the Jacobian formulas at small sizes.

:func:`verify_jacobians` builds ``y = g([1 f(X̄ W̄ʰ)] w̄ᵒ)`` from symbols, differentiates
``vec(y)`` entry by entry, evaluates the Kronecker formulas of :mod:`lecturekit.jacobians`
symbolically, and simplifies the difference. Zero matrices are a proof for that size, for
generic ``f`` and ``g`` (undefined sympy functions) or any named activation.
"""

from __future__ import annotations

from typing import NamedTuple

import sympy as sp

from ._validate import integer
from .activations import get_activation

_t = sp.Symbol("t")
MAX_SIZE = 3


class NetworkSymbols(NamedTuple):
    Xbar: sp.Matrix  # m×n̄, first column ones
    Wh: sp.Matrix  # n̄×p, W̄ʰ with bias row 0
    wo: sp.Matrix  # p̄×1, w̄ᵒ with bias entry 0


def network_symbols(m, n, p) -> NetworkSymbols:
    """Symbols ``x_ij`` (i = 1..m, j = 1..n), ``W̄ʰ`` entries ``w^h_kj`` (k = 0..n, j = 1..p)
    and ``w̄ᵒ`` entries ``w^o_j`` (j = 0..p), arranged as the lecture's matrices."""
    m, n, p = (integer(v, name) for name, v in (("m", m), ("n", n), ("p", p)))
    for name, size in (("m", m), ("n", n), ("p", p)):
        if not 1 <= size <= MAX_SIZE:
            raise ValueError(
                f"{name} must be between 1 and {MAX_SIZE} for symbolic work "
                f"(the expressions grow fast); got {size}"
            )
    X = sp.Matrix(m, n, lambda i, j: sp.Symbol(f"x_{{{i + 1}{j + 1}}}", real=True))
    Xbar = sp.Matrix.hstack(sp.ones(m, 1), X)
    Wh = sp.Matrix(n + 1, p, lambda k, j: sp.Symbol(f"w^h_{{{k}{j + 1}}}", real=True))
    wo = sp.Matrix(p + 1, 1, lambda j, _: sp.Symbol(f"w^o_{{{j}}}", real=True))
    return NetworkSymbols(Xbar, Wh, wo)


def _scalar_fn(act, name):
    """Return (φ, φ′) as callables on sympy expressions; ``None`` gives an undefined function."""
    if act is None:
        F = sp.Function(name)
        d = sp.diff(F(_t), _t)
        return F, lambda a: d.subs(_t, a)
    a = get_activation(act)
    expr = a.sympy(_t)
    d = sp.diff(expr, _t)
    return (lambda arg: expr.subs(_t, arg)), (lambda arg: d.subs(_t, arg))


def vec(M):
    """Column-major vec of a sympy matrix (an n·m × 1 column)."""
    return sp.Matrix([M[i, j] for j in range(M.cols) for i in range(M.rows)])


class SymbolicForward(NamedTuple):
    """Every intermediate of the symbolic forward pass, and the derivatives f′, g′."""

    A: sp.Matrix  # m×p, A = X̄ W̄ʰ
    Hbar: sp.Matrix  # m×p̄, H̄ = [1 f(A)]
    z: sp.Matrix  # m×1, z = H̄ w̄ᵒ
    y: sp.Matrix  # m×1, y = g(z)
    df: object  # f′ on sympy expressions
    dg: object  # g′ on sympy expressions


def forward(sym: NetworkSymbols, f=None, g=None) -> SymbolicForward:
    """The one symbolic network: ``A = X̄ W̄ʰ``, ``H̄ = [1 f(A)]``, ``z = H̄ w̄ᵒ``, ``y = g(z)``.

    ``f``, ``g`` are generic (undefined sympy functions) when ``None``.
    """
    F, dF = _scalar_fn(f, "f")
    G, dG = _scalar_fn(g, "g")
    A = sym.Xbar * sym.Wh
    Hbar = sp.Matrix.hstack(sp.ones(A.rows, 1), A.applyfunc(F))
    z = Hbar * sym.wo
    return SymbolicForward(A, Hbar, z, z.applyfunc(G), dF, dG)


def output(sym: NetworkSymbols, f=None, g=None):
    """``y = g([1 f(X̄ W̄ʰ)] w̄ᵒ)`` as an m×1 sympy matrix (f, g generic when ``None``)."""
    return forward(sym, f, g).y


def kron_jacobians(sym: NetworkSymbols, f=None, g=None):
    """The lecture's formulas, corrected: ``D_w̄ᵒ y = diag(g′(z)) H̄`` and
    ``D_W̄ʰ y = [wᵒᵀ ⊗ diag(g′(z))] diag(f′(vec A)) (I_p ⊗ X̄)``."""
    fw = forward(sym, f, g)
    p = sym.Wh.cols
    Dg = sp.diag(*[fw.dg(zi) for zi in fw.z])
    D_wo = Dg * fw.Hbar
    wo_free = sym.wo[1:, :]
    left = sp.kronecker_product(wo_free.T, Dg)
    middle = sp.diag(*[fw.df(a) for a in vec(fw.A)])
    right = sp.kronecker_product(sp.eye(p), sym.Xbar)
    return D_wo, left * middle * right


def entrywise_jacobians(sym: NetworkSymbols, f=None, g=None):
    """``∂vec(y)/∂w̄ᵒᵀ`` and ``∂vec(y)/∂vec(W̄ʰ)ᵀ`` differentiated entry by entry."""
    y = output(sym, f, g)
    return y.jacobian(sym.wo), y.jacobian(vec(sym.Wh))


class Verification(NamedTuple):
    D_wo_difference: sp.Matrix
    D_Wh_difference: sp.Matrix
    holds: bool  # True only if both differences simplify to zero matrices


def verify_jacobians(m=2, n=2, p=2, f=None, g=None) -> Verification:
    """Prove both Jacobian formulas for one size: the simplified differences must be zero.

    Parameters
    ----------
    m, n, p : int
        Observations, features and hidden units (each 1..3).
    f, g : str, Activation or None
        Activations; ``None`` means an undefined (generic) function.

    Returns
    -------
    Verification
        ``holds`` is a bool: True when both differences are zero, False when either is not
        (or sympy cannot decide, which is no proof).
    """
    sym = network_symbols(m, n, p)
    e_wo, e_Wh = entrywise_jacobians(sym, f, g)
    k_wo, k_Wh = kron_jacobians(sym, f, g)
    d_wo = sp.simplify(e_wo - k_wo)
    d_Wh = sp.simplify(e_Wh - k_Wh)
    # is_zero_matrix is True, False or None (undecided); only True proves the formula
    return Verification(d_wo, d_Wh, d_wo.is_zero_matrix is True and d_Wh.is_zero_matrix is True)


def latex_matrix(M, name=None):
    """LaTeX for a sympy matrix, optionally as ``name = ...``."""
    body = sp.latex(M)
    return f"{name} = {body}" if name else body


def show(name, M):
    """Display ``name = M`` as typeset maths in a notebook."""
    from IPython.display import Math, display

    display(Math(latex_matrix(M, name)))
