"""One forward pass for any depth, and its reverse sweep (chapters 3–5).

Bias first at every layer: ``H̄⁰ = X̄``, ``W̄ᵏ`` has one row more than the previous width (row 0
the biases), and ``Wᵏ = W̄ᵏ[1:]`` is its bias-free part.
"""

import numpy as np


def with_ones(H, ones=None):
    """``H̄ = [1 H]``: the constant column in front of a layer's outputs (bias first).

    ``ones``, a column, replaces the ones (0 on rows that carry input derivatives, since
    ∂1/∂xⱼ = 0).
    """
    if ones is None:
        ones = np.ones((H.shape[0], 1), dtype=H.dtype)
    return np.concatenate((ones, H), axis=1)


def forward(Xbar, weights, activations, ones=None):
    """Every pre-activation and output of an L-layer network.

    Implements, for k = 1, …, L::

        Aᵏ = H̄ᵏ⁻¹ W̄ᵏ,   Hᵏ = fₖ(Aᵏ),   H̄ᵏ = [1 Hᵏ]

    with ``H̄⁰ = X̄``. The lecture's network is L = 2, ``W̄² = w̄ᵒ``, ``f₂ = g``: ``A² = z``,
    ``H² = y``. ``fₖ`` may be any map ``Aᵏ ↦ Hᵏ`` (the PINN's carries derivative rows).

    Returns
    -------
    As, Hs : list of ndarray
        ``[A¹, …, Aᴸ]`` and ``[H¹, …, Hᴸ]``.
    Hbars : list of ndarray
        ``[H̄¹, …, H̄ᴸ⁻¹]``, the inputs of layers 2 … L.
    """
    As, Hs, Hbars = [], [], []
    Hbar = Xbar
    for k, (W, f) in enumerate(zip(weights, activations, strict=True)):
        if k:
            Hbar = with_ones(Hs[-1], ones)
            Hbars.append(Hbar)
        As.append(Hbar @ W)
        Hs.append(f(As[-1]))
    return As, Hs, Hbars


def backward(Xbar, weights, derivatives, As, Hbars, dH):
    """The reverse sweep: the gradient of ℓ with respect to every ``W̄ᵏ``, given ``∂ℓ/∂Hᴸ``.

    Implements, for k = L, …, 1::

        δAᵏ = δHᵏ ⊙ fₖ′(Aᵏ),   ∂ℓ/∂W̄ᵏ = (H̄ᵏ⁻¹)ᵀ δAᵏ,   δHᵏ⁻¹ = δAᵏ (Wᵏ)ᵀ

    ``derivatives`` is ``[f₁′, …, f_L′]``; a vector ``w̄ᴸ`` (one output) takes a vector δHᴸ.
    With L = 2 this is chapter 5's ``∂ℓ/∂w̄ᵒ = H̄ᵀ δz``, ``∂ℓ/∂W̄ʰ = X̄ᵀ δA``.

    Returns
    -------
    list of ndarray
        ``[∂ℓ/∂W̄¹, …, ∂ℓ/∂W̄ᴸ]``, each in the shape of its ``W̄ᵏ``.
    """
    inputs = [Xbar, *Hbars]
    grads = [None] * len(weights)
    for k in reversed(range(len(weights))):
        dA = dH * derivatives[k](As[k])
        grads[k] = inputs[k].T @ dA
        dH = dA @ weights[k][1:].T if dA.ndim == 2 else np.outer(dA, weights[k][1:])
    return grads
