"""Input checks shared by the package: errors that teach in the lecture's notation."""

from __future__ import annotations

import numpy as np


def shape_str(shape) -> str:
    """Format a shape as the lecture writes it, e.g. ``5×3``."""
    return "×".join(str(s) for s in shape) if len(shape) else "scalar"


def finite_array(x, name: str, ndim: int | None = None, *, allow_complex: bool = False):
    """Return ``x`` as a float array, refusing NaN/inf and the wrong number of axes.

    Parameters
    ----------
    x : array_like
    name : str
        The symbol, in the lecture's notation (``"X"``, ``"W̄ʰ"``, ``"w̄ᵒ"``), used in messages.
    ndim : int, optional
        Required number of axes (1 for a vector, 2 for a matrix).
    allow_complex : bool
        Keep complex input (for complex-step differentiation) instead of refusing it.
    """
    arr = np.asarray(x)
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise TypeError(f"{name} must be numeric; got an array of dtype {arr.dtype}")
    if np.iscomplexobj(arr):
        if not allow_complex:
            raise TypeError(f"{name} must be real; got complex values")
    else:
        arr = arr.astype(float, copy=False)
    if ndim is not None and arr.ndim != ndim:
        kind = {1: "a vector", 2: "a matrix"}.get(ndim, f"{ndim}-dimensional")
        raise ValueError(f"{name} must be {kind}; got shape {shape_str(arr.shape)}")
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        where = ", ".join(str(i) for i in bad)
        raise ValueError(
            f"{name} contains NaN or infinite values (first at index [{where}]); "
            "clean the data before differentiating"
        )
    return arr
