"""The gradient steps of chapter 5: gradient descent, the heavy ball and Adam, in plain numpy.

Each function takes the weights ``w`` and the column gradient ``G = (D_w J)ᵀ`` (the transpose
of the derivative: see the errata section ``errata-gd-transpose`` in the book) and returns the
new weights, with the optimiser's new state. η is the learning rate.
"""

from __future__ import annotations

import numpy as np


def sgd_step(w, G, lr):
    """Gradient descent: ``w ← w − η G``."""
    return w - lr * G


def momentum_step(w, v, G, lr, beta):
    """The heavy ball: ``v ← β v + G``, ``w ← w − η v``; returns ``(w, v)``.

    With β ≥ 1 the velocity ``v_t = Σ_s β^(t−s) G_s`` grows without bound, so 0 ≤ β < 1.
    """
    v = beta * v + G
    return w - lr * v, v


def adam_step(w, m1, m2, G, t, lr, b1, b2, eps):
    """Adam (Kingma & Ba 2015) at step t = 1, 2, …; returns ``(w, m1, m2)``.

    ``m₁ ← β₁ m₁ + (1 − β₁) G``, ``m₂ ← β₂ m₂ + (1 − β₂) G ⊙ G``,
    ``m̂ᵢ = mᵢ / (1 − βᵢᵗ)`` (the bias corrections), ``w ← w − η m̂₁ / (√m̂₂ + ε)``.
    """
    m1 = b1 * m1 + (1 - b1) * G
    m2 = b2 * m2 + (1 - b2) * G * G
    m1_hat = m1 / (1 - b1**t)
    m2_hat = m2 / (1 - b2**t)
    return w - lr * m1_hat / (np.sqrt(m2_hat) + eps), m1, m2
