"""Element-wise activation functions with their first and second derivatives.

Each activation ``φ`` acts on scalars; applied to a vector or matrix it acts entry by entry,
so its Jacobian is ``D_x φ(x) = diag(φ′(x))``. Every activation carries the same function as a
sympy expression, so the numeric derivatives can be checked against symbolic ones.

All numeric versions are stable for large ``|z|`` (no overflow warning, no NaN at ``|z| = 1000``).
Where the function is analytic (identity, sigmoid, tanh, softplus) complex input is accepted, so
complex-step differentiation works through it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import sympy as sp

from ._validate import choice

_z = sp.Symbol("z", real=True)


@dataclass(frozen=True)
class Activation:
    """A scalar function φ applied element-wise, with φ′ and φ″.

    Attributes
    ----------
    name : str
    f, df, d2f : callable
        φ, φ′ and φ″ on numpy arrays (element-wise).
    expr : sympy.Expr
        φ(z) in the real symbol ``lecturekit.activations.z``.
    smooth : bool
        Whether φ is differentiable everywhere (finite-difference checks need this).
    df_of_output : callable or None
        φ′ written in terms of the output ``h = φ(z)`` where the book derives such an identity
        (``tanh′ = 1 − h²``, ``σ′ = h(1 − h)``): the backward pass then reuses ``H = f(A)``
        instead of evaluating f again.
    """

    name: str
    f: Callable
    df: Callable
    d2f: Callable
    expr: sp.Expr
    smooth: bool = True
    df_of_output: Callable | None = None

    def df_from(self, A, H):
        """``f′(A)``, from the output ``H = f(A)`` when the identity allows it.

        Always a new array (the backward pass multiplies into it in place)."""
        return self.df(A) if self.df_of_output is None else self.df_of_output(H)

    def __call__(self, z):
        return self.f(z)

    def sympy(self, arg=None):
        """φ as a sympy expression, in ``z`` or substituted with ``arg``."""
        return self.expr if arg is None else self.expr.subs(_z, arg)

    def __repr__(self):
        return f"Activation({self.name!r})"


z = _z


def _sigmoid(z):
    z = np.asarray(z)
    if np.iscomplexobj(z):
        # σ(z) = (1 + tanh(z/2))/2 is analytic, so complex steps pass through it.
        return 0.5 * (1.0 + np.tanh(0.5 * z))
    # exp(-|z|) never overflows; both branches give σ(z) exactly.
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _dsigmoid(z):
    s = _sigmoid(z)
    return s * (1.0 - s)


def _d2sigmoid(z):
    s = _sigmoid(z)
    return s * (1.0 - s) * (1.0 - 2.0 * s)


def _softplus(z):
    z = np.asarray(z)
    if np.iscomplexobj(z):
        # log(1 + e^z) = max(Re z, 0) + log(e^-max + e^(z-max)), without overflow.
        shift = np.maximum(z.real, 0.0)
        return shift + np.log(np.exp(-shift) + np.exp(z - shift))
    return np.logaddexp(0.0, z)


def _tanh_d1(z):
    t = np.tanh(z)
    return 1.0 - t * t


def _tanh_d2(z):
    t = np.tanh(z)
    return -2.0 * t * (1.0 - t * t)


def _zeros(z):
    return np.zeros(np.shape(z))


def _ones(z):
    return np.ones(np.shape(z))


def _step(z):
    # Heaviside with H(0) = 0, the perceptron's convention.
    return (np.asarray(z) > 0).astype(float)


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in [
        Activation(
            "identity", lambda z: np.asarray(z) * 1.0, _ones, _zeros, _z, df_of_output=_ones
        ),
        Activation("heaviside", _step, _zeros, _zeros, sp.Heaviside(_z, 0), smooth=False),
        Activation(
            "sigmoid",
            _sigmoid,
            _dsigmoid,
            _d2sigmoid,
            1 / (1 + sp.exp(-_z)),
            df_of_output=lambda s: s * (1.0 - s),  # σ′ = σ(1 − σ)
        ),
        Activation(
            "tanh", np.tanh, _tanh_d1, _tanh_d2, sp.tanh(_z), df_of_output=lambda t: 1.0 - t * t
        ),
        Activation(
            "relu",
            lambda z: np.maximum(np.asarray(z), 0.0),
            _step,
            _zeros,
            sp.Max(0, _z),
            smooth=False,
            df_of_output=_step,  # relu(z) > 0 exactly when z > 0
        ),
        Activation("softplus", _softplus, _sigmoid, _dsigmoid, sp.log(1 + sp.exp(_z))),
    ]
}
ACTIVATIONS["logistic"] = ACTIVATIONS["sigmoid"]
ACTIVATIONS["linear"] = ACTIVATIONS["identity"]

identity = ACTIVATIONS["identity"]
heaviside = ACTIVATIONS["heaviside"]
sigmoid = ACTIVATIONS["sigmoid"]
tanh = ACTIVATIONS["tanh"]
relu = ACTIVATIONS["relu"]
softplus = ACTIVATIONS["softplus"]


def get_activation(name) -> Activation:
    """Look up an activation by name (or pass an :class:`Activation` through).

    Known names: identity (linear), heaviside, sigmoid (logistic), tanh, relu, softplus.
    """
    if isinstance(name, Activation):
        return name
    if isinstance(name, str) and name in ACTIVATIONS:  # the common case, without the lookup
        return ACTIVATIONS[name]
    known = sorted(k for k in ACTIVATIONS if k not in _ALIASES)
    return ACTIVATIONS[choice(name, known, "f", aliases=_ALIASES, lookup="activation")]


_ALIASES = {"logistic": "sigmoid", "linear": "identity"}
