"""The PINN loss as a sum of squares, and its gradient from the residual vector (chapter 7).

Every loss term is a weighted mean square, ``w_k·mean(e_k²) = ‖√(w_k/m_k)·e_k‖²``, so with the
scaled residual vector ``ρ`` (all terms stacked, entry i scaled by ``√(w_k/m_k)``)

    L(θ) = ‖ρ(θ)‖² = ρᵀρ,        ∇L = (D_θ L)ᵀ = 2 (D_θ ρ)ᵀ ρ = 2Jᵀρ.

``Jᵀ(2ρ)`` is a vector–Jacobian product: row i of J is point i's reverse sweep seeded with
``∂ρᵢ/∂(u, uₓ, uₓₓ)``, and the sweep is linear in its seed, so the sum of the rows weighted by
2ρᵢ is one sweep seeded with ``2ρᵢ·∂ρᵢ/∂(u, uₓ, uₓₓ)`` — J need not be formed for ∇L.
"""

from __future__ import annotations

import numpy as np


def residual_scale(w, m):
    """``√(w/m)``: the scale that makes ``‖√(w/m)·e‖² = w·mean(e²)`` for m entries of e."""
    return np.sqrt(w / m)


def loss_from_residuals(rho):
    """``L = ρᵀρ``, the sum of the weighted mean squares."""
    return float(rho @ rho)


def gradient_from_jacobian(J, rho):
    """``∇L = 2Jᵀρ``."""
    return 2.0 * (J.T @ rho)


def gradient_seeds(rho, seeds):
    """The seeds of the one reverse sweep giving ``2Jᵀρ``: ``2ρᵢ·∂ρᵢ/∂s`` for each seed array.

    ``seeds`` holds ``∂ρ/∂u`` (shape (M,)) and ``∂ρ/∂uₓ``, ``∂ρ/∂uₓₓ`` (shape (M, n)) row by row.
    """
    return [2.0 * (rho if s.ndim == 1 else rho[:, None]) * s for s in seeds]
