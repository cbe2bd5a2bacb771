"""Closure and vectorisation: the bookkeeping behind every Jacobian in the lecture.

Conventions (used everywhere in the book): ``vec`` stacks columns (column-major), and
``X̄ = [1 X]`` puts the constant feature first.
"""

from __future__ import annotations

import numpy as np

from ._validate import check_memory, finite_array, integer, shape_str


def closure(X):
    """Add a leading column of ones: the lecture's closure ``X̄ = [1 X]``.

    Parameters
    ----------
    X : array_like, shape (m, n) or (m,)
        Features, one row per observation. A vector is read as a single feature column.

    Returns
    -------
    Xbar : ndarray, shape (m, n̄) with n̄ = n + 1
        ``Xbar[:, 0] = 1`` and ``Xbar[:, 1:] = X``.
    """
    X = finite_array(X, "X", allow_complex=True)
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2:
        raise ValueError(f"X must be a matrix (m×n); got shape {shape_str(X.shape)}")
    return np.hstack([np.ones((X.shape[0], 1), dtype=X.dtype), X])


def vec(A):
    """Stack the columns of ``A`` into one vector (column-major order).

    ``vec(A)[i + j*m] = A[i, j]`` for ``A`` of shape (m, n), so ``vec(A)`` has length mn.
    A vector is returned unchanged (it is already "vec'd"). Entries must be finite numbers
    (complex is kept).
    """
    A = finite_array(A, "A", allow_complex=True)
    if A.ndim > 2:
        raise ValueError(f"vec takes a vector or matrix; got shape {shape_str(A.shape)}")
    return A.reshape(-1, order="F")


def unvec(v, shape):
    """Invert ``vec``: refill a matrix of ``shape`` column by column.

    Satisfies ``unvec(vec(A), A.shape) == A``. ``shape`` must hold non-negative integers
    (a float such as 2.5 is refused rather than truncated).
    """
    v = finite_array(v, "v", allow_complex=True)
    shape = (shape,) if np.ndim(shape) == 0 else tuple(shape)
    shape = tuple(integer(s, f"shape[{k}]", minimum=0) for k, s in enumerate(shape))
    if v.ndim != 1 or v.size != int(np.prod(shape)):
        raise ValueError(
            f"unvec needs a vector of length {int(np.prod(shape))} for shape "
            f"{shape_str(shape)}; got shape {shape_str(v.shape)}"
        )
    return v.reshape(shape, order="F")


def kron_vec_matrix(A, B):
    """The matrix ``Bᵀ ⊗ A`` that maps ``vec(X)`` to ``vec(A X B)``.

    Implements the identity ``vec(A X B) = (Bᵀ ⊗ A) vec(X)`` (Magnus & Neudecker).
    For ``A`` (k×m) and ``B`` (n×l), the result is (kl)×(mn); it is refused before allocation
    if larger than the package's memory limit (:data:`lecturekit._validate.MAX_BYTES`).
    """
    A = finite_array(A, "A", 2, allow_complex=True)
    B = finite_array(B, "B", 2, allow_complex=True)
    check_memory("the Kronecker product Bᵀ ⊗ A", _kron_arrays(A.shape, B.shape))
    return np.kron(B.T, A)


def _kron_arrays(A_shape, B_shape):
    """``Bᵀ ⊗ A`` and numpy.kron's working copy of it (its peak is twice the result)."""
    (k, m), (n, l) = A_shape, B_shape
    return {"Bᵀ ⊗ A": (k * l, m * n), "numpy.kron's working copy": (k * l, m * n)}


def vec_of_product(A, X, B):
    """Both sides of ``vec(A X B) = (Bᵀ ⊗ A) vec(X)``, for demonstrating the identity.

    Returns
    -------
    lhs, rhs : ndarray
        ``vec(A @ X @ B)`` and ``kron_vec_matrix(A, B) @ vec(X)``; they agree to rounding.
    """
    A = finite_array(A, "A", 2, allow_complex=True)
    X = finite_array(X, "X", 2, allow_complex=True)
    B = finite_array(B, "B", 2, allow_complex=True)
    if A.shape[1] != X.shape[0] or X.shape[1] != B.shape[0]:
        raise ValueError(
            f"A X B needs A's columns = X's rows and X's columns = B's rows; got "
            f"A {shape_str(A.shape)}, X {shape_str(X.shape)}, B {shape_str(B.shape)}"
        )
    (k, m), (n, l) = A.shape, B.shape
    check_memory(
        f"both sides of vec(A X B) = (Bᵀ ⊗ A) vec(X) for A {k}×{m}, X {m}×{n}, B {n}×{l}",
        {"A X": (k, n), "A X B": (k, l), **_kron_arrays(A.shape, B.shape)},
        cheaper="the left side alone, vec(A @ X @ B), never forms the Kronecker product",
    )
    return vec(A @ X @ B), kron_vec_matrix(A, B) @ vec(X)
