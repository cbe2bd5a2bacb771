"""Two hidden layers: the lecture's network carried one layer further.

The network is

``H₁ = f₁(X̄ W̄₁)``, ``H̄₁ = [1 H₁]``, ``H₂ = f₂(H̄₁ W̄₂)``, ``H̄₂ = [1 H₂]``, ``y = g(H̄₂ w̄ᵒ)``

with ``X̄`` m×n̄, ``W̄₁`` n̄×p₁, ``W̄₂`` p̄₁×p₂ (bias rows first) and ``w̄ᵒ`` of length p̄₂.
Its Jacobians with respect to ``W̄₁`` and ``W̄₂`` are the subject of chapter 4's exercise
ex-04-two-layers, whose solution derives them; this module computes them in numerator layout,
columns in ``vec`` order, literally (``method="kron"``) or without Kronecker products, and the
unit tests check both against complex-step differences and prove them with sympy.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import (
    array_bytes,
    check_memory,
    finite_array,
    format_bytes,
    shape_str,
    weight_vector,
)
from .activations import get_activation
from .formulas.deep import forward as propagate
from .vectorise import closure, vec


class Forward2(NamedTuple):
    """Every intermediate of one forward pass through two hidden layers."""

    Xbar: np.ndarray  # m×n̄
    A1: np.ndarray  # m×p₁, A₁ = X̄ W̄₁
    H1: np.ndarray  # m×p₁, H₁ = f₁(A₁)
    H1bar: np.ndarray  # m×p̄₁, H̄₁ = [1 H₁]
    A2: np.ndarray  # m×p₂, A₂ = H̄₁ W̄₂
    H2: np.ndarray  # m×p₂, H₂ = f₂(A₂)
    H2bar: np.ndarray  # m×p̄₂, H̄₂ = [1 H₂]
    z: np.ndarray  # m, z = H̄₂ w̄ᵒ
    y: np.ndarray  # m, y = g(z)


def check_shapes(X, Wh1, Wh2, wo, *, allow_complex=False):
    """Validate ``X``, ``W̄₁``, ``W̄₂``, ``w̄ᵒ``; errors name the symbol and both shapes.

    Returns
    -------
    Xbar, Wh1, Wh2, wo : ndarray
    """
    X = finite_array(X, "X", allow_complex=allow_complex)  # refuses complex unless allowed
    Xbar = closure(X)  # X̄ = [1 X]; refuses what is not a matrix (a vector is one column)
    m, nbar = Xbar.shape
    expected = f"n̄×p₁ with n̄ = {nbar} rows to match X̄ (m×n̄ = {m}×{nbar})"
    Wh1 = _weight_matrix(Wh1, "W̄₁", nbar, expected, allow_complex)
    p1 = Wh1.shape[1]
    expected = f"p̄₁×p₂ with p̄₁ = p₁ + 1 = {p1 + 1} rows to match W̄₁ (n̄×p₁ = {nbar}×{p1})"
    Wh2 = _weight_matrix(Wh2, "W̄₂", p1 + 1, expected, allow_complex)
    p2 = Wh2.shape[1]
    expected = f"p̄₂ = p₂ + 1 = {p2 + 1} to match W̄₂ (p̄₁×p₂ = {p1 + 1}×{p2})"
    wo = weight_vector(wo, "w̄ᵒ", p2 + 1, expected, allow_complex=allow_complex)
    return Xbar, Wh1, Wh2, wo


def _weight_matrix(W, name, rows, expected, allow_complex):
    """A hidden layer's ``W̄``: a finite matrix whose ``rows`` are the previous width plus one."""
    W = finite_array(W, name, allow_complex=allow_complex)
    if W.ndim != 2 or W.shape[0] != rows:
        raise ValueError(f"{name} must be {expected}; got shape {shape_str(W.shape)}")
    return W


def forward(X, Wh1, Wh2, wo, f1="tanh", f2="tanh", g="identity") -> Forward2:
    """Run the two-hidden-layer network and keep every intermediate.

    Implements ``A₁ = X̄ W̄₁``, ``H₁ = f₁(A₁)``, ``A₂ = [1 H₁] W̄₂``, ``H₂ = f₂(A₂)``,
    ``z = [1 H₂] w̄ᵒ``, ``y = g(z)``.

    Parameters
    ----------
    X : array_like, shape (m, n)
        Features without the ones column.
    Wh1 : array_like, shape (n̄, p₁)
        First hidden layer's weights ``W̄₁``, bias row first.
    Wh2 : array_like, shape (p̄₁, p₂)
        Second hidden layer's weights ``W̄₂``, bias row first.
    wo : array_like, shape (p̄₂,)
        Output weights ``w̄ᵒ``, bias first.
    f1, f2, g : str or Activation
        Activations of the two hidden layers and of the output.
    """
    allow_complex = any(np.iscomplexobj(a) for a in (X, Wh1, Wh2, wo))
    Xbar, Wh1, Wh2, wo = check_shapes(X, Wh1, Wh2, wo, allow_complex=allow_complex)
    acts = [get_activation(a) for a in (f1, f2, g)]
    (A1, A2, z), (H1, H2, y), (H1bar, H2bar) = propagate(Xbar, [Wh1, Wh2, wo], acts)
    return Forward2(Xbar, A1, H1, H1bar, A2, H2, H2bar, z, y)


def predict(X, Wh1, Wh2, wo, f1="tanh", f2="tanh", g="identity"):
    """Network output ``y = g([1 f₂([1 f₁(X̄ W̄₁)] W̄₂)] w̄ᵒ)``, a vector of length m."""
    return forward(X, Wh1, Wh2, wo, f1, f2, g).y


def init_weights(n, p1, p2, seed=0):
    """Seeded random weights ``(W̄₁, W̄₂, w̄ᵒ)``.

    Entries are normal with standard deviation ``1/sqrt(fan-in)`` (n̄, p̄₁ and p̄₂), so every
    pre-activation starts of order one.
    """
    rng = np.random.default_rng(seed)
    return (
        rng.normal(0, 1 / np.sqrt(n + 1), (n + 1, p1)),
        rng.normal(0, 1 / np.sqrt(p1 + 1), (p1 + 1, p2)),
        rng.normal(0, 1 / np.sqrt(p2 + 1), p2 + 1),
    )


def dy_dwo(X, Wh1, Wh2, wo, f1="tanh", f2="tanh", g="identity"):
    """``D_w̄ᵒ y = diag(g′(z)) H̄₂``, shape (m, p̄₂)."""
    fw = forward(X, Wh1, Wh2, wo, f1, f2, g)
    return get_activation(g).df(fw.z)[:, None] * fw.H2bar


def _sensitivities(fw, Wh2, wo, f1, f2, g):
    """``S₂[i, j] = ∂yᵢ/∂A₂[i, j]`` and ``S₁[i, k] = ∂yᵢ/∂A₁[i, k]`` (each row is one sample)."""
    wo_free = np.asarray(wo).reshape(-1)[1:]  # wᵒ: the output bias does not see the layers
    S2 = get_activation(g).df(fw.z)[:, None] * get_activation(f2).df(fw.A2) * wo_free[None, :]
    S1 = (S2 @ np.asarray(Wh2)[1:, :].T) * get_activation(f1).df(fw.A1)  # W₂ drops the bias row
    return S1, S2


def _kron_factors(fw, Wh2, wo, f1, f2, g):
    m = fw.z.shape[0]
    p1, p2 = fw.A1.shape[1], fw.A2.shape[1]
    wo_free = np.asarray(wo).reshape(-1)[1:]
    left = np.kron(wo_free[None, :], np.diag(get_activation(g).df(fw.z)))  # m × mp₂
    d2 = np.diag(vec(get_activation(f2).df(fw.A2)))  # mp₂ × mp₂
    back = np.kron(np.asarray(Wh2)[1:, :].T, np.eye(m))  # W₂ᵀ ⊗ I_m: mp₂ × mp₁
    d1 = np.diag(vec(get_activation(f1).df(fw.A1)))  # mp₁ × mp₁
    right1 = np.kron(np.eye(p1), fw.Xbar)  # mp₁ × n̄p₁
    right2 = np.kron(np.eye(p2), fw.H1bar)  # mp₂ × p̄₁p₂
    return left, d2, back, d1, right1, right2


def _kron_shapes(m, nbar, p1, p2):
    """Names and shapes of the six explicit factors :func:`_kron_factors` forms."""
    return {
        "wᵒᵀ ⊗ diag(g′(z))": (m, m * p2),
        "diag(f₂′(vec A₂))": (m * p2, m * p2),
        "W₂ᵀ ⊗ I_m": (m * p2, m * p1),
        "diag(f₁′(vec A₁))": (m * p1, m * p1),
        "I_p₁ ⊗ X̄": (m * p1, nbar * p1),
        "I_p₂ ⊗ H̄₁": (m * p2, (p1 + 1) * p2),
    }


def _check_method(method, fw, max_bytes):
    if method not in ("structured", "kron"):
        raise ValueError(f'method must be "structured" or "kron"; got {method!r}')
    m, nbar = fw.Xbar.shape
    p1, p2 = fw.A1.shape[1], fw.A2.shape[1]
    structured = {"D_W̄₁ y": (m, nbar * p1), "D_W̄₂ y": (m, (p1 + 1) * p2)}
    if method == "kron":
        check_memory(
            f"the literal Kronecker formula at m={m}",
            _kron_shapes(m, nbar, p1, p2),
            limit=max_bytes,
            cheaper='use method="structured", which needs at most '
            + format_bytes(array_bytes(*structured.values())),
        )
    else:
        check_memory(f"the two-layer Jacobians at m={m}", structured)


def dy_dWh2(
    X, Wh1, Wh2, wo, f1="tanh", f2="tanh", g="identity", method="structured", max_bytes=None
):
    """Jacobian ``D_W̄₂ y`` with respect to the second hidden layer's weights.

    The formula is derived in the solution of chapter 4's exercise ex-04-two-layers.

    Parameters
    ----------
    method : {"structured", "kron"}
        ``"kron"`` forms the formula's factors literally (for teaching; memory grows as m²);
        ``"structured"`` scales rows instead, O(m·p̄₁·p₂).
    max_bytes : int, optional
        Memory limit for ``"kron"`` (default: the package's one limit,
        :data:`lecturekit._validate.MAX_BYTES`).

    Raises
    ------
    lecturekit.jacobians.JacobianTooLarge
        Before allocating, if the arrays the method forms exceed the limit.

    Returns
    -------
    ndarray, shape (m, p̄₁p₂)
        Columns in ``vec(W̄₂)`` (column-major) order.
    """
    fw = forward(X, Wh1, Wh2, wo, f1, f2, g)
    _check_method(method, fw, max_bytes)
    if method == "kron":
        left, d2, _, _, _, right2 = _kron_factors(fw, Wh2, wo, f1, f2, g)
        return left @ d2 @ right2
    _, S2 = _sensitivities(fw, Wh2, wo, f1, f2, g)
    m, p1bar = fw.H1bar.shape
    return (S2[:, :, None] * fw.H1bar[:, None, :]).reshape(m, -1)


def dy_dWh1(
    X, Wh1, Wh2, wo, f1="tanh", f2="tanh", g="identity", method="structured", max_bytes=None
):
    """Jacobian ``D_W̄₁ y`` with respect to the first hidden layer's weights.

    The formula is derived in the solution of chapter 4's exercise ex-04-two-layers.

    Parameters
    ----------
    method : {"structured", "kron"}
        ``"kron"`` multiplies the formula's factors literally; ``"structured"`` scales rows
        instead, O(m·n̄·p₁).
    max_bytes : int, optional
        As in :func:`dy_dWh2`.

    Returns
    -------
    ndarray, shape (m, n̄p₁)
        Columns in ``vec(W̄₁)`` (column-major) order.
    """
    fw = forward(X, Wh1, Wh2, wo, f1, f2, g)
    _check_method(method, fw, max_bytes)
    if method == "kron":
        left, d2, back, d1, right1, _ = _kron_factors(fw, Wh2, wo, f1, f2, g)
        return left @ d2 @ back @ d1 @ right1
    S1, _ = _sensitivities(fw, Wh2, wo, f1, f2, g)
    m = fw.Xbar.shape[0]
    return (S1[:, :, None] * fw.Xbar[:, None, :]).reshape(m, -1)


def dy_dw(X, Wh1, Wh2, wo, f1="tanh", f2="tanh", g="identity"):
    """``D_w̄ y = [D_W̄₁ y  D_W̄₂ y  D_w̄ᵒ y]`` for ``w̄ = [vec W̄₁; vec W̄₂; w̄ᵒ]``.

    Returns
    -------
    ndarray, shape (m, n̄p₁ + p̄₁p₂ + p̄₂)
    """
    return np.hstack(
        [
            dy_dWh1(X, Wh1, Wh2, wo, f1, f2, g),
            dy_dWh2(X, Wh1, Wh2, wo, f1, f2, g),
            dy_dwo(X, Wh1, Wh2, wo, f1, f2, g),
        ]
    )
