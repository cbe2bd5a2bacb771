"""The engine's operations: each computes its value and records its VJP, one rule per line.

Each rule is the matrix-calculus identity named in its docstring: for ``Y = op(X)`` with
``vec dY = J vec dX``, the VJP returns ``∂ℓ/∂X = vec⁻¹(Jᵀ vec G)``.
"""

from __future__ import annotations

import numbers

import numpy as np

from .._validate import check_memory, finite_array, integer, integers, real, shape_str
from ..activations import sigmoid as _sigmoid
from ..vectorise import closure as _closure
from .core import Tensor, _as_tensor, _fp_check


def _finite_out(out, op):
    """Refuse a non-finite result of ``op`` (for BLAS products, whose flags may be lost)."""
    if not np.all(np.isfinite(out)):
        raise FloatingPointError(
            f"{op} left the float64 range (an entry is ±inf or NaN); the graph would carry "
            "it on: scale the inputs or the weights down"
        )
    return out


def _broadcast_fits(sa, sb, op):
    """Refuse, before computing, an element-wise result that broadcasting makes too large
    (an m×1 column and a 1×m row give an m×m matrix)."""
    try:
        shape = np.broadcast_shapes(sa, sb)
    except ValueError:
        raise ValueError(
            f"{op} needs shapes that broadcast; got {shape_str(sa)} and {shape_str(sb)}"
        ) from None
    check_memory(f"the broadcast result of {op}", {op: shape})


def _unbroadcast(g, shape):
    """Sum ``g`` down to ``shape``: the adjoint of numpy broadcasting.

    Broadcasting ``x`` to a larger shape is the linear map ``x ↦ E x`` that copies entries;
    its VJP is ``Eᵀ G``, which adds the copies back together (sum over the broadcast axes).
    """
    if g.shape == shape:
        return g
    extra = g.ndim - len(shape)
    if extra:
        g = g.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g


# ------------------------------------------------------------------------------------------
# Element-wise arithmetic with broadcasting
# ------------------------------------------------------------------------------------------
def add(a, b):
    """``C = A + B`` with numpy broadcasting.

    VJP: ``D_A C = I``, so ``∂ℓ/∂A = G`` (summed over broadcast axes, see ``_unbroadcast``), and
    likewise ``∂ℓ/∂B = G``.
    """
    a, b = _as_tensor(a), _as_tensor(b)
    sa, sb = a.data.shape, b.data.shape
    _broadcast_fits(sa, sb, "A + B")
    with _fp_check("add (A + B)"):
        out = a.data + b.data
    return Tensor._node(
        out,
        (a, b),
        lambda g: (_unbroadcast(g, sa), _unbroadcast(g, sb)),
        "add",
    )


def sub(a, b):
    """``C = A − B`` with broadcasting.

    VJP: ``D_A C = I`` and ``D_B C = −I``, so ``∂ℓ/∂A = G`` and ``∂ℓ/∂B = −G`` (unbroadcast).
    """
    a, b = _as_tensor(a), _as_tensor(b)
    sa, sb = a.data.shape, b.data.shape
    _broadcast_fits(sa, sb, "A − B")
    with _fp_check("sub (A − B)"):
        out = a.data - b.data
    return Tensor._node(
        out,
        (a, b),
        lambda g: (_unbroadcast(g, sa), _unbroadcast(-g, sb)),
        "sub",
    )


def neg(a):
    """``C = −A``. VJP: ``D_A C = −I``, so ``∂ℓ/∂A = −G``."""
    a = _as_tensor(a)
    return Tensor._node(-a.data, (a,), lambda g: (-g,), "neg")


def mul(a, b):
    """Element-wise (Hadamard) product ``C = A ⊙ B`` with broadcasting.

    VJP: ``d vec C = diag(vec B) d vec A + diag(vec A) d vec B`` (the product rule; element-wise
    maps have diagonal Jacobians), so ``∂ℓ/∂A = G ⊙ B`` and ``∂ℓ/∂B = G ⊙ A`` (unbroadcast).
    """
    a, b = _as_tensor(a), _as_tensor(b)
    ad, bd = a.data, b.data
    _broadcast_fits(ad.shape, bd.shape, "A ⊙ B")

    def vjp(g):
        return (
            _unbroadcast(g * bd, ad.shape) if a.requires_grad else None,
            _unbroadcast(g * ad, bd.shape) if b.requires_grad else None,
        )

    with _fp_check("mul (A ⊙ B)"):
        out = ad * bd
    return Tensor._node(out, (a, b), vjp, "mul")


def div(a, b):
    """Element-wise quotient ``C = A ⊘ B`` with broadcasting.

    VJP: ``d vec C = diag(1/vec B) d vec A − diag(vec A / (vec B)²) d vec B``, so
    ``∂ℓ/∂A = G ⊘ B`` and ``∂ℓ/∂B = −G ⊙ A ⊘ B²`` (unbroadcast). Division by zero is refused.
    """
    a, b = _as_tensor(a), _as_tensor(b)
    ad, bd = a.data, b.data
    _broadcast_fits(ad.shape, bd.shape, "A ⊘ B")
    if np.any(bd == 0):
        raise ValueError("division by a tensor with zero entries (the quotient is not finite)")
    with _fp_check("div (A ⊘ B)"):
        out = ad / bd

    def vjp(g):
        q = g / bd
        return (
            _unbroadcast(q, ad.shape) if a.requires_grad else None,
            _unbroadcast(-q * out, bd.shape) if b.requires_grad else None,
        )

    return Tensor._node(out, (a, b), vjp, "div")


def power(a, b):
    """Element-wise power ``C = A^B`` (``b`` a number or a tensor).

    VJP: for a constant exponent ``D_A C = diag(b A^(b−1))``, so ``∂ℓ/∂A = G ⊙ b A^(b−1)``; for a
    tensor exponent also ``D_B C = diag(A^B ⊙ log A)``, so ``∂ℓ/∂B = G ⊙ C ⊙ log A`` (needs A > 0).
    """
    a = _as_tensor(a)
    ad = a.data
    if not isinstance(b, Tensor) and not isinstance(b, numbers.Real):
        b = Tensor._constant(finite_array(b, "the exponent b of A ** b"))  # "3" is refused
    if not isinstance(b, Tensor):
        e = real(b, "the exponent b of A ** b")
        if e == 2.0:  # the common case (squares in losses): skip the pow call
            with _fp_check("square (A ⊙ A)"):
                sq = ad * ad
            return Tensor._node(sq, (a,), lambda g: (g * (2.0 * ad),), "square")
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            out = np.power(ad, e)
        if not np.all(np.isfinite(out)):
            raise ValueError(f"A^{e:g} is not finite for some entries of A (negative or zero base)")
        return Tensor._node(out, (a,), lambda g: (g * (e * np.power(ad, e - 1.0)),), "pow")
    bd = b.data
    if np.any(ad <= 0) and b.requires_grad:
        raise ValueError("A^B with a differentiable exponent B needs A > 0 (it uses log A)")
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = np.power(ad, bd)
    if not np.all(np.isfinite(out)):
        raise ValueError("A^B is not finite for some entries")

    def vjp(g):
        ga = _unbroadcast(g * bd * np.power(ad, bd - 1.0), ad.shape) if a.requires_grad else None
        gb = _unbroadcast(g * out * np.log(ad), bd.shape) if b.requires_grad else None
        return ga, gb

    return Tensor._node(out, (a, b), vjp, "pow")


# ------------------------------------------------------------------------------------------
# Matrix product
# ------------------------------------------------------------------------------------------
def matmul(a, b):
    """Matrix product ``C = X W`` (matrices or vectors, as numpy's ``@``).

    VJP: ``vec(X W) = (Wᵀ ⊗ I) vec X = (I ⊗ X) vec W``, so for ``ℓ(XW)``
    ``D_X ℓ`` reshaped is ``∂ℓ/∂X = G Wᵀ`` and ``D_W ℓ`` reshaped is ``∂ℓ/∂W = Xᵀ G``; a vector
    operand is the one-column (or one-row) case, giving outer products.
    """
    a, b = _as_tensor(a), _as_tensor(b)
    sa, sb = a.shape, b.shape
    if len(sa) == 0 or len(sb) == 0 or len(sa) > 2 or len(sb) > 2:
        raise ValueError(f"matmul takes vectors or matrices; got {shape_str(sa)} @ {shape_str(sb)}")
    if sa[-1] != sb[0]:
        raise ValueError(
            f"matmul needs the columns of the left factor ({shape_str(sa)}) to equal the "
            f"rows of the right factor ({shape_str(sb)})"
        )
    ra, rb = a.requires_grad, b.requires_grad
    ad, bd = a.data, b.data
    check_memory("the product X W", {"X W": sa[:-1] + sb[1:]})  # (m×1)(1×m) is m×m
    if ad.ndim == 2 and bd.ndim == 2:

        def vjp(g):  # Xᵀ G as (Gᵀ X)ᵀ: OpenBLAS is far faster with the long factor on the right
            return (g @ bd.T if ra else None, (g.T @ ad).T if rb else None)

    elif ad.ndim == 2:  # matrix @ vector

        def vjp(g):
            return (np.outer(g, bd) if ra else None, ad.T @ g if rb else None)

    elif bd.ndim == 2:  # vector @ matrix

        def vjp(g):
            return (bd @ g if ra else None, np.outer(ad, g) if rb else None)

    else:  # inner product

        def vjp(g):
            return (g * bd if ra else None, g * ad if rb else None)

    with _fp_check("matmul (X W)"):
        out = ad @ bd
    return Tensor._node(_finite_out(out, "matmul (X W)"), (a, b), vjp, "matmul")


# ------------------------------------------------------------------------------------------
# Element-wise functions: Jacobian diag(φ′(vec A)), so the VJP is G ⊙ φ′(A)
# ------------------------------------------------------------------------------------------
def tanh(a):
    """``H = tanh(A)`` element-wise.

    VJP: ``D_A H = diag(f′(vec A))`` with ``f′ = 1 − tanh²``, so ``∂ℓ/∂A = G ⊙ (1 − H ⊙ H)``.
    """
    a = _as_tensor(a)
    H = np.tanh(a.data)
    return Tensor._node(H, (a,), lambda g: (g * (1.0 - H * H),), "tanh")


def sigmoid(a):
    """``S = σ(A) = 1/(1 + e^(−A))`` element-wise, evaluated stably (no overflow at |A| = 1000).

    VJP: ``D_A S = diag(σ′(vec A))`` with ``σ′ = σ(1 − σ)``, so ``∂ℓ/∂A = G ⊙ S ⊙ (1 − S)``.
    """
    a = _as_tensor(a)
    S = _sigmoid.f(a.data)
    return Tensor._node(S, (a,), lambda g: (g * S * (1.0 - S),), "sigmoid")


def relu(a):
    """``R = max(A, 0)`` element-wise.

    VJP: ``D_A R = diag(H(vec A))`` with the Heaviside step (``H(0) = 0``, the subgradient
    PyTorch also uses), so ``∂ℓ/∂A = G ⊙ [A > 0]``.
    """
    a = _as_tensor(a)
    mask = a.data > 0
    return Tensor._node(a.data * mask, (a,), lambda g: (g * mask,), "relu")


def exp(a):
    """``E = exp(A)`` element-wise. VJP: ``D_A E = diag(vec E)``, so ``∂ℓ/∂A = G ⊙ E``."""
    a = _as_tensor(a)
    with np.errstate(over="ignore"):
        out = np.exp(a.data)
    if not np.all(np.isfinite(out)):
        raise ValueError("exp(A) overflows for some entries of A (above about 709)")
    return Tensor._node(out, (a,), lambda g: (g * out,), "exp")


def log(a):
    """``L = log(A)`` element-wise, for A > 0.

    VJP: ``D_A L = diag(1/vec A)``, so ``∂ℓ/∂A = G ⊘ A``.
    """
    a = _as_tensor(a)
    ad = a.data
    if np.any(ad <= 0):
        raise ValueError("log needs positive entries")
    return Tensor._node(np.log(ad), (a,), lambda g: (g / ad,), "log")


def sin(a):
    """``S = sin(A)`` element-wise. VJP: ``D_A S = diag(cos vec A)``, so ``∂ℓ/∂A = G ⊙ cos A``."""
    a = _as_tensor(a)
    ad = a.data
    return Tensor._node(np.sin(ad), (a,), lambda g: (g * np.cos(ad),), "sin")


def cos(a):
    """``C = cos(A)`` element-wise. VJP: ``D_A C = −diag(sin vec A)``, so ``∂ℓ/∂A = −G ⊙ sin A``."""
    a = _as_tensor(a)
    ad = a.data
    return Tensor._node(np.cos(ad), (a,), lambda g: (-g * np.sin(ad),), "cos")


# ------------------------------------------------------------------------------------------
# Reductions
# ------------------------------------------------------------------------------------------
def _norm_axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = [integer(axis, "axis")] if np.ndim(axis) == 0 else integers(axis, "axis")
    out = []
    for ax in axes:
        if not -ndim <= ax < ndim:
            raise ValueError(f"axis {ax} is out of range for a tensor with {ndim} axes")
        out.append(ax % ndim)
    return tuple(sorted(set(out)))


def sum(a, axis=None, keepdims=False):
    """``s = Σ A`` over ``axis`` (all entries by default).

    VJP: ``s = 1ᵀ vec A`` (or, per axis, ``A 1`` / ``1ᵀ A``) is linear with Jacobian made of
    ones, so ``∂ℓ/∂A = G`` broadcast back over the summed axes.
    """
    a = _as_tensor(a)
    shape = a.data.shape
    axes = _norm_axes(axis, a.data.ndim)
    with _fp_check("sum (Σ A)"):
        out = np.sum(a.data, axis=axes, keepdims=keepdims)

    def vjp(g):
        if not keepdims:
            g = np.expand_dims(g, axes)
        return (np.broadcast_to(g, shape),)

    return Tensor._node(np.asarray(out), (a,), vjp, "sum")


def mean(a, axis=None, keepdims=False):
    """Arithmetic mean over ``axis``: ``(1/k) Σ A`` with ``k`` entries per mean.

    VJP: the Jacobian is ``(1/k)`` times that of :func:`sum`, so ``∂ℓ/∂A = G / k`` broadcast back.
    """
    a = _as_tensor(a)
    shape = a.data.shape
    axes = _norm_axes(axis, a.data.ndim)
    k = int(np.prod([shape[i] for i in axes])) if axes else 1
    if k == 0:
        raise ValueError("mean over an empty axis is undefined")
    with _fp_check("mean"):
        out = np.mean(a.data, axis=axes, keepdims=keepdims)

    def vjp(g):
        if not keepdims:
            g = np.expand_dims(g, axes)
        return (np.broadcast_to(g / k, shape),)

    return Tensor._node(np.asarray(out), (a,), vjp, "mean")


# ------------------------------------------------------------------------------------------
# Structure: closure, concatenation, indexing, transpose, reshape
# ------------------------------------------------------------------------------------------
def closure(X):
    """The lecture's closure ``X̄ = [1 X]``: prepend a column of ones (bias first).

    VJP: ``vec X̄ = [1; vec X]``, i.e. ``D_X X̄ = [0; I]`` (the ones column is constant), so
    the gradient with respect to X̄ loses its first column: ``∂ℓ/∂X = G[:, 1:]``. A vector is
    read as one column.
    """
    X = _as_tensor(X)
    if X.ndim == 1:
        X = reshape(X, (-1, 1))
    if X.ndim != 2:
        raise ValueError(f"closure takes a matrix X (m×n); got shape {shape_str(X.shape)}")
    return Tensor._node(_closure(X.data), (X,), lambda g: (g[:, 1:],), "closure")


def concat(tensors, axis=0):
    """Join tensors along ``axis`` (numpy's ``concatenate``).

    VJP: ``vec [A B]`` is a permutation of ``[vec A; vec B]``, a linear map whose transpose
    splits ``G`` back into the blocks: ``∂ℓ/∂A, ∂ℓ/∂B = split(G)``.
    """
    ts = [_as_tensor(t) for t in tensors]
    if not ts:
        raise ValueError("concat needs at least one tensor")
    out = np.concatenate([t.data for t in ts], axis=axis)
    ax = axis % out.ndim
    bounds = np.cumsum([t.data.shape[ax] for t in ts])[:-1]

    def vjp(g):
        return tuple(np.split(g, bounds, axis=ax))

    return Tensor._node(out, tuple(ts), vjp, "concat")


def _is_basic_index(index):
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis for i in items)


def _getitem(a, index):
    """``B = A[index]``: selection. VJP: scatter ``G`` back (repeated picks add up)."""
    if isinstance(index, Tensor):
        raise TypeError("index with integers, slices, lists or numpy arrays, not a Tensor")
    shape = a.data.shape
    basic = _is_basic_index(index)
    out = a.data[index]

    def vjp(g):
        full = np.zeros(shape)
        if basic:
            full[index] = g
        else:
            np.add.at(full, index, g)
        return (full,)

    return Tensor._node(np.asarray(out), (a,), vjp, "getitem")


def transpose(a):
    """``B = Aᵀ``. VJP: ``vec Aᵀ = K vec A`` with the commutation matrix K, so ``∂ℓ/∂A = Gᵀ``."""
    a = _as_tensor(a)
    return Tensor._node(a.data.T, (a,), lambda g: (g.T,), "transpose")


def reshape(a, shape):
    """Reshape in numpy's (row-major) order.

    VJP: the entries are only relabelled, so ``∂ℓ/∂A`` is ``G`` reshaped back to ``A``'s shape.
    """
    a = _as_tensor(a)
    old = a.data.shape
    shape = [integer(shape, "shape")] if np.ndim(shape) == 0 else integers(shape, "shape")
    return Tensor._node(a.data.reshape(shape), (a,), lambda g: (g.reshape(old),), "reshape")
