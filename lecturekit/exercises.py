"""Feedback on exercise answers, in the lecture's terms.

:func:`check` compares a student's array with the expected one and, when they differ, names the
mistake the way the lecture would: a wrong shape, a ``vec`` taken row by row instead of column by
column, a missing transpose, a bias entry where the bias-free quantity belongs (``w̄ᵒ`` where
``wᵒ`` is meant), or else the largest error and where it is.

Example
-------
>>> import numpy as np
>>> from lecturekit.exercises import check
>>> fb = check(np.eye(2), np.eye(2), "I₂")
>>> fb.correct, fb.diagnosis
(True, 'correct')
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np

from ._validate import finite_array, shape_str

#: The diagnoses :func:`check` can return (``Feedback.diagnosis``).
DIAGNOSES = ("correct", "shape", "row-major vec", "missing transpose", "bias included", "values")

_CONTEXT_KEYS = ("wrt_shape", "of_shape", "bias_free", "shape_label", "rtol", "atol")


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer.

    Attributes
    ----------
    correct : bool
        Whether the answer matches (within tolerance).
    diagnosis : str
        One of :data:`DIAGNOSES`: ``"correct"``, ``"shape"``, ``"row-major vec"``,
        ``"missing transpose"``, ``"bias included"`` or ``"values"``.
    message : str
        A sentence or two saying what is wrong, in the lecture's notation.
    symbol : str
        The quantity that was checked, e.g. ``"D_W̄ʰ y"``.
    """

    correct: bool
    diagnosis: str
    message: str
    symbol: str = ""

    def __str__(self):
        return self.message

    def _repr_html_(self):
        if self.correct:  # the message already starts with "correct"
            colour, head = "#1b7f3b", "✔"
        else:
            colour, head = "#b3261e", f"✘ {html.escape(self.diagnosis)}:"
        return (
            f'<div style="border-left:4px solid {colour};padding:0.4em 0.8em;margin:0.3em 0">'
            f'<b style="color:{colour}">{head}</b> {html.escape(self.message)}</div>'
        )


def _close(a, b, rtol, atol):
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol))


def _factor_pairs(k):
    """All (r, c) with r·c = k and r, c ≥ 2: the matrix shapes a vector of length k can vec."""
    return [(r, k // r) for r in range(2, k // 2 + 1) if k % r == 0]


def _row_major_perm(shape):
    """Index array ``perm`` with ``v_rowmajor = v_colmajor[perm]`` for a matrix of ``shape``.

    Entry ``i·c + j`` of the row-major flattening is ``M[i, j]``, which sits at ``j·r + i`` in
    the column-major ``vec(M)``.
    """
    r, c = shape
    i, j = np.divmod(np.arange(r * c), c)
    return j * r + i


def _largest_error(S, E, symbol, wrt_shape=None, of_shape=None):
    err = np.abs(S - E)
    idx = tuple(int(i) for i in np.unravel_index(int(np.argmax(err)), err.shape))
    where = "index [" + ", ".join(str(i) for i in idx) + "]"
    extra = []
    if E.ndim == 2 and wrt_shape is not None:
        r = wrt_shape[0]
        extra.append(
            f"column {idx[1]} is the derivative with respect to entry "
            f"[{idx[1] % r}, {idx[1] // r}] in column-major vec order"
        )
    if E.ndim == 2 and of_shape is not None:
        r = of_shape[0]
        extra.append(f"row {idx[0]} is entry [{idx[0] % r}, {idx[0] // r}] of the output")
    if E.ndim == 1 and of_shape is not None:
        r = of_shape[0]
        extra.append(f"entry {idx[0]} of vec is matrix entry [{idx[0] % r}, {idx[0] // r}]")
    n_bad = int(np.count_nonzero(~np.isclose(S, E, rtol=1e-6, atol=1e-8)))
    text = (
        f"the largest error in {symbol} is at {where}: yours is {S[idx]:.6g}, expected "
        f"{E[idx]:.6g} ({n_bad} of {E.size} entries differ)"
    )
    if extra:
        text += "; " + "; ".join(extra)
    return text


def _read_student(student):
    """The answer as a numeric array, or ``None`` when it is not an array of numbers."""
    if student is None:
        return None
    try:
        arr = np.asarray(student)
    except (ValueError, TypeError):  # ragged lists
        return None
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        return None
    if np.iscomplexobj(arr):
        if np.any(arr.imag != 0):
            return None
        arr = arr.real
    return arr.astype(float)


def check(student, expected, symbol, **context) -> Feedback:
    """Compare a student's answer with the expected one and diagnose the mistake.

    The checks run in this order, so the first matching explanation is reported:

    1. not an array of numbers, or NaN/inf in it (diagnosis ``"values"``, saying where);
    2. wrong shape (``"shape"``, naming ``symbol`` and both shapes), except when the shape is
       the transpose and ``studentᵀ = expected`` (``"missing transpose"``) or when the answer has
       extra leading entries/columns and dropping them gives the expected answer, as
       ``w̄ᵒᵀ ⊗ X̄`` does where ``wᵒᵀ ⊗ X̄`` belongs (``"bias included"``);
    3. ``student = expected`` within ``rtol``/``atol`` (``"correct"``);
    4. a square answer with ``student = expectedᵀ`` (``"missing transpose"``);
    5. ``student`` equals ``expected`` reordered as if ``vec`` stacked rows instead of columns:
       a vector equal to the row-major flattening ``vec(Mᵀ)`` of the matrix ``M`` it should
       vec, a Jacobian whose columns follow ``vec(W̄ʰᵀ)`` instead of ``vec(W̄ʰ)`` (or whose rows
       follow the row-major order of the output), or a matrix refilled row by row
       (``"row-major vec"``);
    6. otherwise the largest error: index, student value and expected value (``"values"``),
       with a hint when the answer is a multiple (e.g. ``−1``) of the expected one.

    Parameters
    ----------
    student : array_like
        The answer to check. A column ``k×1`` or row ``1×k`` is accepted for a vector of
        length k (a 1-D array carries no orientation); for matrices, orientation matters.
    expected : array_like
        The correct answer (must be finite).
    symbol : str
        The quantity in the lecture's notation, used in messages, e.g. ``"D_W̄ʰ y"``.
    **context
        Optional hints that sharpen the diagnosis:

        ``wrt_shape`` : (r, c)
            For a Jacobian: the shape of the matrix it differentiates with respect to (e.g.
            ``(n̄, p)`` for ``D_W̄ʰ y``), so column-order mistakes are checked precisely and
            the largest error is located in that matrix. Without it every factorisation of
            the column count is tried.
        ``of_shape`` : (r, c)
            The shape of the matrix being vec'd: for a vector answer ``vec(M)``, the shape of
            ``M``; for a Jacobian, the shape of the output matrix (its rows follow ``vec``).
        ``bias_free`` : bool
            The answer must not contain a bias entry: any answer with extra leading
            entries/columns is diagnosed ``"bias included"``, even if the rest is also wrong.
        ``shape_label`` : str
            The expected shape in symbols, e.g. ``"m×n̄p"``, quoted in shape messages.
        ``rtol``, ``atol`` : float
            Tolerances for ``np.allclose`` (defaults 1e-6 and 1e-8); loosen them when the
            answer comes from finite differences.

    Returns
    -------
    Feedback
        ``str(feedback)`` is the message; in a notebook it displays as a coloured box.

    Raises
    ------
    TypeError
        For an unknown context keyword (a typo would otherwise be ignored silently).
    ValueError
        If ``expected`` is not finite (that is a bug in the exercise, not in the answer).
    """
    unknown = set(context) - set(_CONTEXT_KEYS)
    if unknown:
        raise TypeError(f"unknown context {sorted(unknown)}; known: {', '.join(_CONTEXT_KEYS)}")
    rtol = float(context.get("rtol", 1e-6))
    atol = float(context.get("atol", 1e-8))
    wrt_shape = context.get("wrt_shape")
    of_shape = context.get("of_shape")
    bias_free = bool(context.get("bias_free", False))
    label = context.get("shape_label")
    for key, shp in (("wrt_shape", wrt_shape), ("of_shape", of_shape)):
        if shp is not None and (len(shp) != 2 or min(shp) < 1):
            raise ValueError(f"{key} must be a pair (rows, columns); got {shp!r}")
    wrt_shape = tuple(int(s) for s in wrt_shape) if wrt_shape is not None else None
    of_shape = tuple(int(s) for s in of_shape) if of_shape is not None else None

    E = finite_array(expected, f"the expected {symbol}")
    S = _read_student(student)

    def fb(diagnosis, message):
        return Feedback(diagnosis == "correct", diagnosis, message, symbol)

    if S is None:
        return fb(
            "shape",
            f"{symbol}: could not read your answer as an array of real numbers "
            f"(got {type(student).__name__}); return a numpy array of shape "
            f"{shape_str(E.shape)}",
        )
    if not np.all(np.isfinite(S)):
        bad = np.argwhere(~np.isfinite(S))
        first = ", ".join(str(int(i)) for i in bad[0]) if S.ndim else ""
        return fb(
            "values",
            f"{symbol} contains NaN or infinite values ({len(bad)} of {S.size} entries, "
            f"first at index [{first}]); a NaN usually comes from 0/0, from an overflow such "
            "as exp of a large pre-activation, or from an uninitialised array (np.empty)",
        )

    # A vector may arrive as a column or a row: 1-D arrays have no orientation to get wrong.
    if E.ndim <= 1 and S.ndim == 2 and 1 in S.shape and S.size == E.size:
        S = S.reshape(E.shape)
    elif E.ndim == 2 and 1 in E.shape and S.ndim == 1 and S.size == E.size:
        S = S.reshape(E.shape)
    elif E.ndim == 0 and S.size == 1:
        S = S.reshape(())

    want = shape_str(E.shape) + (f" ({label})" if label else "")
    got = shape_str(S.shape)

    if S.shape != E.shape:
        return _shape_feedback(S, E, symbol, want, got, bias_free, rtol, atol, fb, wrt_shape)

    if _close(S, E, rtol, atol):
        err = float(np.max(np.abs(S - E))) if S.size else 0.0
        return fb("correct", f"correct: {symbol} ({want}) matches, max abs error {err:.1e}")

    if S.ndim == 2 and S.shape[0] == S.shape[1] and _close(S.T, E, rtol, atol):
        return fb(
            "missing transpose",
            f"{symbol}: your answer is the transpose of the expected {want} matrix: missing "
            "transpose (for a square matrix this is also what refilling vec row by row gives)",
        )

    for what, candidate in _row_major_candidates(E, wrt_shape, of_shape):
        if not _close(candidate, E, rtol, atol) and _close(S, candidate, rtol, atol):
            return fb(
                "row-major vec",
                f"{symbol}: {what}. The lecture's vec is column-major: it stacks the columns, "
                'vec(A)[i + j·rows] = A[i, j] (numpy: A.reshape(-1, order="F"), or '
                "lecturekit.vec)",
            )

    message = f"{symbol} has the right shape ({want}) but wrong values: " + _largest_error(
        S, E, symbol, wrt_shape, of_shape
    )
    denom = float(np.vdot(E, E))
    if denom > 0:
        c = float(np.vdot(E, S)) / denom
        if abs(c - 1) > 1e-3 and _close(S, c * E, rtol, atol):
            hint = "the negative" if abs(c + 1) < 1e-6 else f"{c:.6g} times"
            message += f". Your answer is {hint} of the expected one: check signs and factors"
    return fb("values", message)


def _row_major_candidates(E, wrt_shape, of_shape):
    """Expected answers reordered the way a row-major vec would order them."""
    out = []
    if E.ndim == 1:
        shapes = [of_shape] if of_shape else _factor_pairs(E.size)
        for r, c in shapes:
            if r * c == E.size:
                out.append(
                    (
                        f"your vector is the {r}×{c} matrix flattened row by row (vec of its "
                        "transpose) instead of vec, which stacks columns",
                        E[_row_major_perm((r, c))],
                    )
                )
    elif E.ndim == 2:
        rows, cols = E.shape
        col_shapes = [wrt_shape] if wrt_shape else _factor_pairs(cols)
        for r, c in col_shapes:
            if r * c == cols:
                out.append(
                    (
                        f"the columns of your Jacobian follow the row-major order of the "
                        f"{r}×{c} matrix you differentiate with respect to (vec of its "
                        "transpose), not vec",
                        E[:, _row_major_perm((r, c))],
                    )
                )
        row_shapes = [of_shape] if of_shape else _factor_pairs(rows)
        for r, c in row_shapes:
            if r * c == rows:
                out.append(
                    (
                        f"the rows of your Jacobian follow the row-major order of the {r}×{c} "
                        "output (vec of its transpose), not vec",
                        E[_row_major_perm((r, c)), :],
                    )
                )
                # An element-wise Jacobian built as diag(f′(A).ravel()) reorders both sides.
                for rc, cc in col_shapes:
                    if rc * cc == cols and (r, c) != (1, rows) and (rc, cc) != (1, cols):
                        out.append(
                            (
                                f"both the rows and the columns of your Jacobian follow the "
                                f"row-major order (of the {r}×{c} output and the {rc}×{cc} "
                                "input): flatten with vec, which stacks columns",
                                E[np.ix_(_row_major_perm((r, c)), _row_major_perm((rc, cc)))],
                            )
                        )
        out.append(
            (
                "your matrix holds the right numbers filled in row by row: it was unvec'd "
                "(or reshaped) in row-major order",
                E.reshape(-1, order="F").reshape(E.shape),
            )
        )
    return out


def _shape_feedback(S, E, symbol, want, got, bias_free, rtol, atol, fb, wrt_shape=None):
    """Diagnose an answer whose shape differs from the expected one."""
    if S.ndim == 2 and E.ndim == 2 and S.shape == E.shape[::-1]:
        if _close(S.T, E, rtol, atol):
            return fb(
                "missing transpose",
                f"{symbol} should be {want} but yours is {got}, and its transpose is "
                "correct: missing transpose. (In numerator layout D_x y = ∂vec(y)/∂vec(x)ᵀ "
                "has one row per entry of y and one column per entry of x.)",
            )
        return fb(
            "missing transpose",
            f"{symbol} should be {want} but yours is {got}, the transposed shape: missing "
            "transpose; even transposed, " + _largest_error(S.T, E, symbol),
        )

    # Extra leading entries along one axis: the bias kept where the bias-free quantity belongs.
    if S.ndim == E.ndim and S.ndim >= 1:
        diff = [a for a in range(S.ndim) if S.shape[a] != E.shape[a]]
        if len(diff) == 1:
            ax = diff[0]
            k = S.shape[ax] - E.shape[ax]
            kind = "entries" if S.ndim == 1 else ("columns" if ax == 1 else "rows")
            if k > 0:
                lead = np.take(S, np.arange(k, S.shape[ax]), axis=ax)
                trail = np.take(S, np.arange(E.shape[ax]), axis=ax)
                why = (
                    "a bias entry is included where it should not be, e.g. w̄ᵒ where the "
                    "bias-free wᵒ belongs (the bias w₀ᵒ multiplies the constant column of H̄, "
                    "which does not depend on W̄ʰ)"
                )
                if _close(lead, E, rtol, atol):
                    return fb(
                        "bias included",
                        f"{symbol} should be {want} but yours is {got}: it has {k} extra "
                        f"leading {kind}, and without them it is correct. So {why}",
                    )
                if _close(trail, E, rtol, atol):
                    return fb(
                        "bias included",
                        f"{symbol} should be {want} but yours is {got}: it has {k} extra "
                        f"trailing {kind}, and without them it is correct. So {why}; note "
                        "also that the lecture puts the bias first, not last",
                    )
                if bias_free:
                    return fb(
                        "bias included",
                        f"{symbol} should be {want} but yours is {got}: {why}. Dropping the "
                        f"{k} leading {kind} still leaves errors: "
                        + _largest_error(lead, E, symbol),
                    )
            else:
                k = -k
                if _close(S, np.take(E, np.arange(k, E.shape[ax]), axis=ax), rtol, atol):
                    return fb(
                        "shape",
                        f"{symbol} should be {want} but yours is {got}: the {k} leading "
                        f"{kind} for the bias are missing (e.g. H where H̄ = [1 H] belongs, "
                        "or X where X̄ = [1 X] belongs)",
                    )

    # One column per block missing: the bias row of the matrix differentiated with respect to
    # was dropped (X where X̄ belongs in I_p ⊗ X̄), so every block lost its first column.
    if S.ndim == 2 and E.ndim == 2 and S.shape[0] == E.shape[0] and S.shape[1] < E.shape[1]:
        shapes = [wrt_shape] if wrt_shape else _factor_pairs(E.shape[1])
        for r, c in shapes:
            if r * c == E.shape[1] and (r - 1) * c == S.shape[1]:
                keep = np.arange(E.shape[1]) % r != 0
                if _close(S, E[:, keep], rtol, atol):
                    return fb(
                        "shape",
                        f"{symbol} should be {want} but yours is {got}: each of its {c} column "
                        f"blocks lacks its first column, the derivative with respect to the bias "
                        f"row of the {r}×{c} weight matrix (e.g. X where X̄ = [1 X] belongs, in "
                        "I_p ⊗ X̄)",
                    )

    if E.ndim == 1 and S.ndim == 2 and S.size == E.size:
        if _close(S.reshape(-1, order="F"), E, rtol, atol):
            return fb(
                "shape",
                f"{symbol} should be a vector of length {E.size} but yours is the {got} "
                "matrix: apply vec (stack its columns) to get the answer",
            )
        if _close(S.reshape(-1), E, rtol, atol):
            return fb(
                "shape",
                f"{symbol} should be a vector of length {E.size} but yours is a {got} matrix "
                "whose rows, read one after another, give it: use a vector (and note the "
                "lecture's vec stacks columns, not rows)",
            )
    if E.ndim == 2 and S.ndim == 1 and S.size == E.size:
        if _close(S, E.reshape(-1, order="F"), rtol, atol):
            return fb(
                "shape",
                f"{symbol} should be the {want} matrix but yours is its vec (length {S.size}): "
                "unvec it (refill column by column)",
            )
        if _close(S, E.reshape(-1), rtol, atol):
            return fb(
                "shape",
                f"{symbol} should be the {want} matrix but yours is a vector of length "
                f"{S.size}, its entries row by row: keep the matrix shape",
            )
    return fb("shape", f"{symbol} should be {want} but yours is {got}")
