"""Numerical checks of derivatives: finite differences, complex step, and comparisons."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import finite_array
from .vectorise import vec


def fd_jacobian(fun, x, method="central", h=None):
    """Numerical Jacobian ``D_x fun = ∂vec(fun(x)) / ∂vec(x)ᵀ`` (numerator layout).

    Parameters
    ----------
    fun : callable
        Maps an array shaped like ``x`` to an array (any shape; it is vec'd column-major).
    x : array_like
        Point of evaluation (scalar, vector or matrix).
    method : {"central", "forward", "complex"}
        ``central``: (f(x + h eₖ) − f(x − h eₖ)) / 2h, error O(h²),
        default h = ε^(1/3)·max(1, |xₖ|).
        ``forward``: (f(x + h eₖ) − f(x)) / h, error O(h), default h = √ε·max(1, |xₖ|).
        ``complex``: Im f(x + i h eₖ) / h with h = 1e-30; exact to rounding, for functions
        that are analytic and written without ``abs``/comparisons on the perturbed input.
    h : float, optional
        Step size (overrides the defaults).

    Returns
    -------
    ndarray, shape (len(vec(fun(x))), len(vec(x)))
    """
    x = finite_array(x, "x")
    shape = x.shape
    x0 = vec(x) if x.ndim else x.reshape(1)

    def call(v):
        return np.atleast_1d(vec(np.asarray(fun(v.reshape(shape, order="F")))))

    eps = np.finfo(float).eps
    if method == "complex":
        step = 1e-30 if h is None else h
        cols = []
        for k in range(x0.size):
            v = x0.astype(complex)
            v[k] += 1j * step
            cols.append(call(v).imag / step)
        return np.column_stack(cols)
    if method not in ("central", "forward"):
        raise ValueError(f'method must be "central", "forward" or "complex"; got {method!r}')
    f0 = call(x0) if method == "forward" else None
    cols = []
    for k in range(x0.size):
        scale = max(1.0, abs(x0[k]))
        step = h if h is not None else (eps ** (1 / 3) if method == "central" else eps**0.5) * scale
        e = np.zeros_like(x0)
        e[k] = step
        if method == "central":
            cols.append((call(x0 + e) - call(x0 - e)) / (2 * step))
        else:
            cols.append((call(x0 + e) - f0) / step)
    return np.column_stack(cols)


class Comparison(NamedTuple):
    """Result of :func:`compare`."""

    max_abs: float  # max |a − b|
    max_rel: float  # max |a − b| / max(|b|, floor)
    where: tuple  # index of the largest absolute error
    ok: bool

    def __str__(self):
        verdict = "agree" if self.ok else "DISAGREE"
        return (
            f"{verdict}: max abs error {self.max_abs:.2e}, max rel error {self.max_rel:.2e} "
            f"(largest at index {self.where})"
        )


def compare(a, b, rtol=1e-6, atol=1e-8):
    """Compare two arrays and report the largest absolute and relative errors.

    ``ok`` is ``np.allclose(a, b, rtol, atol)``; shapes must match exactly.
    """
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        raise ValueError(f"cannot compare shapes {a.shape} and {b.shape}")
    err = np.abs(a - b)
    if err.size == 0:
        return Comparison(0.0, 0.0, (), True)
    idx = np.unravel_index(np.argmax(err), err.shape)
    rel = err / np.maximum(np.abs(b), atol)
    return Comparison(
        float(err.max()),
        float(rel.max()),
        tuple(int(i) for i in idx),
        bool(np.allclose(a, b, rtol=rtol, atol=atol)),
    )
