"""The lecture's one-hidden-layer network ``y = g([1 f(X̄ W̄ʰ)] w̄ᵒ)``.

Shapes (bias first everywhere): ``X`` is m×n without the ones column, ``X̄ = [1 X]`` is m×n̄,
``W̄ʰ`` is n̄×p (row 0 holds the hidden biases), ``w̄ᵒ`` has length p̄ = p + 1 (entry 0 is the
output bias), and ``wᵒ = w̄ᵒ[1:]`` is the bias-free part.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import (
    check_memory,
    features,
    finite_array,
    finite_result,
    integer,
    real,
    shape_str,
    weight_vector,
)
from .activations import get_activation
from .formulas import network as formulas
from .formulas.deep import forward as propagate
from .formulas.deep import with_ones
from .vectorise import closure

__all__ = [
    "Forward",
    "InputDerivativeStep",
    "check_shapes",
    "forward",
    "forward_checked",
    "init_weights",
    "predict",
    "propagate",
    "with_derivative_rows",
    "with_ones",
]


class Forward(NamedTuple):
    """Every intermediate of one forward pass."""

    Xbar: np.ndarray  # m×n̄, X̄ = [1 X]
    A: np.ndarray  # m×p, A = X̄ W̄ʰ (hidden pre-activations)
    H: np.ndarray  # m×p, H = f(A)
    Hbar: np.ndarray  # m×p̄, H̄ = [1 H]
    z: np.ndarray  # m, z = H̄ w̄ᵒ (output pre-activation)
    y: np.ndarray  # m, y = g(z)


def check_shapes(X, Wh, wo, *, allow_complex=False):
    """Validate and convert ``X``, ``W̄ʰ``, ``w̄ᵒ``; errors name the symbol and both shapes.

    An X given as n×m (its transpose fits W̄ʰ) is reported as transposed. The forward pass's
    arrays (A, H: m×p; H̄: m×p̄) are refused before allocation if above the memory limit.

    Returns
    -------
    Xbar, Wh, wo : ndarray
    """
    X = finite_array(X, "X", allow_complex=allow_complex)  # refuses complex unless allowed
    Xbar = closure(X)  # X̄ = [1 X]; refuses what is not a matrix (a vector is one column)
    m, nbar = Xbar.shape
    Wh = finite_array(Wh, "W̄ʰ", allow_complex=allow_complex)
    if Wh.ndim != 2:
        raise ValueError(f"W̄ʰ must be a matrix (n̄×p); got shape {shape_str(Wh.shape)}")
    if Wh.shape[0] != nbar:
        features(X, Wh.shape[0], "W̄ʰ")
    p = Wh.shape[1]
    expected = f"p̄ = p + 1 = {p + 1} to match W̄ʰ (n̄×p = {nbar}×{p})"
    wo = weight_vector(wo, "w̄ᵒ", p + 1, expected, allow_complex=allow_complex)
    check_memory(
        f"the forward pass at m={m}, p={p}",
        {"A = X̄ W̄ʰ": (m, p), "H = f(A)": (m, p), "H̄ = [1 H]": (m, p + 1)},
        cheaper="evaluate the rows of X in blocks",
    )
    return Xbar, Wh, wo


def forward(X, Wh, wo, f="tanh", g="identity") -> Forward:
    """Run the network and keep every intermediate.

    Implements ``A = X̄ W̄ʰ``, ``H = f(A)``, ``H̄ = [1 H]``, ``z = H̄ w̄ᵒ``, ``y = g(z)``.

    Parameters
    ----------
    X : array_like, shape (m, n)
        Features without the ones column.
    Wh : array_like, shape (n̄, p)
        Hidden weights ``W̄ʰ``, bias row first.
    wo : array_like, shape (p̄,)
        Output weights ``w̄ᵒ``, bias first.
    f, g : str or Activation
        Hidden and output activations.

    Returns
    -------
    Forward
        Named tuple ``(Xbar, A, H, Hbar, z, y)``.

    Raises
    ------
    FloatingPointError
        If z or y overflowed (weights too large for float64), naming the quantity.
    """
    allow_complex = any(np.iscomplexobj(a) for a in (X, Wh, wo))
    Xbar, Wh, wo = check_shapes(X, Wh, wo, allow_complex=allow_complex)
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is refused below, named
        fw = Forward(Xbar, *formulas.forward(Xbar, Wh, wo, get_activation(f), get_activation(g)))
    finite_result(fw.z, "the output pre-activation z = H̄ w̄ᵒ")  # g(±inf) may look finite
    finite_result(fw.y, "the network output y")
    return fw


def forward_checked(Xbar, Wh, wo, f, g) -> Forward:
    """:func:`forward` on arrays already checked by :func:`check_shapes` (X̄ formed, f and g
    :class:`~lecturekit.activations.Activation` objects): for loops that evaluate it often."""
    return Forward(Xbar, *formulas.forward(Xbar, Wh, wo, f, g))


def with_derivative_rows(X):
    """``X̄ = [1 X]`` stacked with the rows of its input derivatives, for :func:`propagate`.

    :func:`propagate` is the one forward pass for any depth,
    :func:`lecturekit.formulas.deep.forward`: ``Aᵏ = H̄ᵏ⁻¹ W̄ᵏ``, ``Hᵏ = fₖ(Aᵏ)``,
    ``H̄ᵏ = [1 Hᵏ]``. Write ``Wᵏ`` for ``W̄ᵏ`` without its bias row and ``Hᵏ,ⱼ = ∂Hᵏ/∂xⱼ``
    row by row (``H⁰,ⱼ = Eⱼ``, every row eⱼᵀ, and ``H⁰,ⱼⱼ = 0``). The constant column does not
    depend on x, so ``H̄ᵏ,ⱼ = [0 Hᵏ,ⱼ]`` and ``[0 H] W̄ = H W``: the bias drops out of the
    derivative rows by itself. Stacked::

        [H̄ᵏ⁻¹; [0 Hᵏ⁻¹,ⱼ]; [0 Hᵏ⁻¹,ⱼⱼ]] W̄ᵏ = [Aᵏ; Aᵏ,ⱼ; Aᵏ,ⱼⱼ]

    is one product per layer; :class:`InputDerivativeStep` maps it to ``[Hᵏ; Hᵏ,ⱼ; Hᵏ,ⱼⱼ]``
    by the chain rule. The constant column, 1 on the value rows and 0 on the derivative rows
    (the first column of the result), is :func:`propagate`'s ``ones``.

    For X of shape m×n the result has (1 + 2n)·m rows in 1 + 2n blocks of m: ``[1 X]``, then
    ``[0 Eⱼ]`` for j = 1, …, n (``∂X̄/∂xⱼ``: every row eⱼᵀ, the point's own coordinate), then
    ``[0 0]`` n times (``∂²X̄/∂xⱼ² = 0``). Its first column is the ``ones`` of
    :func:`propagate`.
    """
    m, n = X.shape
    S = np.zeros((1 + 2 * n, m, 1 + n), dtype=X.dtype)
    S[0, :, 0] = 1.0
    S[0, :, 1:] = X
    for j in range(n):
        S[1 + j, :, 1 + j] = 1.0
    return S.reshape((1 + 2 * n) * m, 1 + n)


class InputDerivativeStep:
    """The activation step of a layer whose input carries derivative rows.

    Maps the stacked pre-activations ``[A; A,₁; …; A,ₙ; A,₁₁; …; A,ₙₙ]`` (blocks of m rows, the
    product of :func:`propagate`) to ``[H; H,₁; …; H,ₙ; H,₁₁; …; H,ₙₙ]`` by the chain rule,
    element-wise::

        H = f(A),   H,ⱼ = f′(A) ⊙ A,ⱼ,   H,ⱼⱼ = f″(A) ⊙ A,ⱼ ⊙ A,ⱼ + f′(A) ⊙ A,ⱼⱼ.

    Parameters
    ----------
    n : int
        Number of input coordinates.
    derivatives : callable
        ``derivatives(A, third) ↦ (f, f′, f″, f‴)`` at A, f‴ only if ``third`` (else None).
    keep : bool
        Keep, for every call, what a reverse sweep through these formulas needs.

    Attributes
    ----------
    kept : list of tuple
        ``(A,ⱼ, A,ⱼⱼ, f′, f″, f‴)`` per call, if keep: ``A,ⱼ`` and ``A,ⱼⱼ`` of shape n×m×p
        (coordinate first), the derivatives m×p at A.
    """

    def __init__(self, n, derivatives, keep=False):
        self.n, self.derivatives, self.keep = n, derivatives, keep
        self.kept = []

    def __call__(self, Astack):
        n = self.n
        S = Astack.reshape(1 + 2 * n, -1, Astack.shape[1])  # blocks: A, A,ⱼ, A,ⱼⱼ
        A, Aj, Ajj = S[0], S[1 : 1 + n], S[1 + n :]
        F, F1, F2, F3 = self.derivatives(A, self.keep)
        H = np.empty_like(S)
        H[0] = F
        H[1 : 1 + n] = F1 * Aj
        H[1 + n :] = F2 * (Aj * Aj) + F1 * Ajj
        if self.keep:
            self.kept.append((Aj, Ajj, F1, F2, F3))
        return H.reshape(Astack.shape)


def predict(X, Wh, wo, f="tanh", g="identity"):
    """Network output ``y = g([1 f(X̄ W̄ʰ)] w̄ᵒ)``, a vector of length m.

    See :func:`forward` for the parameters; a y that overflowed is refused, not returned as
    ±inf.
    """
    return forward(X, Wh, wo, f, g).y


def init_weights(n, p, seed=0, scale=None):
    """Seeded random weights ``(W̄ʰ, w̄ᵒ)`` for a network with n inputs and p hidden units.

    Entries are normal with standard deviation ``scale`` (default ``1/sqrt(n̄)`` for ``W̄ʰ`` and
    ``1/sqrt(p̄)`` for ``w̄ᵒ``, so pre-activations start of order one). A given ``scale`` must
    be a finite number ≥ 0.
    """
    n = integer(n, "n (the number of inputs)", minimum=1)
    p = integer(p, "p (the number of hidden units)", minimum=1)
    if scale is not None:
        scale = real(scale, "scale (the standard deviation of the weights)", minimum=0.0)
    check_memory(f"the weights at n={n}, p={p}", {"W̄ʰ": (n + 1, p), "w̄ᵒ": (p + 1,)})
    rng = np.random.default_rng(seed)
    sh = scale if scale is not None else 1 / np.sqrt(n + 1)
    so = scale if scale is not None else 1 / np.sqrt(p + 1)
    return rng.normal(0, sh, (n + 1, p)), rng.normal(0, so, p + 1)
