"""The lecture's one-hidden-layer network, its loss gradient and its Jacobians (chapters 3–5).

``X̄ = [1 X]`` is m×n̄, ``W̄ʰ`` is n̄×p (row 0 the hidden biases), ``w̄ᵒ`` has length
p̄ = p + 1 (entry 0 the output bias) and ``wᵒ = w̄ᵒ[1:]`` is its bias-free part. ``f``, ``g``
and their derivatives ``df``, ``dg`` are element-wise functions of an array.
"""

import numpy as np


def forward(Xbar, Wh, wo, f, g):
    """The network ``y = g([1 f(X̄ W̄ʰ)] w̄ᵒ)``, line by line (chapter 3).

    Implements::

        A = X̄ W̄ʰ,   H = f(A),   H̄ = [1 H],   z = H̄ w̄ᵒ,   y = g(z)

    Returns
    -------
    A, H : ndarray, shape (m, p)
    Hbar : ndarray, shape (m, p̄)
    z, y : ndarray, shape (m,)
    """
    A = Xbar @ Wh
    H = f(A)
    Hbar = np.concatenate((np.ones((H.shape[0], 1), dtype=H.dtype), H), axis=1)
    z = Hbar @ wo
    y = g(z)
    return A, H, Hbar, z, y


def gradient(Xbar, wo, Hbar, dfA, dz):
    """The loss gradient from the output end (chapter 5), given ``δz = ∂ℓ/∂z``.

    Implements, with ``δz = ℓ′(y) ⊙ g′(z)`` (or ``σ(z) − d`` for the Bernoulli loss)::

        ∂ℓ/∂w̄ᵒ = H̄ᵀ δz,   δA = (δz wᵒᵀ) ⊙ f′(A),   ∂ℓ/∂W̄ʰ = X̄ᵀ δA

    Parameters
    ----------
    Xbar : ndarray, shape (m, n̄)
        ``X̄ = [1 X]``.
    wo : ndarray, shape (p̄,)
        ``w̄ᵒ``; its bias ``w₀ᵒ`` does not reach the hidden layer, so ``wᵒ = w̄ᵒ[1:]`` is used.
    Hbar : ndarray, shape (m, p̄)
        ``H̄ = [1 H]``.
    dfA : ndarray, shape (m, p)
        ``f′(A)``, a new array: it is overwritten with ``δA``.
    dz : ndarray, shape (m,)
        ``δz = ∂ℓ/∂z``.

    Returns
    -------
    dWh : ndarray, shape (n̄, p)
    dwo : ndarray, shape (p̄,)
    """
    dwo = dz @ Hbar  # H̄ᵀ δz, as the row δzᵀ H̄
    # δA = (δz wᵒᵀ) ⊙ f′(A), multiplied into f′(A) in place: one m×p array instead of three,
    # the pass that dominates the gradient's time at large m
    dA = dfA
    dA *= wo[1:]
    dA *= dz[:, None]
    # X̄ᵀ δA as (δAᵀ X̄)ᵀ: the same numbers, and BLAS is faster with the long factor on the right
    dWh = (dA.T @ Xbar).T
    return dWh, dwo


def dy_dwo(Hbar, dgz):
    """``D_w̄ᵒ y = diag(g′(z)) H̄`` (chapter 4), as a row scaling; shape (m, p̄)."""
    return dgz[:, None] * Hbar


def sensitivity(wo, dfA, dgz):
    """``S = (g′(z) wᵒᵀ) ⊙ f′(A)``, ``S[i, j] = ∂yᵢ/∂Aᵢⱼ`` (chapter 4); shape (m, p)."""
    return dgz[:, None] * dfA * wo[1:]


def dy_dWh(Xbar, wo, dfA, dgz):
    """``D_W̄ʰ y`` row by row (chapter 4), with no Kronecker product.

    Row i of ``D_W̄ʰ y`` is ``vec(x̄ᵢ sᵢᵀ)ᵀ`` with ``sᵢ`` row i of :func:`sensitivity`: the
    block for column j of W̄ʰ is ``S[:, j] ⊙ X̄`` (each row of X̄ scaled), the same numbers as
    ``[wᵒᵀ ⊗ diag(g′(z))] diag(f′(vec A)) (I_p ⊗ X̄)``.

    Returns
    -------
    ndarray, shape (m, n̄p), columns in ``vec(W̄ʰ)`` (column-major) order.
    """
    S = sensitivity(wo, dfA, dgz)
    m = Xbar.shape[0]
    return (S[:, :, None] * Xbar[:, None, :]).reshape(m, -1)


def dy_dWh_kron(Xbar, wo, dfA, dgz):
    """``D_W̄ʰ y = [wᵒᵀ ⊗ diag(g′(z))] · diag(f′(vec A)) · (I_p ⊗ X̄)`` literally (chapter 4).

    For teaching only: the three factors take O(m²p²) memory; :func:`dy_dWh` gives the same.
    """
    p = dfA.shape[1]
    left = np.kron(wo[1:][None, :], np.diag(dgz))  # m × mp
    middle = np.diag(dfA.reshape(-1, order="F"))  # mp × mp, vec column-major
    right = np.kron(np.eye(p), Xbar)  # mp × n̄p
    return left @ middle @ right
