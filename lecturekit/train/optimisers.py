"""Gradient steps: plain gradient descent, the heavy ball and Adam.

Shared by network training (:func:`lecturekit.train.fit`) and PINN training
(:meth:`lecturekit.pinn.PINN.fit`). Each optimiser updates a list of parameter arrays in place
from their column gradients ``G = (D_w̄ J)ᵀ`` (the transpose of the derivative, see the errata
section labelled ``errata-gd-transpose`` in the book); η is the learning rate. The update
rules are :mod:`lecturekit.formulas.optimisers`; the classes check the settings and keep the state.
"""

from __future__ import annotations

import numpy as np

from .._validate import choice, real
from ..formulas.optimisers import adam_step, momentum_step, sgd_step


def _rate(lr):
    return real(lr, "lr (the learning rate η)", minimum=0.0, strict=True)


def _beta(beta, name):
    # β ≥ 1 lets the running sum Σ βᵗ⁻ˢ Gₛ grow without bound
    return real(beta, name, minimum=0.0, maximum=1.0)


__all__ = ["SGD", "Momentum", "Adam", "make_optimiser"]


class SGD:
    """Gradient descent: ``w̄ ← w̄ − η G``, η > 0 (a negative η climbs)."""

    def __init__(self, lr):
        self.lr = _rate(lr)

    def step(self, params, grads):
        """Update every array of ``params`` in place by its gradient in ``grads``."""
        for w, G in zip(params, grads, strict=True):
            w[...] = sgd_step(w, G, self.lr)


class Momentum:
    """The heavy ball: ``v ← β v + G``, ``w̄ ← w̄ − η v`` (v starts at 0).

    β < 1: with β ≥ 1 the velocity ``v_t = Σ_s β^(t−s) G_s`` grows without bound.
    """

    def __init__(self, lr, beta=0.9):
        self.lr, self.beta = _rate(lr), _beta(beta, "beta (β of the heavy ball)")
        self.v = None

    def step(self, params, grads):
        """Update every array of ``params`` in place, with one velocity per array."""
        if self.v is None:
            self.v = [np.zeros_like(w) for w in params]
        for k, (w, G) in enumerate(zip(params, grads, strict=True)):
            w[...], self.v[k] = momentum_step(w, self.v[k], G, self.lr, self.beta)


class Adam:
    """Adam (Kingma & Ba 2015): moments of G with bias corrections.

    ``m₁ ← β₁ m₁ + (1 − β₁) G``, ``m₂ ← β₂ m₂ + (1 − β₂) G ⊙ G``,
    ``w̄ ← w̄ − η m̂₁ / (√m̂₂ + ε)`` with ``m̂ᵢ = mᵢ / (1 − βᵢᵗ)`` at step t = 1, 2, …
    """

    def __init__(self, lr, betas=(0.9, 0.999), eps=1e-8):
        if isinstance(betas, str) or np.ndim(betas) != 1 or len(betas) != 2:
            raise ValueError(f"betas must be a pair (β₁, β₂); got {betas!r}")
        self.lr = _rate(lr)
        self.b1, self.b2 = (_beta(b, f"betas[{k}] (β{k + 1})") for k, b in enumerate(betas))
        self.eps = real(eps, "eps (ε)", minimum=0.0, strict=True)
        self.t = 0
        self.m1 = self.m2 = None

    def step(self, params, grads):
        """Update every array of ``params`` in place, with its own two moments."""
        if self.m1 is None:
            self.m1 = [np.zeros_like(w) for w in params]
            self.m2 = [np.zeros_like(w) for w in params]
        self.t += 1
        for k, (w, G) in enumerate(zip(params, grads, strict=True)):
            w[...], self.m1[k], self.m2[k] = adam_step(
                w, self.m1[k], self.m2[k], G, self.t, self.lr, self.b1, self.b2, self.eps
            )


def make_optimiser(name, lr, momentum=0.9, betas=(0.9, 0.999), eps=1e-8):
    """The optimiser called ``name`` ("sgd", "momentum" or "adam"), its settings checked.

    Parameters
    ----------
    name : {"sgd", "momentum", "adam"}
    lr : float
        Learning rate η > 0.
    momentum : float
        β of the heavy ball, 0 ≤ β < 1.
    betas : (float, float)
        β₁, β₂ of Adam, each in [0, 1).
    eps : float
        ε > 0 of Adam.
    """
    name = choice(name, ("sgd", "momentum", "adam"), "optimizer")
    beta = _beta(momentum, "momentum (β)")  # every setting is checked, used or not
    adam = Adam(lr, betas, eps)
    if name == "sgd":
        return SGD(lr)
    if name == "momentum":
        return Momentum(lr, beta)
    return adam
