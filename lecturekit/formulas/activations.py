"""The activation table: each element-wise activation f with f′, f″ and f‴, in plain numpy.

Applied to a matrix, f acts entry by entry, so ``D_A f(A) = diag(vec f′(A))`` (chapter 3).
The PINN's derivative rows need f′ and f″ forward and f‴ in the reverse sweep (chapter 8).

Each entry of :data:`TABLE` holds the four functions of ``z`` and ``stack(z, third)``, which
returns ``(f, f′, f″, f‴)`` sharing one evaluation (f‴ is ``None`` when ``third`` is false).
The derivatives are written through the output where an identity allows it:
``tanh′ = 1 − t²`` and ``σ′ = σ(1 − σ)``.

The functions stay finite for large ``|z|``; where f is analytic (identity, sigmoid, tanh,
softplus) complex input passes through, so complex-step differentiation works.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


def zeros(z):
    """``0`` with the shape of z."""
    return np.zeros(np.shape(z))


def ones(z):
    """``1`` with the shape of z."""
    return np.ones(np.shape(z))


def identity(z):
    """``f(z) = z`` (a new array)."""
    return np.asarray(z) * 1.0


def step(z):
    """Heaviside ``H(z) = 1 if z > 0 else 0`` (H(0) = 0, the perceptron's convention)."""
    return (np.asarray(z) > 0).astype(float)


def relu(z):
    """``relu(z) = max(z, 0)``."""
    return np.maximum(np.asarray(z), 0.0)


def sigmoid(z):
    """``σ(z) = 1 / (1 + e^(−z))``, evaluated through ``e^(−|z|)``, which never overflows."""
    z = np.asarray(z)
    if np.iscomplexobj(z):
        # σ(z) = (1 + tanh(z/2))/2 is analytic, so complex steps pass through it.
        return 0.5 * (1.0 + np.tanh(0.5 * z))
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_d1(z):
    """``σ′ = σ(1 − σ)``."""
    s = sigmoid(z)
    return s * (1.0 - s)


def sigmoid_d2(z):
    """``σ″ = σ′(1 − 2σ)``."""
    s = sigmoid(z)
    return s * (1.0 - s) * (1.0 - 2.0 * s)


def sigmoid_d3(z):
    """``σ‴ = σ′(1 − 6σ + 6σ²)``."""
    s = sigmoid(z)
    return s * (1.0 - s) * (1.0 - 6.0 * s + 6.0 * s * s)


def sigmoid_stack(z, third=True):
    """``(σ, σ′, σ″, σ‴)`` from one evaluation of σ."""
    s = sigmoid(z)
    d1 = s * (1.0 - s)
    d2 = d1 * (1.0 - 2.0 * s)
    d3 = d1 * (1.0 - 6.0 * s + 6.0 * s * s) if third else None
    return s, d1, d2, d3


def tanh_d1(z):
    """``tanh′ = 1 − t²`` with ``t = tanh z``."""
    t = np.tanh(z)
    return 1.0 - t * t


def tanh_d2(z):
    """``tanh″ = −2t(1 − t²)``."""
    t = np.tanh(z)
    return -2.0 * t * (1.0 - t * t)


def tanh_d3(z):
    """``tanh‴ = (1 − t²)(6t² − 2)``."""
    t = np.tanh(z)
    return (1.0 - t * t) * (6.0 * t * t - 2.0)


def tanh_stack(z, third=True):
    """``(tanh, tanh′, tanh″, tanh‴)`` from one evaluation of ``t = tanh z``."""
    t = np.tanh(z)
    d1 = 1.0 - t * t
    d2 = -2.0 * t * d1
    d3 = d1 * (6.0 * t * t - 2.0) if third else None
    return t, d1, d2, d3


def softplus(z):
    """``softplus(z) = log(1 + e^z)``, without overflow (its derivative is σ)."""
    z = np.asarray(z)
    if np.iscomplexobj(z):
        # log(1 + e^z) = max(Re z, 0) + log(e^-max + e^(z-max)), without overflow.
        shift = np.maximum(z.real, 0.0)
        return shift + np.log(np.exp(-shift) + np.exp(z - shift))
    return np.logaddexp(0.0, z)


def softplus_stack(z, third=True):
    """``(softplus, σ, σ′, σ″)``: softplus′ = σ, so its derivatives are σ's, one order down."""
    s = sigmoid(z)
    d2 = s * (1.0 - s)
    d3 = d2 * (1.0 - 2.0 * s) if third else None
    return softplus(z), s, d2, d3


def _stack_of(f, d1, d2, d3):
    def stack(z, third=True):
        return f(z), d1(z), d2(z), (d3(z) if third else None)

    return stack


class Entry(NamedTuple):
    """One row of the table: ``f, f′, f″, f‴`` and their shared evaluation ``stack``."""

    f: object
    d1: object
    d2: object
    d3: object
    stack: object


TABLE = {
    "identity": Entry(identity, ones, zeros, zeros, _stack_of(identity, ones, zeros, zeros)),
    "heaviside": Entry(step, zeros, zeros, zeros, _stack_of(step, zeros, zeros, zeros)),
    "relu": Entry(relu, step, zeros, zeros, _stack_of(relu, step, zeros, zeros)),
    "sigmoid": Entry(sigmoid, sigmoid_d1, sigmoid_d2, sigmoid_d3, sigmoid_stack),
    "tanh": Entry(np.tanh, tanh_d1, tanh_d2, tanh_d3, tanh_stack),
    "softplus": Entry(softplus, sigmoid, sigmoid_d1, sigmoid_d2, softplus_stack),
}
