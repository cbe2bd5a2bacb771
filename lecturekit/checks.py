"""Numerical checks of derivatives: finite differences, complex step, and comparisons."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import (
    check_memory,
    choice,
    finite_array,
    finite_result,
    function,
    real,
    shape_str,
    step_size,
)
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
        Step size h > 0 (overrides the defaults).

    Returns
    -------
    ndarray, shape (len(vec(fun(x))), len(vec(x)))

    Raises
    ------
    ArrayTooLarge
        After the first evaluation of ``fun`` (which gives the number of rows), before the
        columns are computed, if the Jacobian would exceed the memory limit.
    NonFiniteResult
        If ``fun`` returns NaN or ±inf at a perturbed point (a step outside its domain, or h
        too small for the complex step).
    """
    function(fun, "fun", "fun(x), returning an array")
    x = finite_array(x, "x")
    method = choice(method, ("central", "forward", "complex"), "method")
    if h is not None:
        h = step_size(h)
    shape = x.shape
    x0 = vec(x) if x.ndim else x.reshape(1)

    def call(v):  # vec(fun(x)), column-major; a non-finite value is refused at the end
        return np.atleast_1d(np.asarray(fun(v.reshape(shape, order="F")))).reshape(-1, order="F")

    f0 = finite_result(call(x0), "fun(x)")
    check_memory(
        f"the finite-difference Jacobian of fun ({f0.size} outputs) at x ({shape_str(shape)})",
        {"its columns": (f0.size, x0.size), "D_x fun": (f0.size, x0.size)},
        cheaper="difference a few directions at a time (a Jacobian-vector product)",
    )
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        J = _differences(call, x0, f0, method, h)
    return finite_result(J, "the finite-difference Jacobian (a column)")


def _differences(call, x0, f0, method, h):
    """The columns of :func:`fd_jacobian`, one per entry of x, on checked inputs."""
    eps = np.finfo(float).eps
    if method == "complex":
        step = 1e-30 if h is None else h
        cols = []
        for k in range(x0.size):
            v = x0.astype(complex)
            v[k] += 1j * step
            cols.append(call(v).imag / step)
        return np.column_stack(cols)
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

    ``ok`` is ``np.allclose(a, b, rtol, atol)``; shapes must match exactly. NaN and ±inf are
    refused (``inf − inf`` has no size, so two infinities cannot be said to agree);
    ``rtol`` and ``atol`` must be ≥ 0.
    """
    a, b = finite_array(a, "a", allow_complex=True), finite_array(b, "b", allow_complex=True)
    rtol = real(rtol, "rtol", minimum=0.0)
    atol = real(atol, "atol", minimum=0.0)
    if a.shape != b.shape:
        raise ValueError(
            f"cannot compare shapes {shape_str(a.shape)} and {shape_str(b.shape)}: a and b "
            "must have the same shape"
        )
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
