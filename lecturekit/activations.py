"""Element-wise activation functions with their first and second derivatives.

The numbers come from the one activation table, :mod:`lecturekit.formulas.activations`
(f, f′, f″ and f‴); this module adds the sympy expression, the name lookup and the checks.

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

import sympy as sp

from ._validate import choice
from .formulas import activations as _table
from .formulas.activations import TABLE

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


def _entry(name):
    e = TABLE[name]
    return e.f, e.d1, e.d2


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in [
        Activation("identity", *_entry("identity"), _z, df_of_output=_table.ones),
        Activation("heaviside", *_entry("heaviside"), sp.Heaviside(_z, 0), smooth=False),
        Activation(
            "sigmoid",
            *_entry("sigmoid"),
            1 / (1 + sp.exp(-_z)),
            df_of_output=lambda s: s * (1.0 - s),  # σ′ = σ(1 − σ)
        ),
        Activation("tanh", *_entry("tanh"), sp.tanh(_z), df_of_output=lambda t: 1.0 - t * t),
        Activation(
            "relu",
            *_entry("relu"),
            sp.Max(0, _z),
            smooth=False,
            df_of_output=_table.step,  # relu(z) > 0 exactly when z > 0
        ),
        Activation("softplus", *_entry("softplus"), sp.log(1 + sp.exp(_z))),
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
