"""Jacobians of the network output with respect to its weights (numerator layout).

For ``y = g(z)``, ``z = H̄ w̄ᵒ``, ``H̄ = [1 f(A)]``, ``A = X̄ W̄ʰ``:

* ``D_w̄ᵒ y = diag(g′(z)) H̄``                                        (m × p̄)
* ``D_W̄ʰ y = [wᵒᵀ ⊗ diag(g′(z))] · diag(f′(vec A)) · (I_p ⊗ X̄)``     (m × n̄p)

where ``wᵒ`` is ``w̄ᵒ`` without its bias entry (the bias multiplies the constant column of H̄,
which does not depend on W̄ʰ). Columns of ``D_W̄ʰ y`` follow ``vec(W̄ʰ)``: column ``j·n̄ + k``
is the derivative with respect to ``W̄ʰ[k, j]``.
"""

from __future__ import annotations

import numpy as np

from .activations import get_activation
from .network import forward

#: Largest total size of the explicit matrices ``method="kron"`` may form (1 GiB).
KRON_MAX_BYTES = 2**30


class JacobianTooLarge(MemoryError):
    """Raised when the literal Kronecker formula would need more memory than allowed."""


def dy_dwo(X, Wh, wo, f="tanh", g="identity"):
    """Jacobian of the output with respect to the output weights.

    Implements ``D_w̄ᵒ y = diag(g′(z)) H̄`` with ``z = H̄ w̄ᵒ``, formed as a row scaling.

    Returns
    -------
    ndarray, shape (m, p̄)
    """
    fw = forward(X, Wh, wo, f, g)
    return get_activation(g).df(fw.z)[:, None] * fw.Hbar


def kron_bytes(m, n, p):
    """Bytes of float64 storage the literal formula's three explicit factors need.

    ``wᵒᵀ ⊗ diag(g′)`` is m × mp, ``diag(f′(vec A))`` is mp × mp, ``I_p ⊗ X̄`` is mp × n̄p.
    """
    mp = m * p
    return 8 * (m * mp + mp * mp + mp * (n + 1) * p)


def dy_dWh(X, Wh, wo, f="tanh", g="identity", method="structured", max_bytes=None):
    """Jacobian of the output with respect to the hidden weights, ``D_W̄ʰ y``.

    Implements ``D_W̄ʰ y = [wᵒᵀ ⊗ diag(g′(z))] · diag(f′(vec A)) · (I_p ⊗ X̄)``.

    Parameters
    ----------
    X, Wh, wo, f, g
        As in :func:`lecturekit.network.forward`.
    method : {"structured", "kron"}
        ``"kron"`` forms the three factors literally, as the lecture writes them (for teaching;
        O(m²p²) memory). ``"structured"`` uses that block j of the product is
        ``(g′(z) ⊙ wᵒⱼ f′(A[:, j])) ⊙ X̄`` (each row of X̄ scaled), never forming a Kronecker
        or diagonal matrix: O(m·n̄·p) time and memory.
    max_bytes : int, optional
        Memory limit for ``"kron"`` (default :data:`KRON_MAX_BYTES`).

    Returns
    -------
    ndarray, shape (m, n̄p)
        Columns in ``vec(W̄ʰ)`` (column-major) order.

    Raises
    ------
    JacobianTooLarge
        If ``method="kron"`` would need more than ``max_bytes``.
    """
    fw = forward(X, Wh, wo, f, g)
    f, g = get_activation(f), get_activation(g)
    m, nbar = fw.Xbar.shape
    p = fw.A.shape[1]
    wo_free = np.asarray(wo).reshape(-1)[1:]  # wᵒ: the bias does not see W̄ʰ
    gprime = g.df(fw.z)
    if method == "structured":
        S = gprime[:, None] * f.df(fw.A) * wo_free[None, :]  # m×p, S[i, j] = ∂yᵢ/∂Aᵢⱼ
        return (S[:, :, None] * fw.Xbar[:, None, :]).reshape(m, p * nbar)
    if method == "kron":
        limit = KRON_MAX_BYTES if max_bytes is None else max_bytes
        need = kron_bytes(m, nbar - 1, p)
        if need > limit:
            raise JacobianTooLarge(
                f"the literal Kronecker formula at m={m}, n̄={nbar}, p={p} would need "
                f"{need / 2**30:.2f} GiB (limit {limit / 2**30:.2f} GiB); "
                'use method="structured", which needs '
                f"{8 * m * nbar * p / 2**20:.2f} MiB"
            )
        left = np.kron(wo_free[None, :], np.diag(gprime))  # wᵒᵀ ⊗ diag(g′(z)): m × mp
        middle = np.diag(f.df(fw.A).reshape(-1, order="F"))  # diag(f′(vec A)): mp × mp
        right = np.kron(np.eye(p), fw.Xbar)  # I_p ⊗ X̄: mp × n̄p
        return left @ middle @ right
    raise ValueError(f'method must be "structured" or "kron"; got {method!r}')


def dy_dw(X, Wh, wo, f="tanh", g="identity"):
    """The full Jacobian ``D_w̄ y = [D_W̄ʰ y  D_w̄ᵒ y]`` with respect to ``w̄ = [vec W̄ʰ; w̄ᵒ]``.

    Returns
    -------
    ndarray, shape (m, n̄p + p̄)
    """
    return np.hstack([dy_dWh(X, Wh, wo, f, g), dy_dwo(X, Wh, wo, f, g)])
