"""Element-wise functions, their Jacobians, single neurons and the linear-activation collapse.

The lecture's element-wise function ``φ̃`` has components ``φ̃ᵢ(x₁, …, xₙ) = φ(xᵢ)``. Because
component ``i`` depends on ``xᵢ`` alone, its Jacobian is diagonal, ``D_x φ̃(x) = diag(φ′(x))``;
for a matrix argument ``A`` (m×n) the same holds after vectorising,
``D_A f(A) = diag(vec f′(A))`` (mn × mn), because ``vec(f(A)) = f(vec(A))``.

This module gives both the explicit (dense, for teaching) and the structured (never forms the
mn × mn matrix) versions, the sympy derivations of σ′ = σ(1 − σ) and tanh′ = 1 − tanh², the
single neuron ``y = f(X̄ w̄)``, the hidden layer computed three equivalent ways, and the proof by
construction that identity activations leave a network of any depth a linear model.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import sympy as sp

from ._validate import (
    array_bytes,
    check_memory,
    choice,
    features,
    finite_array,
    finite_result,
    format_bytes,
    shape_str,
    weight_vector,
)
from .activations import get_activation
from .formulas.deep import forward as propagate
from .vectorise import closure, kron_vec_matrix, unvec, vec

#: Largest mn for which :func:`jacobian_explicit` forms the dense mn × mn matrix.
EXPLICIT_MAX_SIZE = 4000


def _matrix_or_vector(A, name="A"):
    A = finite_array(A, name, allow_complex=True)
    if A.ndim > 2:
        raise ValueError(f"{name} must be a vector or a matrix; got shape {shape_str(A.shape)}")
    return A


def apply(f, A):
    """Apply a scalar activation entry by entry: the lecture's ``f̃(A)``.

    Implements ``f̃(A)ᵢⱼ = f(Aᵢⱼ)`` (for a vector, ``φ̃ᵢ(x) = φ(xᵢ)``).

    Parameters
    ----------
    f : str or Activation
        Name from :mod:`lecturekit.activations` (e.g. ``"tanh"``) or an ``Activation``.
    A : array_like, scalar, vector or matrix
        Real or complex (complex input is kept for complex-step checks).

    Returns
    -------
    ndarray, same shape as ``A``
    """
    return get_activation(f).f(_matrix_or_vector(A))


def derivative(f, A):
    """The scalar derivative applied entry by entry, ``f′(A)`` (same shape as ``A``).

    Its column-major ``vec`` is the diagonal of ``D_A f(A)``.
    """
    return get_activation(f).df(_matrix_or_vector(A))


def jacobian_explicit(f, A):
    """The Jacobian of an element-wise function as a dense matrix.

    Implements ``D_A f(A) = ∂vec f(A) / ∂vec(A)ᵀ = diag(vec f′(A))``, of size mn × mn for
    ``A`` m×n (size n × n for a vector of length n).

    Raises
    ------
    ValueError
        If mn exceeds :data:`EXPLICIT_MAX_SIZE` (use :func:`jvp` instead: same numbers, no
        mn × mn matrix).
    """
    d = vec(derivative(f, A)) if np.ndim(A) else np.atleast_1d(derivative(f, A))
    if d.size > EXPLICIT_MAX_SIZE:
        raise ValueError(
            f"D_A f(A) would be {d.size}×{d.size} (A has mn = {d.size} entries); the explicit "
            f"matrix is limited to mn ≤ {EXPLICIT_MAX_SIZE}: use elementwise.jvp instead"
        )
    return np.diag(d)


def jvp(f, A, dA):
    """The structured form: the Jacobian applied to a direction without forming it.

    Implements ``D_A f(A) vec(dA) = diag(vec f′(A)) vec(dA) = vec(f′(A) ⊙ dA)``: a diagonal
    matrix times a vector is an entry-wise product, so the cost is mn instead of (mn)².

    Parameters
    ----------
    f : str or Activation
    A, dA : array_like, same shape
        Point and direction (``dA`` is the lecture's differential ``dA``).

    Returns
    -------
    ndarray, same shape as ``A``
        ``f′(A) ⊙ dA``; ``vec`` of it equals ``jacobian_explicit(f, A) @ vec(dA)``.
    """
    A = _matrix_or_vector(A)
    dA = _matrix_or_vector(dA, "dA")
    if dA.shape != A.shape:
        raise ValueError(
            f"dA must have the shape of A ({shape_str(A.shape)}); got {shape_str(dA.shape)}"
        )
    return get_activation(f).df(A) * dA


def vec_commutes(f, A):
    """Both sides of ``vec(f(A)) = f(vec(A))`` for an element-wise ``f``.

    Returns
    -------
    lhs, rhs : ndarray, length mn
        ``vec`` of ``f`` applied to the matrix, and ``f`` applied to the stacked columns.
        They are equal entry for entry (the same numbers, only reordered before or after).
    """
    A = finite_array(A, "A", 2, allow_complex=True)
    act = get_activation(f)
    return vec(act.f(A)), act.f(vec(A))


class DerivativeIdentity(NamedTuple):
    """A sympy derivation: ``derivative`` (by differentiation) against ``claimed``."""

    function: sp.Expr  # φ(z)
    derivative: sp.Expr  # dφ/dz as sympy differentiates it
    claimed: sp.Expr  # the closed form in terms of φ itself
    difference: sp.Expr  # simplify(derivative − claimed); 0 proves the identity


_z = sp.Symbol("z", real=True)


def _derivative_identity(phi, claimed_in_phi) -> DerivativeIdentity:
    d = sp.diff(phi, _z)
    claimed = claimed_in_phi(phi)
    diff = sp.simplify((d - claimed).rewrite(sp.exp))
    return DerivativeIdentity(phi, d, claimed, diff)


def sigmoid_derivative_identity() -> DerivativeIdentity:
    """Derive ``σ′(z) = σ(z)(1 − σ(z))`` with sympy for ``σ(z) = 1/(1 + e^(−z))``.

    Returns
    -------
    DerivativeIdentity
        ``difference`` is ``simplify(σ′ − σ(1 − σ))``, which sympy reduces to 0.
    """
    return _derivative_identity(1 / (1 + sp.exp(-_z)), lambda s: s * (1 - s))


def tanh_derivative_identity() -> DerivativeIdentity:
    """Derive ``tanh′(z) = 1 − tanh²(z)`` with sympy.

    Returns
    -------
    DerivativeIdentity
        ``difference`` is ``simplify(tanh′ − (1 − tanh²))``, which sympy reduces to 0.
    """
    return _derivative_identity(sp.tanh(_z), lambda t: 1 - t**2)


def sigmoid_derivative_difference() -> sp.Expr:
    """``simplify(σ′(z) − σ(z)(1 − σ(z)))``; zero proves ``σ′ = σ(1 − σ)``."""
    return sigmoid_derivative_identity().difference


def tanh_derivative_difference() -> sp.Expr:
    """``simplify(tanh′(z) − (1 − tanh²(z)))``; zero proves ``tanh′ = 1 − tanh²``."""
    return tanh_derivative_identity().difference


def neuron(X, w, f="sigmoid"):
    """One neuron: ``y = f(X̄ w̄)``, i.e. ``yᵢ = f(w̄₀ + Σⱼ w̄ⱼ xᵢⱼ)``.

    With ``f = heaviside`` this is Rosenblatt's perceptron (a 0/1 decision); with
    ``f = sigmoid`` it is logistic regression (a probability); with ``f = identity`` it is the
    linear model ``y = X̄ w̄``.

    Parameters
    ----------
    X : array_like, shape (m, n) or (m,)
        Features without the ones column.
    w : array_like, shape (n̄,)
        Weights ``w̄``, bias first.
    f : str or Activation

    Returns
    -------
    y : ndarray, shape (m,)
    """
    Xbar = closure(X)
    nbar = Xbar.shape[1]
    w = finite_array(w, "w̄", allow_complex=True)
    if w.ndim == 1 and w.size != nbar and Xbar.shape[0] + 1 == w.size:
        features(X, w.size, "w̄")  # X given as n×m: says it looks transposed
    w = weight_vector(w, "w̄", nbar, f"n̄ = n + 1 = {nbar} to match X̄ (m×n̄)", allow_complex=True)
    with np.errstate(over="ignore", invalid="ignore"):
        return finite_result(get_activation(f).f(Xbar @ w), "the neuron's output y")


def hidden_layer(X, Wh, f="tanh", method="matrix"):
    """The hidden layer ``H = f(X̄ W̄ʰ)`` (m×p), computed one of three equivalent ways.

    Parameters
    ----------
    X : array_like, shape (m, n)
    Wh : array_like, shape (n̄, p)
        ``W̄ʰ``; column ``j`` holds the weights of hidden neuron ``j`` (bias first).
    f : str or Activation
    method : {"matrix", "neurons", "kron"}
        ``"matrix"``: ``f(X̄ W̄ʰ)`` in one product.
        ``"neurons"``: one regression per hidden neuron, ``H[:, j] = f(X̄ W̄ʰ[:, j])``.
        ``"kron"``: the "one big linear regression" ``vec H = f((I_p ⊗ X̄) vec W̄ʰ)``, using
        ``vec(X̄ W̄ʰ I_p) = (I_p ⊗ X̄) vec W̄ʰ`` and ``vec(f(·)) = f(vec(·))``, then unvec.
        The mp × n̄p matrix ``I_p ⊗ X̄`` is refused before allocation when it exceeds the
        package's memory limit (:data:`lecturekit._validate.MAX_BYTES`).

    Returns
    -------
    H : ndarray, shape (m, p)

    Raises
    ------
    lecturekit.jacobians.JacobianTooLarge
        A :class:`MemoryError`: ``method="kron"`` at a size whose ``I_p ⊗ X̄`` is too large.
    """
    Xbar = closure(X)
    Wh = finite_array(Wh, "W̄ʰ", 2, allow_complex=True)
    if Wh.shape[0] != Xbar.shape[1]:
        features(X, Wh.shape[0], "W̄ʰ", got=f"W̄ʰ of shape {shape_str(Wh.shape)}")
    method = choice(method, ("matrix", "neurons", "kron"), "method")
    act = get_activation(f)
    m, p = Xbar.shape[0], Wh.shape[1]
    if method == "matrix":
        return act.f(Xbar @ Wh)
    if method == "neurons":
        return np.column_stack([act.f(Xbar @ Wh[:, j]) for j in range(p)])
    if method == "kron":
        nbar = Xbar.shape[1]
        check_memory(
            f"the one big regression at m={m}, n̄={nbar}, p={p}",
            {"I_p ⊗ X̄": (m * p, nbar * p)},
            cheaper='method="matrix" computes the same H in ' + format_bytes(array_bytes((m, p))),
        )
        big = kron_vec_matrix(Xbar, np.eye(p))  # I_p ⊗ X̄, block diagonal, mp × n̄p
        return unvec(act.f(big @ vec(Wh)), (m, p))


def _layer_list(weights):
    if isinstance(weights, np.ndarray) or len(weights) < 1:
        raise ValueError("weights must be a list [W̄¹, …, W̄ᴸ, w̄ᵒ] of weight arrays")
    mats = []
    for k, W in enumerate(weights):
        last = k == len(weights) - 1
        name = "w̄ᵒ" if last else f"W̄{k + 1}"
        W = finite_array(W, name, allow_complex=True)
        if last and W.ndim == 1:
            W = W[:, None]
        if W.ndim != 2:
            raise ValueError(f"{name} must be a matrix; got shape {shape_str(W.shape)}")
        if mats and W.shape[0] != mats[-1].shape[1] + 1:
            raise ValueError(
                f"{name} must have {mats[-1].shape[1] + 1} rows (the previous layer's width "
                f"plus the bias); got shape {shape_str(W.shape)}"
            )
        mats.append(W)
    return mats


def deep_forward(X, weights, f="tanh", g="identity"):
    """Output of a fully connected network with any number of hidden layers.

    Implements ``H̄⁰ = X̄``, ``H̄ᵏ = [1 f(H̄ᵏ⁻¹ W̄ᵏ)]`` for k = 1, …, L and
    ``y = g(H̄ᴸ w̄ᵒ)``; with one hidden layer this is the lecture's
    ``y = g([1 f(X̄ W̄ʰ)] w̄ᵒ)``.

    Parameters
    ----------
    X : array_like, shape (m, n)
    weights : list of arrays
        ``[W̄¹, …, W̄ᴸ, w̄ᵒ]``; ``W̄ᵏ`` is (width of layer k−1, plus one) × (width of layer k),
        bias row first; the last entry is the output weights (length p̄ᴸ).
    f, g : str or Activation
        Hidden and output activations.

    Returns
    -------
    y : ndarray, shape (m,)
    """
    mats = _layer_list(weights)
    Xbar = closure(X)
    if mats[0].shape[0] != Xbar.shape[1]:
        features(X, mats[0].shape[0], "W̄1", got=f"shape {shape_str(mats[0].shape)}")
    acts = [get_activation(f)] * (len(mats) - 1) + [get_activation(g)]
    m = Xbar.shape[0]
    check_memory(
        f"the forward pass of {len(mats)} layers at m={m}",
        {f"A{k + 1}, H{k + 1}, H̄{k + 1}": (3, m, W.shape[1] + 1) for k, W in enumerate(mats)},
        cheaper="evaluate the rows of X in blocks",
    )
    with np.errstate(over="ignore", invalid="ignore"):
        _, Hs, _ = propagate(Xbar, mats[:-1] + [mats[-1][:, 0]], acts)
    return finite_result(Hs[-1], "the network output y")


def collapse_linear(weights):
    """The single linear model equal to a network whose activations are all the identity.

    With ``f(z) = z`` each layer is affine, ``H̄ᵏ = H̄ᵏ⁻¹ Mᵏ`` with the (bordered) matrix
    ``Mᵏ = [[1, W̄ᵏ[0, :]], [0, W̄ᵏ[1:, :]]]`` (the 1 keeps the constant column). Hence
    ``y = X̄ M¹ ⋯ Mᴸ w̄ᵒ = X̄ w̄`` with ``w̄ = M¹ ⋯ Mᴸ w̄ᵒ``: the hidden layers add nothing a
    single linear regression could not do.

    Parameters
    ----------
    weights : list of arrays
        ``[W̄¹, …, W̄ᴸ, w̄ᵒ]`` as in :func:`deep_forward`.

    Returns
    -------
    w : ndarray, shape (n̄,)
        ``deep_forward(X, weights, "identity", "identity") == closure(X) @ w`` for every ``X``.
    """
    mats = _layer_list(weights)
    w = mats[-1][:, 0]
    for W in reversed(mats[:-1]):
        M = np.zeros((W.shape[0], W.shape[1] + 1), dtype=np.result_type(W, w))
        M[0, 0] = 1.0
        M[:, 1:] = W
        w = M @ w
    return w


def linear_fit_residual(X, y):
    """How far ``y`` is from every linear model: ``min_w̄ ‖X̄ w̄ − y‖`` (least squares).

    Zero (to rounding) for the output of a network with identity activations; clearly positive
    for tanh activations, whose output is not a linear function of the features.

    Returns
    -------
    w : ndarray, shape (n̄,)
        The least-squares weights.
    residual : float
        ``‖X̄ w̄ − y‖``.
    """
    Xbar = closure(X)
    y = finite_array(y, "y", 1)
    if y.size != Xbar.shape[0]:
        raise ValueError(
            f"y must have length m = {Xbar.shape[0]} (one entry per row of X̄); got {y.size}"
        )
    w, *_ = np.linalg.lstsq(Xbar, y, rcond=None)
    return w, float(np.linalg.norm(Xbar @ w - y))
