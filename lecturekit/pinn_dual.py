"""Dual numbers for the PINN residual: the residual's partial derivatives in one pass.

A PINN residual ``r(x, u, uₓ, uₓₓ, p)`` is user code written with numpy arithmetic. The loss
gradient needs its partial derivatives ``∂r/∂u``, ``∂r/∂uₓ``, ``∂r/∂uₓₓ`` (point by point) and
``∂r/∂p`` (summed over points). Evaluating the residual once on :class:`Dual` arrays gives them
all: each dual carries its value ``v`` and a tangent stack ``t`` with ``t[k] = ∂v/∂sₖ`` for the
seeds ``s = (u, uₓ, uₓₓ, p₁, p₂, …)`` — forward-mode differentiation with a few seeds at once.

The residual must act point by point (entry i of r depends on entry i of u, uₓ, uₓₓ and on p),
which is what a differential equation evaluated at collocation points does.

Why dual numbers here and not the reverse-mode engine of chapter 6 (:mod:`lecturekit.autodiff`):
the residual has a handful of inputs per point (u, uₓ, uₓₓ and a few p) and one output per
point, and the loss needs every partial at every point (the rows of the residual's Jacobian, not
one vector–Jacobian product). Forward mode with s seeds gets them all in one vectorised numpy
pass costing about s + 1 evaluations on whole arrays, with no graph; reverse mode would record a
graph per evaluation and sweep it once per seed direction summed over points, and could not give
the per-point partials without one sweep per point. The two engines answer different questions:
autodiff the gradient of one scalar through a long chain (chapter 6), dual numbers the few local
partials of a point-wise formula.
"""

from __future__ import annotations

import numpy as np

from .formulas.activations import tanh_stack

__all__ = ["Dual", "SUPPORTED_UFUNCS"]


def _lift(t, ndim):
    """Insert axes after the seed axis so a tangent (s, …) broadcasts like a value of ``ndim``."""
    missing = ndim - (t.ndim - 1)
    if missing <= 0:
        return t
    return t.reshape((t.shape[0],) + (1,) * missing + t.shape[1:])


def _parts(a):
    if isinstance(a, Dual):
        return a.value, a.tangent
    return np.asarray(a), None


def _combine(value, *pairs):
    """Dual with tangent Σ coef·tangent (chain rule); plain array when no input was dual."""
    value = np.asarray(value)
    out = None
    for coef, t in pairs:
        if t is None:
            continue
        term = _lift(t, value.ndim) * coef
        out = term if out is None else out + term
    if out is None:
        return value
    if out.shape[1:] != value.shape:
        out = np.broadcast_to(out, out.shape[:1] + value.shape)
    return Dual(value, out)


def _unary(fun, dfun):
    def rule(a):
        v, t = _parts(a)
        return _combine(fun(v), (dfun(v), t))

    return rule


def _power(a, b):
    va, ta = _parts(a)
    vb, tb = _parts(b)
    value = va**vb
    pairs = [(vb * va ** (vb - 1.0), ta)]
    if tb is not None:
        # d(a^b)/db = a^b log a; only formed when the exponent itself carries a tangent.
        pairs.append((value * np.log(va), tb))
    return _combine(value, *pairs)


def _divide(a, b):
    va, ta = _parts(a)
    vb, tb = _parts(b)
    return _combine(va / vb, (1.0 / vb, ta), (-va / (vb * vb), tb))


def _tanh_rule(a):
    v, t = _parts(a)
    th, d1, _, _ = tanh_stack(v, third=False)  # f and f′ from one tanh, from the table
    return _combine(th, (d1, t))


_RULES = {
    np.add: lambda a, b: _combine(
        _parts(a)[0] + _parts(b)[0], (1.0, _parts(a)[1]), (1.0, _parts(b)[1])
    ),
    np.subtract: lambda a, b: _combine(
        _parts(a)[0] - _parts(b)[0], (1.0, _parts(a)[1]), (-1.0, _parts(b)[1])
    ),
    np.multiply: lambda a, b: _combine(
        _parts(a)[0] * _parts(b)[0], (_parts(b)[0], _parts(a)[1]), (_parts(a)[0], _parts(b)[1])
    ),
    np.true_divide: _divide,
    np.power: _power,
    np.negative: _unary(np.negative, lambda v: -1.0),
    np.positive: _unary(np.positive, lambda v: 1.0),
    np.square: _unary(np.square, lambda v: 2.0 * v),
    np.sqrt: _unary(np.sqrt, lambda v: 0.5 / np.sqrt(v)),
    np.cbrt: _unary(np.cbrt, lambda v: 1.0 / (3.0 * np.cbrt(v) ** 2)),
    np.reciprocal: _unary(np.reciprocal, lambda v: -1.0 / (v * v)),
    np.exp: _unary(np.exp, np.exp),
    np.expm1: _unary(np.expm1, np.exp),
    np.log: _unary(np.log, lambda v: 1.0 / v),
    np.log1p: _unary(np.log1p, lambda v: 1.0 / (1.0 + v)),
    np.sin: _unary(np.sin, np.cos),
    np.cos: _unary(np.cos, lambda v: -np.sin(v)),
    np.tan: _unary(np.tan, lambda v: 1.0 / np.cos(v) ** 2),
    np.arctan: _unary(np.arctan, lambda v: 1.0 / (1.0 + v * v)),
    np.sinh: _unary(np.sinh, np.cosh),
    np.cosh: _unary(np.cosh, np.sinh),
    np.tanh: _tanh_rule,
    np.absolute: _unary(np.absolute, np.sign),
}
SUPPORTED_UFUNCS = tuple(sorted(u.__name__ for u in _RULES))
# Comparisons act on values only: they have no derivative, and masks built from them are plain.
_VALUE_ONLY = {
    np.greater,
    np.greater_equal,
    np.less,
    np.less_equal,
    np.equal,
    np.not_equal,
    np.isfinite,
    np.isnan,
    np.sign,
}


class Dual:
    """An array ``value`` together with its derivatives ``tangent[k] = ∂value/∂sₖ``.

    Parameters
    ----------
    value : ndarray, shape S
    tangent : ndarray, shape (s, *S)
        One slice per seed variable.

    Notes
    -----
    Arithmetic (``+ - * / **``), indexing and the numpy ufuncs listed in
    :data:`SUPPORTED_UFUNCS` follow the chain rule ``t(φ(a)) = φ′(a) t(a)`` and the product and
    quotient rules, with numpy broadcasting. Anything else raises ``TypeError`` naming the
    operation, so an unsupported residual fails before training rather than silently.
    """

    __slots__ = ("value", "tangent")
    __array_priority__ = 1000

    def __init__(self, value, tangent):
        self.value = np.asarray(value, dtype=float)
        self.tangent = np.asarray(tangent, dtype=float)

    @property
    def shape(self):
        return self.value.shape

    @property
    def ndim(self):
        return self.value.ndim

    @property
    def size(self):
        return self.value.size

    def __len__(self):
        return len(self.value)

    def __getitem__(self, idx):
        idx = idx if isinstance(idx, tuple) else (idx,)
        return Dual(self.value[idx], self.tangent[(slice(None),) + idx])

    def __repr__(self):
        return f"Dual(value={self.value!r}, seeds={self.tangent.shape[0]})"

    def __array__(self, dtype=None, copy=None):
        raise TypeError(
            "the PINN residual must be built from element-wise numpy operations on u, uₓ, uₓₓ "
            "(+ - * / **, np.sin, np.exp, ...); a dual array cannot be converted to a plain array"
        )

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method != "__call__" or kwargs:
            raise TypeError(
                f"np.{ufunc.__name__}.{method} (or out=/where=) is not supported in a PINN "
                "residual; write it with element-wise operations"
            )
        if ufunc in _VALUE_ONLY:
            return ufunc(*(_parts(a)[0] for a in inputs))
        rule = _RULES.get(ufunc)
        if rule is None:
            raise TypeError(
                f"np.{ufunc.__name__} is not supported in a PINN residual; supported: "
                + ", ".join(SUPPORTED_UFUNCS)
            )
        return rule(*inputs)

    # Python operators route through the ufunc rules (reflected forms included).
    def __add__(self, o):
        return np.add(self, o)

    def __radd__(self, o):
        return np.add(o, self)

    def __sub__(self, o):
        return np.subtract(self, o)

    def __rsub__(self, o):
        return np.subtract(o, self)

    def __mul__(self, o):
        return np.multiply(self, o)

    def __rmul__(self, o):
        return np.multiply(o, self)

    def __truediv__(self, o):
        return np.true_divide(self, o)

    def __rtruediv__(self, o):
        return np.true_divide(o, self)

    def __pow__(self, o):
        return np.power(self, o)

    def __rpow__(self, o):
        return np.power(o, self)

    def __neg__(self):
        return np.negative(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return np.absolute(self)

    def __lt__(self, o):
        return np.less(self, o)

    def __le__(self, o):
        return np.less_equal(self, o)

    def __gt__(self, o):
        return np.greater(self, o)

    def __ge__(self, o):
        return np.greater_equal(self, o)
