"""Input checks shared by the package: errors that teach in the lecture's notation."""

from __future__ import annotations

import difflib
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
    arr = unmasked(x, name)
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


def unmasked(x, name: str):
    """``x`` as an array, refusing a masked array that hides entries.

    ``numpy.asarray`` drops a mask and keeps the hidden values, which would then be used as
    data; an all-visible masked array is read as its data.
    """
    if np.ma.isMaskedArray(x):
        hidden = int(np.count_nonzero(np.ma.getmaskarray(x)))
        if hidden:
            raise ValueError(
                f"{name} is a masked array with {hidden} masked "
                f"{'entry' if hidden == 1 else 'entries'}; numpy would use the hidden values as "
                f"data. Drop those rows, or fill them explicitly ({name}.filled(value)) first"
            )
        return np.asarray(np.ma.getdata(x))
    return np.asarray(x)


def _show(x) -> str:
    """A value as a reader typed it: quotes for strings, ``2.5`` for numpy's ``float64(2.5)``."""
    return repr(x) if isinstance(x, str) else str(x)


def _kind(x) -> str:
    """The type of ``x`` as a reader would name it, for messages where the value looks right."""
    if isinstance(x, np.ndarray):
        if x.ndim == 1:
            return f"a numpy vector of length {x.size}, dtype {x.dtype}"
        return f"a {'0-d' if x.ndim == 0 else shape_str(x.shape)} numpy array of dtype {x.dtype}"
    if isinstance(x, np.generic):
        return f"a numpy {type(x).__name__}"
    kind = type(x).__name__
    return f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"


def _show_typed(x) -> str:
    """``x`` as typed, with its type when the text alone would look acceptable (``'3'``, or a
    numpy array that prints as ``3``); a plain 2.5 needs no type."""
    shown = _show(x)
    looks_fine = shown.strip("'\"").lstrip("-").replace(".", "", 1).isdigit()
    if looks_fine or not isinstance(x, (int, float, str)):
        return f"{shown} ({_kind(x)})"
    return shown


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
    if isinstance(x, np.ndarray) and x.ndim == 0:
        x = x[()]  # a 0-d array holds one number
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Real):
        raise ValueError(f"{name} must be a real number; got {_show_typed(x)}")
    x = float(x)
    if not np.isfinite(x):
        raise ValueError(f"{name} must be finite; got {x}")
    if minimum is not None and (x <= minimum if strict else x < minimum):
        raise ValueError(f"{name} must be {'>' if strict else '≥'} {minimum:g}; got {x:g}")
    if maximum is not None and (x >= maximum if max_strict else x > maximum):
        raise ValueError(f"{name} must be {'<' if max_strict else '≤'} {maximum:g}; got {x:g}")
    return x


def integer(x, name: str, *, minimum=None) -> int:
    """Return ``x`` as an int; a value that is not a whole number is refused, never truncated.

    Accepts Python and numpy integers, 0-d integer arrays (``np.array(3)``) and floats with a
    whole value (``3.0``); refuses ``bool``, 2.7, strings such as ``"10"`` and arrays with more
    than one entry. ``minimum`` is an inclusive lower bound (1 for a count of iterations or
    epochs). The message gives the type as well when the value alone would look right.
    """
    value = x
    if isinstance(x, np.ndarray) and x.ndim == 0:
        value = x[()]  # a 0-d array holds one number: read it as that number
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be an integer; got {_show(x)} (a boolean)")
    if isinstance(value, numbers.Integral):
        value = int(value)
    elif isinstance(value, numbers.Real) and math.isfinite(value) and float(value).is_integer():
        value = int(value)
    else:
        raise ValueError(f"{name} must be an integer; got {_show_typed(x)}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}; got {value}")
    return value


def integers(xs, name: str, *, minimum=None) -> list:
    """A sequence of integers (dimensions, a shape), each checked by :func:`integer`."""
    if isinstance(xs, (str, bytes)) or np.ndim(xs) != 1:
        raise ValueError(f"{name} must be a sequence of integers; got {_show(xs)}")
    return [integer(v, f"{name}[{k}]", minimum=minimum) for k, v in enumerate(xs)]


def boolean(x, name: str) -> bool:
    """Return ``x`` as a bool, refusing anything but True and False (``"no"`` is truthy)."""
    if not isinstance(x, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False; got {_show(x)} ({_kind(x)})")
    return bool(x)


def function(fun, name: str, signature: str, *, optional=False):
    """Refuse, at the call, a ``fun`` that cannot be called (before any work is done).

    ``signature`` shows how it will be called, e.g. ``"callback(epoch, Wh, wo, J)"``.
    """
    if fun is None and optional:
        return None
    if not callable(fun):
        raise TypeError(
            f"{name} must be a function, called as {signature}; got {_show(fun)} ({_kind(fun)})"
        )
    return fun


def choice(value, options, name: str, *, aliases=None, lookup=None) -> str:
    """The option ``value`` names (case-insensitive), or an error with a did-you-mean.

    Parameters
    ----------
    value : str
    options : iterable of str
        The canonical names, in the order the message lists them.
    name : str
        The parameter, e.g. ``"method"``: the error reads ``method must be "a" or "b"``.
    aliases : dict, optional
        ``{alias: canonical name}``.
    lookup : str, optional
        For a registry (``"activation"``, ``"loss"``): the error reads
        ``unknown activation 'tahn'; known activations: …``.

    Returns
    -------
    str
        The canonical name.
    """
    options = list(options)
    aliases = aliases or {}
    if isinstance(value, str):
        key = value.lower()
        key = aliases.get(key, key)
        if key in options:
            return key
    also = ""
    if aliases:
        also = " (aliases: " + ", ".join(f"{a} = {c}" for a, c in aliases.items()) + ")"
    if lookup:
        plural = lookup + ("es" if lookup.endswith("s") else "s")
        msg = f"unknown {lookup} {_show(value)}; known {plural}: {', '.join(options)}{also}"
    else:
        quoted = [f'"{o}"' for o in options]
        listed = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
        msg = f"{name} must be {listed}{also}; got {_show(value)}"
    if isinstance(value, str):
        close = difflib.get_close_matches(value.lower(), options + list(aliases), n=1, cutoff=0.6)
        if close:
            msg += f'. Did you mean "{close[0]}"?'
    raise ValueError(msg)


def features(X, nbar: int, name: str, got: str | None = None):
    """Raise the error for features ``X`` (as given) whose n̄ = n + 1 does not match ``nbar``.

    When the transpose would match (``X`` is n×m), say that ``X`` looks transposed; a vector,
    read as one feature column, that would fit as one observation is named as such; else name
    the expected n̄ and the rows of ``name`` (e.g. ``"W̄ʰ"``) that were given (or ``got``).
    """
    shape = np.shape(X)
    m, n = (shape[0], 1) if len(shape) == 1 else shape
    if len(shape) == 1 and m + 1 == nbar:
        raise ValueError(
            f"X is a vector of length {m}, read as m = {m} observations of n = 1 feature, "
            f"but {name} needs n̄ = {nbar} (n = {nbar - 1} features): for one observation of "
            f"{m} features pass the 1×{m} row X.reshape(1, -1)"
        )
    if n + 1 != nbar and m + 1 == nbar:
        raise ValueError(
            f"X looks transposed: expected m×n with rows = observations and n = {nbar - 1} "
            f"features (n̄ = n + 1 = {nbar} rows of {name}); got {m}×{n}, whose transpose "
            "fits. Pass X.T"
        )
    raise ValueError(
        f"{name} must have n̄ = {n + 1} rows to match X̄ (m×n̄ = {m}×{n + 1}); "
        f"got {nbar if got is None else got}"
    )


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
    if arr.ndim == 2 and arr.shape[1] != n_in and arr.shape[0] == n_in:
        raise ValueError(
            f"{name} looks transposed: expected m×n with rows = points and n = {n_in} input "
            f"coordinates; got {shape_str(arr.shape)}, whose transpose fits. Pass {name}.T"
        )
    if arr.ndim != 2 or arr.shape[1] != n_in:
        want = "m (or m×1)" if n_in == 1 else f"m×{n_in}"
        raise ValueError(
            f"{name} must hold points of the network's input dimension n = {n_in} "
            f"(shape {want}); got shape {shape_str(np.shape(x))}"
        )
    return arr


class NonFiniteResult(FloatingPointError, ValueError):
    """A computed result overflowed to ±inf or became NaN.

    Both a :class:`FloatingPointError` (what it is) and a :class:`ValueError` (what the
    package raises for values it cannot use), so either ``except`` catches it.
    """


def finite_result(x, what: str):
    """Refuse a computed result that overflowed: ``what`` names the quantity, e.g. ``"y"``.

    For results (not inputs): inputs get :func:`finite_array`, whose message blames the data.
    Called once at a public function's exit, so the formulas inside stay plain; numpy's
    overflow warning alone would let ±inf travel on as an answer.
    """
    if not np.all(np.isfinite(x)):
        raise NonFiniteResult(
            f"{what} is not finite (an entry overflowed to ±inf or became NaN); "
            "the values are too large for float64: scale the inputs or the weights down"
        )
    return x


def step_size(h, name: str = "h (the step size)") -> float:
    """A finite-difference step: a finite number > 0 (h = 0 divides by zero)."""
    return real(h, name, minimum=0.0, strict=True)


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
