"""The lecture's one-hidden-layer network ``y = g([1 f(X̄ W̄ʰ)] w̄ᵒ)``.

Shapes (bias first everywhere): ``X`` is m×n without the ones column, ``X̄ = [1 X]`` is m×n̄,
``W̄ʰ`` is n̄×p (row 0 holds the hidden biases), ``w̄ᵒ`` has length p̄ = p + 1 (entry 0 is the
output bias), and ``wᵒ = w̄ᵒ[1:]`` is the bias-free part.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import finite_array, integer, real, shape_str
from .activations import get_activation
from .vectorise import closure


class Forward(NamedTuple):
    """Every intermediate of one forward pass."""

    Xbar: np.ndarray  # m×n̄, X̄ = [1 X]
    A: np.ndarray  # m×p, A = X̄ W̄ʰ (hidden pre-activations)
    H: np.ndarray  # m×p, H = f(A)
    Hbar: np.ndarray  # m×p̄, H̄ = [1 H]
    z: np.ndarray  # m, z = H̄ w̄ᵒ (output pre-activation)
    y: np.ndarray  # m, y = g(z)


def weight_vector(w, name, length, expected, *, allow_complex=False):
    """Validate a bias-first weight vector such as ``w̄ᵒ``: ``length`` entries, finite.

    A row or a column (1×k or k×1) is read as the vector it holds. ``expected`` says in the
    lecture's symbols which length is needed and why, for the error, e.g.
    ``"p̄ = p + 1 = 4 to match W̄ʰ (n̄×p = 3×3)"``.
    """
    w = finite_array(w, name, allow_complex=allow_complex)
    if w.ndim == 2 and 1 in w.shape:
        w = w.reshape(-1)
    if w.ndim != 1 or w.size != length:
        raise ValueError(f"{name} must have length {expected}; got shape {shape_str(w.shape)}")
    return w


def check_shapes(X, Wh, wo, *, allow_complex=False):
    """Validate and convert ``X``, ``W̄ʰ``, ``w̄ᵒ``; errors name the symbol and both shapes.

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
        raise ValueError(
            f"W̄ʰ must have n̄ = {nbar} rows to match X̄ (m×n̄ = {m}×{nbar}); got {Wh.shape[0]}"
        )
    p = Wh.shape[1]
    expected = f"p̄ = p + 1 = {p + 1} to match W̄ʰ (n̄×p = {nbar}×{p})"
    wo = weight_vector(wo, "w̄ᵒ", p + 1, expected, allow_complex=allow_complex)
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
    """
    allow_complex = any(np.iscomplexobj(a) for a in (X, Wh, wo))
    Xbar, Wh, wo = check_shapes(X, Wh, wo, allow_complex=allow_complex)
    return forward_checked(Xbar, Wh, wo, get_activation(f), get_activation(g))


def forward_checked(Xbar, Wh, wo, f, g) -> Forward:
    """:func:`forward` on arrays already checked by :func:`check_shapes` (X̄ formed, f and g
    :class:`~lecturekit.activations.Activation` objects): for loops that evaluate it often."""
    (A, z), (H, y), (Hbar,) = propagate(Xbar, [Wh, wo], [f, g])
    return Forward(Xbar, A, H, Hbar, z, y)


def with_ones(H):
    """``H̄ = [1 H]``: the constant column in front of a layer's outputs (bias first)."""
    return np.concatenate((np.ones((H.shape[0], 1), dtype=H.dtype), H), axis=1)


def propagate(Xbar, weights, activations):
    """The network core, for any number of layers: every pre-activation and output.

    Implements ``H̄⁰ = X̄``, ``Aᵏ = H̄ᵏ⁻¹ W̄ᵏ``, ``Hᵏ = fₖ(Aᵏ)``, ``H̄ᵏ = [1 Hᵏ]`` for
    k = 1, …, L. The lecture's network is L = 2 with ``W̄² = w̄ᵒ``, ``f₂ = g``: then
    ``A² = z`` and ``H² = y``.

    Parameters
    ----------
    Xbar : ndarray, shape (m, n̄)
        ``X̄ = [1 X]``, checked.
    weights : list of ndarray
        ``[W̄¹, …, W̄ᴸ]``, bias row first, each with one row more than the previous width; the
        last may be a vector (a single output).
    activations : list of Activation
        ``[f₁, …, f_L]``.

    Returns
    -------
    As, Hs : list of ndarray
        ``[A¹, …, Aᴸ]`` and ``[H¹, …, Hᴸ]``.
    Hbars : list of ndarray
        ``[H̄¹, …, H̄ᴸ⁻¹]``, the inputs of layers 2 … L (the output layer's H̄ is not needed).
    """
    As, Hs, Hbars = [], [], []
    Hbar = Xbar
    for k, (W, f) in enumerate(zip(weights, activations, strict=True)):
        if k:
            Hbar = with_ones(Hs[-1])
            Hbars.append(Hbar)
        As.append(Hbar @ W)
        Hs.append(f.f(As[-1]))
    return As, Hs, Hbars


def predict(X, Wh, wo, f="tanh", g="identity"):
    """Network output ``y = g([1 f(X̄ W̄ʰ)] w̄ᵒ)``, a vector of length m.

    See :func:`forward` for the parameters.
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
    rng = np.random.default_rng(seed)
    sh = scale if scale is not None else 1 / np.sqrt(n + 1)
    so = scale if scale is not None else 1 / np.sqrt(p + 1)
    return rng.normal(0, sh, (n + 1, p)), rng.normal(0, so, p + 1)
