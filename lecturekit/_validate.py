"""Input checks shared by the package: errors that teach in the lecture's notation."""

from __future__ import annotations

import math
import numbers

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


def _show(x) -> str:
    """A value as a reader typed it: quotes for strings, ``2.5`` for numpy's ``float64(2.5)``."""
    return repr(x) if isinstance(x, str) else str(x)


def real(x, name: str, *, minimum=None, strict=False, maximum=None, max_strict=True) -> float:
    """Return ``x`` as a finite float, optionally bounded; errors name the symbol.

    Parameters
    ----------
    x : number
        A real number (``bool``, strings and arrays are refused).
    name : str
        The symbol, as the lecture writes it (``"λ"``, ``"lr (the learning rate η)"``).
    minimum, maximum : float, optional
        Bounds; ``strict`` makes the lower one exclusive (``x > minimum``), ``max_strict``
        the upper one (``x < maximum``, the default).
    """
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Real):
        raise ValueError(f"{name} must be a real number; got {_show(x)}")
    x = float(x)
    if not np.isfinite(x):
        raise ValueError(f"{name} must be finite; got {x}")
    if minimum is not None and (x <= minimum if strict else x < minimum):
        raise ValueError(f"{name} must be {'>' if strict else '≥'} {minimum:g}; got {x:g}")
    if maximum is not None and (x >= maximum if max_strict else x > maximum):
        raise ValueError(f"{name} must be {'<' if max_strict else '≤'} {maximum:g}; got {x:g}")
    return x


def integer(x, name: str, *, minimum=None) -> int:
    """Return ``x`` as an int, refusing ``bool``, floats such as 0.5 and strings such as "10".

    ``minimum`` is an inclusive lower bound (1 for a count of iterations or epochs).
    """
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Integral):
        raise ValueError(f"{name} must be an integer; got {_show(x)}")
    x = int(x)
    if minimum is not None and x < minimum:
        raise ValueError(f"{name} must be at least {minimum}; got {x}")
    return x


def data_vector(d, m: int, name: str = "d"):
    """The data ``d`` as a vector of length m, one value per row of X.

    An m×1 column or a 1×m row is read as the same vector. Errors name the symbol, m and the
    shape given.
    """
    d = finite_array(d, name)
    if d.ndim == 2 and 1 in d.shape:
        d = d.reshape(-1)
    if d.ndim != 1 or d.shape[0] != m:
        raise ValueError(
            f"{name} must be a vector of length m = {m} (one value per row of X); "
            f"got shape {shape_str(d.shape)}"
        )
    return d


def weight_vector(w, name, length, expected, *, allow_complex=False):
    """Validate a bias-first weight vector such as ``w̄ᵒ``: ``length`` entries, finite.

    A row or a column (1×k or k×1) is read as the vector it holds. ``expected`` says in the
    lecture's symbols which length is needed and why, for the error, e.g.
    ``"p̄ = p + 1 = 4 to match W̄ʰ (n̄×p = 3×3)"``.
    """
    w = finite_array(w, name, allow_complex=allow_complex)
    if w.ndim == 2 and 1 in w.shape:
        w = w.reshape(-1)
    if w.ndim != 1 or w.size != length:
        raise ValueError(f"{name} must have length {expected}; got shape {shape_str(w.shape)}")
    return w


def points(x, n_in: int, name: str):
    """Points of a network with ``n_in`` inputs as an m×n float matrix.

    A 1-D input is one point per entry when n = 1, and one point when n > 1.
    """
    try:
        arr = finite_array(x, name)
    except (TypeError, OverflowError) as err:
        raise ValueError(f"{name} must be real numbers within float range: {err}") from None
    if arr.ndim == 0:
        arr = arr.reshape(1, 1) if n_in == 1 else arr.reshape(1, -1)
    if arr.ndim == 1:
        arr = arr[:, None] if n_in == 1 else arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != n_in:
        want = "m (or m×1)" if n_in == 1 else f"m×{n_in}"
        raise ValueError(
            f"{name} must hold points of the network's input dimension n = {n_in} "
            f"(shape {want}); got shape {shape_str(np.shape(x))}"
        )
    return arr


def finite_result(x, what: str):
    """Refuse a computed array that overflowed: ``what`` names the operation that produced it.

    For results (not inputs): inputs get :func:`finite_array`, whose message blames the data.
    """
    if not np.all(np.isfinite(x)):
        raise FloatingPointError(
            f"{what} is not finite (an entry overflowed to ±inf or became NaN); "
            "the values are too large for float64: scale the inputs or the weights down"
        )
    return x


# ---------------------------------------------------------------------------------------------
# Memory: one size helper and one guard, used by every function that forms a large array.

#: Largest total size of the arrays one call may form before it is refused (1 GiB).
MAX_BYTES = 2**30


class ArrayTooLarge(MemoryError):
    """Raised before allocating arrays that together would exceed the memory limit.

    A subclass of :class:`MemoryError`, so ``except MemoryError`` catches it too.
    """


def array_bytes(*shapes, itemsize: int = 8) -> int:
    """Bytes that arrays of the given shapes need together (``itemsize`` 8: float64).

    Computed with Python integers, so sizes far beyond any machine do not overflow.

    >>> array_bytes((1000, 1000))
    8000000
    """
    return itemsize * sum(math.prod(int(s) for s in shape) for shape in shapes)


def format_bytes(b: int) -> str:
    """A size in bytes as a reader would say it: ``"1.00 GiB"``, ``"8.06 MiB"``."""
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if b >= size:
            return f"{b / size:.2f} {unit}"
    return f"{b} B"


def check_memory(what: str, arrays: dict, *, limit=None, cheaper: str | None = None) -> int:
    """Refuse, before allocating, arrays whose total size exceeds ``limit``.

    Parameters
    ----------
    what : str
        The computation, e.g. ``"the literal Kronecker formula for D_W̄ʰ y"``.
    arrays : dict
        ``{name: shape}`` of the float64 arrays the computation would hold at once.
    limit : int, optional
        Bytes allowed (default :data:`MAX_BYTES`).
    cheaper : str, optional
        Advice naming a cheaper method, appended to the message.

    Returns
    -------
    int
        The bytes needed (when within the limit).

    Raises
    ------
    ArrayTooLarge
        Naming every array with its shape and size, the total and the limit.
    """
    limit = MAX_BYTES if limit is None else real(limit, "max_bytes", minimum=0)
    need = array_bytes(*arrays.values())
    if need > limit:
        parts = ", ".join(
            f"{name} ({shape_str(shape)}, {format_bytes(array_bytes(shape))})"
            for name, shape in arrays.items()
        )
        advice = f"; {cheaper}" if cheaper else ""
        raise ArrayTooLarge(
            f"{what} would need {parts}: {format_bytes(need)} in all, above the limit of "
            f"{format_bytes(limit)}{advice}"
        )
    return need
