"""Feedback on exercise answers, in the lecture's terms.

:func:`check` compares a student's array with the expected one and, when they differ, names the
mistake the way the lecture would: a wrong shape, a ``vec`` taken row by row instead of column by
column, a missing transpose, a bias entry where the bias-free quantity belongs (``w̄ᵒ`` where
``wᵒ`` is meant), the whole Jacobian ``D_w̄ y`` where one block is asked for, ``X̄ ⊗ I_p`` where
``I_p ⊗ X̄`` belongs, a forgotten ``diag(f′)`` or ``diag(g′)``, or else the largest error and
where it is.

Each diagnosis is given only when the answer really is what it says: "bias included" only when
deleting the bias gives the expected answer *and* something shows that the deleted part is a
bias (a column of ones, one more block of a Kronecker product, or the question saying so with
``bias_free=True``). An extra entry that is merely extra is called that.

Example
-------
>>> import numpy as np
>>> from lecturekit.exercises import check
>>> fb = check(np.eye(2), np.eye(2), "I₂")
>>> fb.correct, fb.diagnosis
(True, 'correct')
"""

from __future__ import annotations

import difflib
import html
import re
import sys
import traceback
from dataclasses import dataclass

import numpy as np

from ._validate import finite_array, real, shape_str

#: The diagnoses :func:`check` can return (``Feedback.diagnosis``).
DIAGNOSES = (
    "correct",
    "not answered",
    "unreadable",
    "complex",
    "not finite",
    "shape",
    "row-major vec",
    "missing transpose",
    "bias included",
    "kronecker order",
    "missing factor",
    "values",
    "error",
)

_CONTEXT_KEYS = ("wrt_shape", "of_shape", "bias_free", "shape_label", "rtol", "atol")

#: The diagnoses of a same-shape answer (reorderings, Kronecker order, missing factors) each
#: form arrays the size of the answer, one at a time. Above this many entries they are
#: skipped, before anything is allocated, and the answer is compared entry by entry only.
_DIAGNOSE_MAX_ENTRIES = 2**20

#: The swapped-Kronecker hint forms ``[wᵒᵀ ⊗ diag(g′)] diag(f′)`` (m × mp) and ``X̄ ⊗ I_p``
#: (mp × n̄p) literally; it is skipped when they would hold more entries than this.
_LITERAL_KRON_MAX_ENTRIES = 2**21


def _suggest(word, options):
    """``"; did you mean 'wrt_shape'?"`` for a near miss among ``options``, else ``""``."""
    close = difflib.get_close_matches(str(word), [str(o) for o in options], n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _unanswered(x):
    """Whether ``x`` is the stub of an answer cell: ``...`` (Ellipsis) or None."""
    return x is ... or x is None


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer.

    Attributes
    ----------
    correct : bool
        Whether the answer matches (within tolerance).
    diagnosis : str
        One of :data:`DIAGNOSES`.
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
            f'<b style="color:{colour}">{head}</b> '
            + html.escape(self.message).replace("\n", "<br>")  # one line per part
            + "</div>"
        )


@dataclass(frozen=True)
class _Question:
    """What one call of :func:`check` knows about the expected answer."""

    symbol: str
    want: str  # the expected shape in words, e.g. "5×3 (m×p̄)"
    tol: float  # largest accepted |student − expected| entry
    rtol: float
    wrt_shape: tuple | None
    of_shape: tuple | None
    bias_free: bool
    expected: np.ndarray


# -- small helpers -------------------------------------------------------------------------------


def _count(k, noun, plural=None):
    """``1 column``, ``2 columns``, ``1 entry``, ``3 entries``."""
    return f"{k} {noun if k == 1 else (plural or noun + 's')}"


def _describe(shape):
    """A shape in words: ``a scalar``, ``a vector of length 6``, ``5×3``."""
    if len(shape) == 0:
        return "a scalar"
    if len(shape) == 1:
        return f"a vector of length {shape[0]}"
    return shape_str(shape)


def _describe_want(q):
    """The expected shape as a phrase: ``a vector of length 6`` or ``of shape 5×3 (m×p̄)``."""
    return q.want if q.want[0].isalpha() else f"of shape {q.want}"


def _tolerance(E, rtol, atol):
    """The largest accepted error per entry: ``rtol·max|E|``, or ``atol`` when ``E = 0``.

    Relative to the largest expected entry, so that the tolerance scales with the answer: when
    every expected entry is tiny (a saturated sigmoid gives entries near 1e-10), an answer of
    all zeros is still wrong. Only an expected answer that is exactly zero needs an absolute
    tolerance.
    """
    scale = float(np.max(np.abs(E))) if E.size else 0.0
    return rtol * scale if scale > 0 else atol


def _close(a, b, tol):
    """Same shape, and no entry differs by more than ``tol``."""
    return a.shape == b.shape and (a.size == 0 or float(np.max(np.abs(a - b))) <= tol)


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


def _index(idx):
    return "[" + ", ".join(str(int(i)) for i in idx) + "]"


def _largest_error(S, E, q):
    """Where the answer is worst: the index, both values, how many entries are off."""
    err = np.abs(S - E)
    idx = tuple(int(i) for i in np.unravel_index(int(np.argmax(err)), err.shape))
    extra = []
    if E.ndim == 2 and q.wrt_shape is not None and E.shape[1] == np.prod(q.wrt_shape):
        r = q.wrt_shape[0]
        extra.append(
            f"column {idx[1]} is the derivative with respect to entry "
            f"[{idx[1] % r}, {idx[1] // r}] in column-major vec order"
        )
    if E.ndim == 2 and q.of_shape is not None and E.shape[0] == np.prod(q.of_shape):
        r = q.of_shape[0]
        extra.append(f"row {idx[0]} is entry [{idx[0] % r}, {idx[0] // r}] of the output")
    if E.ndim == 1 and q.of_shape is not None and E.size == np.prod(q.of_shape):
        r = q.of_shape[0]
        extra.append(f"entry {idx[0]} of vec is matrix entry [{idx[0] % r}, {idx[0] // r}]")
    n_bad = int(np.count_nonzero(err > q.tol))
    text = (
        f"the largest error in {q.symbol} is at index {_index(idx)}: yours is {S[idx]:.6g}, "
        f"expected {E[idx]:.6g} ({n_bad} of {E.size} entries "
        f"{'differs' if n_bad == 1 else 'differ'})"
    )
    if extra:
        text += "; " + "; ".join(extra)
    return text


# -- reading the answer --------------------------------------------------------------------------


def _as_numpy(x):
    """``x`` as a numpy array, unwrapping the array types a student may hand in.

    A torch tensor, a scipy.sparse matrix or a ``lecturekit.autodiff.Tensor`` can only exist if
    its module has been imported, so the checker looks them up in ``sys.modules`` and imports
    none of them itself (torch is optional).
    """
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(x, torch.Tensor):
        x = x.detach().cpu().resolve_conj().resolve_neg()  # detach: requires_grad refuses numpy
        return x.to(torch.complex128 if x.is_complex() else torch.float64).numpy()
    sparse = sys.modules.get("scipy.sparse")
    if sparse is not None and sparse.issparse(x):
        return x.toarray()
    autodiff = sys.modules.get("lecturekit.autodiff")
    if autodiff is not None and isinstance(x, autodiff.Tensor):
        return x.data
    arr = np.asarray(x)
    if arr.dtype == object:  # a sympy Matrix, or a list of Fractions: convert every entry
        if any(v is None or v is ... for v in arr.flat):  # complex(None) would be NaN
            raise TypeError("an entry is NoneType")
        arr = arr.astype(complex)
    return arr


def _read_student(student, q):
    """The answer as a real float array, or ``(diagnosis, message)`` saying why it is not one."""
    ask = f"return a numpy array, {_describe_want(q)}"
    if _unanswered(student):
        return None, ("not answered", _not_answered_message(student, q.symbol, q.want))
    try:
        arr = _as_numpy(student)
    except OverflowError:
        return None, (
            "not finite",
            f"{q.symbol}: an entry of your answer is too large for a float (beyond about "
            "1.8e308, where float64 overflows to inf): an exponential or a power that grew "
            "without bound?",
        )
    except (TypeError, ValueError) as err:
        reason = str(err).split("\n")[0]
        if "NoneType" in reason:
            reason = "an entry is None (a function without a return statement?)"
        elif "inhomogeneous" in reason or "sequence" in reason:
            reason = "its rows have different lengths"
        elif "convert" in reason:
            reason = "an entry is not a number (a sympy symbol left in? substitute values)"
        return None, (
            "unreadable",
            f"{q.symbol}: could not read your answer ({type(student).__name__}) as an array "
            f"of numbers: {reason}; {ask}",
        )
    if not (np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)):
        return None, (
            "unreadable",
            f"{q.symbol}: could not read your answer ({type(student).__name__}, entries of "
            f"type {arr.dtype}) as an array of numbers; {ask}",
        )
    if np.iscomplexobj(arr):
        imag = np.abs(arr.imag)
        if np.any(imag > 0):
            idx = np.unravel_index(int(np.argmax(imag)), arr.shape)
            return None, (
                "complex",
                f"{q.symbol} must be real, but {np.count_nonzero(imag)} of {arr.size} of your "
                f"entries are complex (the largest imaginary part is {imag[idx]:.3g}, at index "
                f"{_index(idx)}). Complex numbers usually come from a complex step left in "
                "(its derivative is Im f(x + ih)/h), or from the square root or logarithm of "
                "a negative number",
            )
        arr = arr.real
    arr = arr.astype(float)
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))
        first = f", first at index {_index(bad[0])}" if arr.ndim else ""
        return None, (
            "not finite",
            f"{q.symbol} contains NaN or infinite values ({len(bad)} of {arr.size} entries"
            f"{first}); a NaN usually comes from 0/0, from an overflow such as exp of a "
            "large pre-activation, or from an uninitialised array (np.empty)",
        )
    return arr, None


def _not_answered_message(student, symbol, want):
    """The kind sentence a check cell prints before the answer cell has been filled in."""
    expected = want if want[0].isalpha() or "(" in want else f"of shape {want}"
    if student is None:
        return (
            f"{symbol} is not answered yet: it is None. If it comes from a function you "
            "wrote, make sure the function ends with a return statement; otherwise replace "
            f"None in the answer cell with your answer ({expected}) and run this cell again."
        )
    return (
        f"{symbol} is not answered yet: replace the ... in the answer cell with your answer "
        f"({expected}), run that cell, then run this one again."
    )


# -- the structure of D_W̄ʰ y ------------------------------------------------------------------


def _hidden_layer_blocks(J, nbar, p, tol):
    """``(C, X̄)`` with ``J = [diag(c₁) X̄ … diag(c_p) X̄]`` and ``X̄[:, 0] = 1``, or None.

    That is the structure of ``D_W̄ʰ y``: column block j (the n̄ weights of hidden unit j) is
    X̄ with row i scaled by ``Cᵢⱼ = ∂yᵢ/∂aᵢⱼ = g′(zᵢ) wⱼᵒ f′(aᵢⱼ)``. Because X̄ starts with a
    column of ones, ``cⱼ`` is the first column of block j, and X̄ follows by division.
    """
    m = J.shape[0]
    if J.ndim != 2 or nbar < 2 or p < 2 or J.shape[1] != nbar * p:
        return None
    blocks = J.reshape(m, p, nbar)  # blocks[i, j, k] = J[i, j·n̄ + k]
    C = blocks[:, :, 0]
    rows = np.arange(m)
    best = np.argmax(np.abs(C), axis=1)  # per row, the block with the largest scale
    if np.any(np.abs(C[rows, best]) <= tol):  # a row that says nothing about X̄
        return None
    Xbar = blocks[rows, best, :] / C[rows, best][:, None]
    if not _close(C[:, :, None] * Xbar[:, None, :], blocks, tol):
        return None
    return C, Xbar


def _rank_one(C, tol):
    """Whether ``C ≈ u vᵀ``: one number per row times one number per column."""
    u = C[:, int(np.argmax(np.linalg.norm(C, axis=0)))]
    if not np.any(u):
        return True
    return _close(np.outer(u, u @ C / (u @ u)), C, tol)


def _hidden_layer_hint(S, E, q):
    """Name a mistake in ``D_W̄ʰ y`` that keeps its shape, or None.

    Tried when the expected answer has the block structure of ``D_W̄ʰ y``: ``X̄ ⊗ I_p`` where
    ``I_p ⊗ X̄`` belongs, and a missing ``diag(g′(z))`` or ``diag(f′(vec A))``.
    """
    pairs = [q.wrt_shape] if q.wrt_shape else _factor_pairs(E.shape[1])
    for nbar, p in pairs:
        found = _hidden_layer_blocks(E, nbar, p, q.tol)
        if found is None:
            continue
        C, Xbar = found
        m = E.shape[0]
        formula = "D_W̄ʰ y = [wᵒᵀ ⊗ diag(g′(z))] · diag(f′(vec A)) · (I_p ⊗ X̄)"

        if m * m * p + m * p * nbar * p <= _LITERAL_KRON_MAX_ENTRIES:  # formed literally,
            # the way the mistake is made
            left = np.hstack([np.diag(C[:, j]) for j in range(p)])  # [wᵒᵀ⊗diag(g′)]diag(f′)
            swapped = left @ np.kron(Xbar, np.eye(p))
            if _close(S, swapped, q.tol) and not _close(swapped, E, q.tol):
                return (
                    "kronecker order",
                    f"{q.symbol}: your answer is what X̄ ⊗ I_p gives where I_p ⊗ X̄ belongs, "
                    f"in {formula}. The Kronecker product is not commutative: "
                    "dvec(X̄ dW̄ʰ) = (I_p ⊗ X̄) dvec(W̄ʰ), one copy of X̄ per hidden unit on "
                    "the diagonal",
                )

        # The same X̄ with other row scales Cˢ: a factor of Cᵢⱼ = g′(zᵢ) wⱼᵒ f′(aᵢⱼ) is missing.
        blocks = S.reshape(m, p, nbar)
        Cs = blocks[:, :, 0]
        tol_s = q.rtol * float(np.max(np.abs(S)))
        if not np.any(Cs) or not _close(Cs[:, :, None] * Xbar[:, None, :], blocks, tol_s):
            return None
        norms = np.einsum("ij,ij->i", Cs, Cs)
        r = np.divide(np.einsum("ij,ij->i", C, Cs), norms, out=np.ones(m), where=norms > 0)
        if _close(r[:, None] * Cs, C, q.tol) and np.ptp(r) > q.rtol * np.max(np.abs(r)):
            return (
                "missing factor",
                f"{q.symbol}: row i of the expected answer is row i of yours times one number "
                "gᵢ, the same for every hidden unit: diag(g′(z)) is missing, the derivative of "
                f"the output activation. In {formula} it scales row i by g′(zᵢ)",
            )
        if _close(np.broadcast_to(Cs[0], Cs.shape), Cs, tol_s) and not _rank_one(C, q.tol):
            return (
                "missing factor",
                f"{q.symbol}: your answer is wᵒᵀ ⊗ X̄, the warm-up's result without activations: "
                "it contains no activation derivative. With activations, "
                f"{formula}: diag(f′(vec A)) is missing, and diag(g′(z)) too unless g is the "
                "identity",
            )
        if _rank_one(Cs, tol_s) and not _rank_one(C, q.tol):
            return (
                "missing factor",
                f"{q.symbol}: in your answer, the scale of row i in block j is a number per "
                "observation times a number per hidden unit, g′(zᵢ) wⱼᵒ, but "
                "∂yᵢ/∂aᵢⱼ = g′(zᵢ) wⱼᵒ f′(aᵢⱼ) depends on both: diag(f′(vec A)) is missing "
                f"from {formula}",
            )
        return None
    return None


# -- the checker ---------------------------------------------------------------------------------


def check(student, expected, symbol, **context) -> Feedback:
    """Compare a student's answer with the expected one and diagnose the mistake.

    The checks run in this order, so the first matching explanation is reported:

    1. not an array of numbers (``"unreadable"``), complex entries (``"complex"``), NaN or
       inf (``"not finite"``), each saying where;
    2. wrong shape: the transpose (``"missing transpose"``); extra leading entries/columns that
       are a bias, with deleting them giving the expected answer (``"bias included"``: a
       column of ones as in ``H̄ = [1 H]``, one more block of a Kronecker product as in
       ``w̄ᵒᵀ ⊗ X̄`` for ``wᵒᵀ ⊗ X̄``, or any extra leading part when ``bias_free=True``);
       otherwise ``"shape"``, naming ``symbol`` and both shapes, and saying what the answer is
       where that is known: the whole Jacobian ``D_w̄ y`` where one block is asked for, the
       blocks of ``wᵒ ⊗ X̄`` stacked where ``wᵒᵀ ⊗ X̄`` puts them side by side, entries extra
       or missing at the start or end, a matrix where its vec belongs or the reverse;
    3. ``student = expected`` within the tolerance (``"correct"``);
    4. a square answer with ``student = expectedᵀ`` (``"missing transpose"``);
    5. ``student`` equals ``expected`` reordered as if ``vec`` stacked rows instead of columns
       (``"row-major vec"``): a vector equal to the row-major flattening ``vec(Mᵀ)`` of the
       matrix ``M`` it should vec, a Jacobian whose columns follow ``vec(W̄ʰᵀ)`` instead of
       ``vec(W̄ʰ)`` (or whose rows follow the row-major order of the output), or a matrix
       refilled row by row;
    6. for an expected answer with the block structure of ``D_W̄ʰ y``: ``X̄ ⊗ I_p`` where
       ``I_p ⊗ X̄`` belongs (``"kronecker order"``), or a missing ``diag(g′(z))`` or
       ``diag(f′(vec A))`` (``"missing factor"``);
    7. otherwise the largest error: index, student value and expected value (``"values"``),
       saying so when the answer is all zeros or a multiple (e.g. ``−1``) of the expected one.

    The answer passes when no entry differs from the expected one by more than
    ``rtol·max|expected|``: the tolerance scales with the expected answer, so tiny expected
    entries are not swamped by an absolute tolerance. ``atol`` is used only when the expected
    answer is exactly zero.

    Parameters
    ----------
    student : array_like
        The answer to check: a numpy array, a list, a scalar, a torch tensor (also one that
        requires grad), a scipy.sparse matrix, a sympy ``Matrix`` or a
        ``lecturekit.autodiff.Tensor``. A column ``k×1``, a row ``1×k`` or a scalar (for
        k = 1) is accepted for a vector of length k (a 1-D array carries no orientation); for
        matrices, orientation matters.
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
            The answer must not contain a bias entry: any answer with extra leading (or
            trailing) entries/columns/rows is diagnosed ``"bias included"``, even if the rest
            is also wrong. Without it, an extra leading entry is only called a bias when the
            answer itself shows it (a column of ones, or one more Kronecker block).
        ``shape_label`` : str
            The expected shape in symbols, e.g. ``"m×n̄p"``, quoted in shape messages.
        ``rtol`` : float
            Relative tolerance (default 1e-6), relative to the largest expected entry; loosen
            it when the expected answer comes from finite differences.
        ``atol`` : float
            Absolute tolerance (default 1e-8), used only when the expected answer is all zeros.

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
    q = _question(expected, symbol, context)
    # Entries near the float64 limit: a difference may overflow to inf, which compares as
    # "not close", as it should; numpy's warning would only distract.
    with np.errstate(over="ignore", invalid="ignore"):
        return _diagnose(student, q)


def _question(expected, symbol, context) -> _Question:
    """Validate what the exercise passes to :func:`check` (its mistakes raise: they are bugs)."""
    unknown = sorted(set(context) - set(_CONTEXT_KEYS))
    if unknown:
        raise TypeError(
            f"check() got an unknown context {unknown[0]!r}{_suggest(unknown[0], _CONTEXT_KEYS)}"
            f" (known: {', '.join(_CONTEXT_KEYS)})"
        )
    tolerances = {}
    for key, default in (("rtol", 1e-6), ("atol", 1e-8)):
        value = context.get(key)
        tolerances[key] = default if value is None else real(value, key, minimum=0)
    shapes = {}
    for key in ("wrt_shape", "of_shape"):
        shp = context.get(key)
        if shp is not None and (
            np.ndim(shp) != 1
            or len(shp) != 2
            or not all(isinstance(k, (int, np.integer)) and k >= 1 for k in shp)
        ):
            raise ValueError(
                f"{key} must be a pair of positive integers (rows, columns); got {shp!r}"
            )
        shapes[key] = tuple(int(k) for k in shp) if shp is not None else None
    bias_free = context.get("bias_free", False)
    if not isinstance(bias_free, (bool, np.bool_)):
        raise TypeError(f"bias_free must be True or False; got {bias_free!r}")
    if _unanswered(expected):
        raise TypeError(
            f"the expected {symbol} is {expected!r}: the exercise must pass its expected "
            "answer as the second argument (the student's answer is the first)"
        )
    try:
        E = finite_array(_as_numpy(expected), f"the expected {symbol}")
    except OverflowError:
        raise ValueError(f"the expected {symbol} has an entry beyond the float64 range") from None
    label = context.get("shape_label")
    return _Question(
        symbol=symbol,
        want=_describe(E.shape) + (f" ({label})" if label else ""),
        tol=_tolerance(E, tolerances["rtol"], tolerances["atol"]),
        rtol=tolerances["rtol"],
        wrt_shape=shapes["wrt_shape"],
        of_shape=shapes["of_shape"],
        bias_free=bool(bias_free),
        expected=E,
    )


def _diagnose(student, q) -> Feedback:
    """The checks of :func:`check`, in its order, on a validated question."""
    symbol = q.symbol

    def fb(diagnosis, message):
        return Feedback(diagnosis == "correct", diagnosis, message, symbol)

    S, problem = _read_student(student, q)
    if problem is not None:
        return fb(*problem)
    E = q.expected

    # A vector may arrive as a column, a row or (length 1) a scalar: 1-D arrays have no
    # orientation to get wrong. A one-entry answer is a number whatever its shape.
    if S.size == E.size and S.shape != E.shape:
        if S.size == 1 or (E.ndim <= 1 and (S.ndim <= 1 or 1 in S.shape)):
            S = S.reshape(E.shape)
        elif E.ndim == 2 and 1 in E.shape and S.ndim == 1:
            S = S.reshape(E.shape)

    if S.shape != E.shape:
        return fb(*_shape_feedback(S, E, q))

    if _close(S, E, q.tol):
        err = float(np.max(np.abs(S - E))) if S.size else 0.0
        return fb("correct", f"correct: {symbol} ({q.want}) matches, max abs error {err:.1e}")

    if E.size > _DIAGNOSE_MAX_ENTRIES:  # every diagnosis below forms arrays of this size
        return fb(
            "values",
            f"{symbol} has the right shape ({q.want}) but wrong values: "
            + _largest_error(S, E, q)
            + f" (an answer of more than {_DIAGNOSE_MAX_ENTRIES} entries is compared entry "
            "by entry only: check your code on a smaller problem for a diagnosis)",
        )

    if S.ndim == 2 and S.shape[0] == S.shape[1] and _close(S.T, E, q.tol):
        return fb(
            "missing transpose",
            f"{symbol}: your answer is the transpose of the expected {q.want} matrix: missing "
            "transpose (for a square matrix this is also what refilling vec row by row gives)",
        )

    for what, candidate in _row_major_candidates(E, q.wrt_shape, q.of_shape):
        if not _close(candidate, E, q.tol) and _close(S, candidate, q.tol):
            return fb(
                "row-major vec",
                f"{symbol}: {what}. The lecture's vec is column-major: it stacks the columns, "
                'vec(A)[i + j·rows] = A[i, j] (numpy: A.reshape(-1, order="F"), or '
                "lecturekit.vec)",
            )

    if E.ndim == 2:
        hint = _hidden_layer_hint(S, E, q)
        if hint is not None:
            return fb(*hint)

    message = f"{symbol} has the right shape ({q.want}) but wrong values: " + _largest_error(
        S, E, q
    )
    largest = float(np.max(np.abs(S)))
    if largest <= q.tol:
        zero = "all zeros" if largest == 0 else f"zero to within the tolerance ({largest:.2g})"
        message += (
            f". Your answer is {zero}, while the expected entries reach "
            f"{float(np.max(np.abs(E))):.3g}: an array made with np.zeros and never filled, "
            "or a factor that is zero where it should not be?"
        )
    elif np.any(E):
        c = float(np.vdot(E, S)) / float(np.vdot(E, E))
        if abs(c - 1) > 1e-3 and _close(S, c * E, q.tol):
            hint = "the negative of" if abs(c + 1) < 1e-6 else f"{c:.6g} times"
            message += f". Your answer is {hint} the expected one: check signs and factors"
    return fb("values", message)


def _row_major_candidates(E, wrt_shape, of_shape):
    """Expected answers reordered the way a row-major vec would order them.

    A generator: each candidate is formed only when the one before has been compared, so
    the memory held is a few arrays of the answer's size, however many shapes are tried.
    """
    if E.ndim == 1:
        shapes = [of_shape] if of_shape else _factor_pairs(E.size)
        for r, c in shapes:
            if r * c == E.size:
                yield (
                    f"your vector is the {r}×{c} matrix flattened row by row (vec of its "
                    "transpose) instead of vec, which stacks columns",
                    E[_row_major_perm((r, c))],
                )
    elif E.ndim == 2:
        rows, cols = E.shape
        col_shapes = [wrt_shape] if wrt_shape else _factor_pairs(cols)
        for r, c in col_shapes:
            if r * c == cols:
                yield (
                    f"the columns of your Jacobian follow the row-major order of the "
                    f"{r}×{c} matrix you differentiate with respect to (vec of its "
                    "transpose), not vec; swapping the factors of a Kronecker product "
                    "reorders the columns the same way (X̄ ⊗ wᵒᵀ for wᵒᵀ ⊗ X̄)",
                    E[:, _row_major_perm((r, c))],
                )
        row_shapes = [of_shape] if of_shape else _factor_pairs(rows)
        for r, c in row_shapes:
            if r * c == rows:
                yield (
                    f"the rows of your Jacobian follow the row-major order of the {r}×{c} "
                    "output (vec of its transpose), not vec",
                    E[_row_major_perm((r, c)), :],
                )
                # An element-wise Jacobian built as diag(f′(A).ravel()) reorders both sides
                # the same way: D_A f(A) is square, its input and output of one shape. (Every
                # pair of shapes would be quadratic in the number of factorisations.)
                if rows == cols and (r, c) in col_shapes:
                    perm = _row_major_perm((r, c))
                    yield (
                        f"both the rows and the columns of your Jacobian follow the row-major "
                        f"order (of the {r}×{c} output and the {r}×{c} input): flatten with "
                        "vec, which stacks columns",
                        E[np.ix_(perm, perm)],
                    )
        yield (
            "your matrix holds the right numbers filled in row by row: it was unvec'd "
            "(or reshaped) in row-major order",
            E.reshape(-1, order="F").reshape(E.shape),
        )


# -- answers of the wrong shape ------------------------------------------------------------------


def _shape_feedback(S, E, q):
    """``(diagnosis, message)`` for an answer whose shape differs from the expected one."""
    head = f"{q.symbol} should be {q.want} but yours is {_describe(S.shape)}"

    if S.ndim == 2 and E.ndim == 2 and S.shape == E.shape[::-1] and _close(S.T, E, q.tol):
        return (
            "missing transpose",
            f"{head}, and its transpose is correct: missing transpose. (In numerator layout "
            "D_x y = ∂vec(y)/∂vec(x)ᵀ has one row per entry of y and one column per entry "
            "of x.)",
        )

    # a ⊗ B with a column a where aᵀ ⊗ B belongs: the blocks stacked instead of side by side.
    if S.ndim == 2 and E.ndim == 2 and S.shape[0] % E.shape[0] == 0:
        p = S.shape[0] // E.shape[0]
        if p >= 2 and S.shape[1] * p == E.shape[1]:
            if _close(np.hstack(np.vsplit(S, p)), E, q.tol):
                return (
                    "shape",
                    f"{head}: its {p} blocks of {E.shape[0]} rows, set side by side, give the "
                    "expected answer. That is what the lecture's wᵒ ⊗ X̄ gives where "
                    "wᵒᵀ ⊗ X̄ belongs: the transpose on wᵒ is missing (vec(X̄ dW̄ʰ wᵒ) = "
                    "(wᵒᵀ ⊗ X̄) dvec(W̄ʰ); the two agree only when p = 1)",
                )

    if S.ndim == 2 and E.ndim == 2 and S.shape == E.shape[::-1]:
        return (
            "missing transpose",
            f"{head}, the transposed shape: missing transpose; even transposed, "
            + _largest_error(S.T, E, q),
        )

    if S.ndim == E.ndim >= 1:
        diff = [a for a in range(S.ndim) if S.shape[a] != E.shape[a]]
        if len(diff) == 1:
            ax = diff[0]
            found = (_extra_feedback if S.shape[ax] > E.shape[ax] else _missing_feedback)(
                S, E, ax, head, q
            )
            if found is not None:
                return found

    found = _dropped_bias_columns(S, E, q, head)
    if found is None:
        found = _vec_feedback(S, E, q, head)
    return found if found is not None else ("shape", head)


def _dropped_bias_columns(S, E, q, head):
    """One column per block missing: the bias row of the matrix differentiated with respect to
    was dropped (X where X̄ belongs in I_p ⊗ X̄), so every block lost its first column."""
    if not (S.ndim == 2 and E.ndim == 2 and S.shape[0] == E.shape[0] and S.shape[1] < E.shape[1]):
        return None
    shapes = [q.wrt_shape] if q.wrt_shape else _factor_pairs(E.shape[1])
    for r, c in shapes:
        if r * c == E.shape[1] and (r - 1) * c == S.shape[1]:
            keep = np.arange(E.shape[1]) % r != 0
            if _close(S, E[:, keep], q.tol):
                return (
                    "shape",
                    f"{head}: each of its {c} column blocks lacks its first column, the "
                    f"derivative with respect to the bias row of the {r}×{c} weight "
                    "matrix (e.g. X where X̄ = [1 X] belongs, in I_p ⊗ X̄)",
                )
    return None


def _vec_feedback(S, E, q, head):
    """A matrix where its vec belongs, or the reverse (column-major or row-major)."""
    if E.ndim == 1 and S.ndim == 2 and S.size == E.size:
        if _close(S.reshape(-1, order="F"), E, q.tol):
            return "shape", f"{head}: apply vec (stack its columns) to get the answer"
        if _close(S.reshape(-1), E, q.tol):
            return (
                "shape",
                f"{head}, whose rows, read one after another, give it: use a vector (and note "
                "the lecture's vec stacks columns, not rows)",
            )
    if E.ndim == 2 and S.ndim == 1 and S.size == E.size:
        if _close(S, E.reshape(-1, order="F"), q.tol):
            return "shape", f"{head}, its vec: unvec it (refill column by column)"
        if _close(S, E.reshape(-1), q.tol):
            return "shape", f"{head}, the matrix's entries row by row: keep the matrix shape"
    return None


def _noun(ndim, ax):
    return ("entry", "entries") if ndim == 1 else (("row", "rows"), ("column", "columns"))[ax]


def _extra_feedback(S, E, ax, head, q):
    """The answer is longer along axis ``ax``: say what the extra part is, if anything shows."""
    n, k = E.shape[ax], S.shape[ax] - E.shape[ax]
    one, many = _noun(S.ndim, ax)
    words = _Extra(
        head=head,
        extra=_count(k, f"extra {one}", f"extra {many}"),
        them="it" if k == 1 else "them",
        why=_bias_reason(S.ndim, ax),
    )
    first = np.take(S, np.arange(k), axis=ax)  # the k leading entries
    after = np.take(S, np.arange(k, k + n), axis=ax)  # the answer without them
    before = np.take(S, np.arange(n), axis=ax)  # the answer without its k trailing entries
    if _close(after, E, q.tol):
        return _extra_at_start(first, E, ax, q, words)
    if _close(before, E, q.tol):
        return _extra_at_end(np.take(S, np.arange(n, n + k), axis=ax), E, ax, q, words)
    if q.bias_free:
        return (
            "bias included",
            f"{head}: a bias entry is included where it should not be ({words.why}). Dropping "
            f"the {words.extra} at the start still leaves errors: " + _largest_error(after, E, q),
        )
    return None


@dataclass(frozen=True)
class _Extra:
    """The words of a message about extra rows, columns or entries."""

    head: str  # what the answer should be and what it is
    extra: str  # "2 extra columns"
    them: str  # "it" or "them"
    why: str  # why a bias entry does not belong


def _bias_reason(ndim, ax):
    """Why a bias row (axis 0 of a matrix) or a bias entry does not belong."""
    if ndim == 2 and ax == 0:  # a bias row: W̄ʰ, whose row 0 multiplies X̄'s ones column
        return "e.g. W̄ʰ where W belongs: row 0 of W̄ʰ holds the biases"
    return (
        "e.g. w̄ᵒ where wᵒ belongs: the bias w₀ᵒ multiplies the constant column of H̄, "
        "which does not depend on W̄ʰ, so only the bias-free wᵒ belongs"
    )


def _extra_at_start(first, E, ax, q, w):
    """Without its leading ``first`` the answer is correct: a bias, or a range started early."""
    head = w.head
    found = _leading_bias_columns(first, E, q, w) if ax == 1 else None
    if found is not None:
        return found
    if q.bias_free:
        return (
            "bias included",
            f"{head}: it has {w.extra} at the start, and without {w.them} yours is correct. So "
            f"a bias entry is included where the bias-free quantity belongs ({w.why})",
        )
    whole = _whole_jacobian(first, E, q, leading=True) if ax == 1 else None
    if whole is not None:
        return "shape", f"{head}: {whole}"
    return (
        "shape",
        f"{head}: it has {w.extra} at the start, and without {w.them} yours is correct. Check "
        "where your range, grid or loop starts",
    )


def _leading_bias_columns(first, E, q, w):
    """The leading columns are a bias: ones of a closure [1 M], or one block too many."""
    head, k = w.head, first.shape[1]
    if np.all(first == 1):
        return (
            "bias included",
            f"{head}: it starts with {w.extra} of ones, the constant column a closure "
            f"[1 M] adds, and without {w.them} yours is correct. So the bias column is "
            "included: e.g. H̄ = [1 H] where H belongs, or X̄ where X belongs",
        )
    if _one_more_hidden_block(first, E, q.tol):
        return (
            "bias included",
            f"{head}: its first {k} columns are one more column block of D_W̄ʰ y, X̄ with "
            "its rows scaled like the others, and without them yours is correct: one block "
            "per entry of w̄ᵒ where there is one per hidden unit. So the bias w₀ᵒ is "
            "included: it multiplies the constant column of H̄, which does not depend on "
            "W̄ʰ, so only the bias-free wᵒ = w̄ᵒ[1:] belongs in wᵒᵀ ⊗ diag(g′(z))",
        )
    if _one_more_kronecker_block(first, E, q.tol):
        return (
            "bias included",
            f"{head}: its first {k} columns are one more block of a Kronecker product, a "
            f"multiple of each of the other blocks, and without them it is correct: "
            "w̄ᵒᵀ ⊗ X̄ where wᵒᵀ ⊗ X̄ belongs. So a bias entry is included: the bias w₀ᵒ "
            "multiplies the constant column of H̄, which does not depend on W̄ʰ, so only "
            "the bias-free wᵒ belongs",
        )
    return None


def _extra_at_end(last, E, ax, q, w):
    """Without its trailing ``last`` the answer is correct: a bias put last, or a late end."""
    head = w.head
    whole = _whole_jacobian(last, E, q, leading=False)
    if ax == 1 and whole is not None:
        return "shape", f"{head}: {whole}"
    if q.bias_free:
        return (
            "bias included",
            f"{head}: it has {w.extra} at the end, and without {w.them} yours is correct. So a "
            f"bias entry is included where the bias-free quantity belongs ({w.why}); note "
            "also that the lecture puts the bias first, not last",
        )
    return (
        "shape",
        f"{head}: it has {w.extra} at the end, and without {w.them} yours is correct. Check "
        "where your range, grid or loop ends",
    )


def _one_more_hidden_block(first, E, tol):
    """Whether ``[first E]`` has the block structure of ``D_W̄ʰ y`` with one block more.

    With activations the extra block of ``[w̄ᵒᵀ ⊗ diag(g′)] diag(f′) (I ⊗ X̄)`` is not a
    multiple of the others, but it is still X̄ with its rows scaled, as every block is.
    """
    k = first.shape[1]
    if k < 2 or E.shape[1] % k or E.shape[1] // k < 1:
        return False
    blocks = _hidden_layer_blocks(np.hstack([first, E]), k, E.shape[1] // k + 1, tol)
    return blocks is not None and np.any(first)


def _one_more_kronecker_block(first, E, tol):
    """Whether ``[first E] = w̄ᵀ ⊗ B`` while ``E = wᵀ ⊗ B``: ``first`` is ``w₀ B``.

    Every block of E (as wide as ``first``) and ``first`` itself must be a multiple of one
    block B, the fingerprint of a Kronecker product with a row vector.
    """
    k = first.shape[1]
    if k < 2 or E.shape[1] % k:
        return False
    blocks = [first] + [E[:, j : j + k] for j in range(0, E.shape[1], k)]
    B = max(blocks, key=np.linalg.norm)
    if not np.any(B):
        return False
    return all(_close(np.vdot(B, Bj) / np.vdot(B, B) * B, Bj, tol) for Bj in blocks)


def _whole_jacobian(rest, E, q, leading):
    """Say so when the answer is ``D_w̄ y = [D_W̄ʰ y  D_w̄ᵒ y]`` and one block was asked for.

    ``rest`` is the part of the answer beyond the expected block. The counts must fit: with
    p hidden units, ``D_W̄ʰ y`` has n̄p columns with the block structure of
    :func:`_hidden_layer_blocks`, and ``D_w̄ᵒ y`` has p̄ = p + 1.
    """
    if E.ndim != 2:
        return None
    if leading:  # D_w̄ᵒ y asked for: the n̄p columns of D_W̄ʰ y come first
        p = E.shape[1] - 1
        if (
            p < 1
            or rest.shape[1] % p
            or _hidden_layer_blocks(rest, rest.shape[1] // p, p, q.tol) is None
        ):
            return None
        where = f"its last {E.shape[1]} columns"
    else:  # D_W̄ʰ y asked for: the p̄ columns of D_w̄ᵒ y follow
        p = rest.shape[1] - 1
        if q.wrt_shape is not None:
            if q.wrt_shape[1] != p or E.shape[1] != q.wrt_shape[0] * p:
                return None
        elif p < 1 or E.shape[1] % p or _hidden_layer_blocks(E, E.shape[1] // p, p, q.tol) is None:
            return None
        where = f"its first {E.shape[1]} columns"
    return (
        "this is D_w̄ y = [D_W̄ʰ y  D_w̄ᵒ y], the Jacobian with respect to all weights "
        f"w̄ = [vec W̄ʰ; w̄ᵒ]; the question asks for the {q.symbol} block, {where}, which in "
        "yours are correct"
    )


def _missing_feedback(S, E, ax, head, q):
    """The answer is shorter along axis ``ax``: say what is missing, if it is at an end."""
    n, k = S.shape[ax], E.shape[ax] - S.shape[ax]
    one, many = _noun(S.ndim, ax)
    missing = one if k == 1 else f"{k} {many}"  # "its first entry", "its first 2 entries"
    if _close(S, np.take(E, np.arange(k, k + n), axis=ax), q.tol):
        lead = np.take(E, np.arange(k), axis=ax)
        if ax == 1 and np.all(lead == 1):
            return (
                "shape",
                f"{head}: the leading column of ones of the closure is missing (e.g. H where "
                "H̄ = [1 H] belongs, or X where X̄ = [1 X] belongs)",
            )
        return "shape", f"{head}: yours is the expected answer without its first {missing}"
    if _close(S, np.take(E, np.arange(n), axis=ax), q.tol):
        return "shape", f"{head}: yours is the expected answer without its last {missing}"
    return None


# -- answers that are functions --------------------------------------------------------------

_BROADCAST = re.compile(r"shapes? ((?:\([0-9, ]*\)\s*)+)")
_MATMUL = re.compile(r"size (\d+) is different from (\d+)")


def check_function(student_fn, args, expected, symbol, *, name=None, bias=None, **context):
    """Call the student's function on ``args`` and :func:`check` what it returns.

    The call runs inside a ``try``, so an exception becomes feedback instead of a traceback:
    numpy's broadcasting and ``@`` errors are explained in words (numpy lines up the *last*
    axes; a vector scales rows as ``v[:, None] * M``), and when ``bias`` is given, an error
    between a length k and k + 1 is named as the bias slip (``w̄ᵒ`` where ``wᵒ`` belongs).

    Parameters
    ----------
    student_fn : callable, or ``...``/None
        The function from the answer cell; ``...`` or None gives "not answered".
    args : tuple
        Positional arguments of the call.
    expected, symbol, **context
        As in :func:`check`.
    name : str, optional
        The function's name in messages (default: its ``__name__``).
    bias : (str, str, int), optional
        ``(barred, bias_free, k)``: the symbols of an argument with and without its bias
        entry, and the bias-free length, e.g. ``("w̄ᵒ", "wᵒ", p)``.

    Returns
    -------
    Feedback
    """
    name = name or getattr(student_fn, "__name__", "your function")
    if _unanswered(student_fn):
        return Feedback(
            False,
            "not answered",
            f"{name} is not written yet: replace the ... in the answer cell with your "
            f"function's body (it returns {symbol}), run that cell, then run this one again.",
            symbol,
        )
    if not callable(student_fn):
        return Feedback(
            False,
            "unreadable",
            f"{name} should be a function (def {name}(...): ... return ...); got "
            f"{type(student_fn).__name__}",
            symbol,
        )
    try:
        result = student_fn(*args)
    except Exception as err:  # a student's code may raise anything; say what and where
        return _exception_feedback(err, name, symbol, bias)
    if _unanswered(result):  # the stub's body, `return ...`
        want = _describe(np.shape(_as_numpy(expected)))
        return Feedback(
            False,
            "not answered",
            (
                f"{name} returns None: does it end with a return statement? It should return "
                if result is None
                else f"{name} is not written yet (it returns ...): write its body to return "
            )
            + f"{symbol} ({want}); run that cell, then run this one again.",
            symbol,
        )
    return check(result, expected, symbol, **context)


def _exception_feedback(err, name, symbol, bias):
    """Feedback for an exception raised inside the student's function."""
    text = str(err).split("\n")[0]
    where = _student_line(err)
    head = f"{name} raised {type(err).__name__}{where}: {text}"
    lengths = []
    if isinstance(err, ValueError):
        found = _BROADCAST.search(text)
        if found and "broadcast" in text:
            shapes = [
                tuple(int(k) for k in re.findall(r"\d+", t))
                for t in re.findall(r"\([0-9, ]*\)", found.group(1))
            ]
            lengths = [s[-1] for s in shapes if s]
            words = " and ".join(shape_str(s) if len(s) != 1 else f"length {s[0]}" for s in shapes)
            head += (
                f". numpy could not combine arrays of shapes {words}: element-wise operations "
                "line up the last axes, so a vector meets the columns of a matrix (to scale "
                "its rows instead, write v[:, None] * M, which is diag(v) M)"
            )
        found = _MATMUL.search(text)
        if found:
            lengths = [int(found.group(1)), int(found.group(2))]
            head += ". In a product A @ B the columns of A must match the rows of B"
    if bias is not None and lengths:
        barred, free, k = bias
        if k in lengths and k + 1 in lengths:
            return Feedback(
                False,
                "bias included",
                f"{head}. A length {k + 1} meets a length {k}: that is {barred}, with its bias "
                f"entry first, where the bias-free {free} ({k} entries, {barred} without its "
                f"first) belongs. The bias multiplies a constant, which does not depend on "
                f"the weights being differentiated, so only {free} enters the derivative",
                symbol,
            )
    return Feedback(False, "error", head, symbol)


def _student_line(err):
    """``" in line 4: `scale = ...`"``: the last line of the traceback outside numpy and us."""
    here = __file__.rsplit("/", 1)[0]
    frames = [
        f
        for f in traceback.extract_tb(err.__traceback__)
        if not f.filename.startswith(here)
        and "site-packages" not in f.filename
        and f.filename != __file__
    ]
    if not frames or not frames[-1].line:
        return ""
    return f" at `{frames[-1].line.strip()}`"


# -- answers in several parts ----------------------------------------------------------------


def combine(parts, symbol=""):
    """One :class:`Feedback` for an answer in several parts, one line per part.

    Correct when every part is; "not answered" while every part is; otherwise the diagnosis
    of the first part that is wrong (or not answered yet).
    """
    parts = list(parts)
    if all(p.correct for p in parts):
        diagnosis = "correct"
    elif all(p.diagnosis == "not answered" for p in parts):
        diagnosis = "not answered"
    else:
        diagnosis = next(p.diagnosis for p in parts if not p.correct)
    lines = [("✔ " if p.correct else "✘ ") + p.message for p in parts]
    if diagnosis == "not answered":
        lines = ["not answered yet: fill in the answer cell above, run it, then run this one."]
        lines += ["  · " + p.message for p in parts]
    return Feedback(diagnosis == "correct", diagnosis, "\n".join(lines), symbol)


def check_shape(student, expected, symbol):
    """Check a shape given as a tuple of integers, e.g. ``(50, 5)``; a vector is ``(k,)``.

    Names the slips of shape bookkeeping: the transposed shape, one row or column too many or
    too few (the column of ones, or the bias: n̄ = n + 1), and a vector written as a matrix.
    """
    what = f"the shape of {symbol}"
    exp = tuple(int(k) for k in expected)
    if _unanswered(student):
        return Feedback(
            False,
            "not answered",
            _not_answered_message(
                student, what, "a tuple of integers, e.g. (5, 3); a vector of length k is (k,)"
            ),
            what,
        )
    try:
        got = (int(student),) if np.ndim(student) == 0 else tuple(int(k) for k in student)
    except (TypeError, ValueError):
        return Feedback(
            False,
            "unreadable",
            f"{what}: give a tuple of integers such as (5, 3); got {student!r}",
            what,
        )
    if any(float(a) != b for a, b in zip(np.ravel(student), got, strict=True)):
        return Feedback(
            False, "unreadable", f"{what}: the sizes must be whole numbers; got {student!r}", what
        )
    shown = shape_str(exp) if len(exp) > 1 else f"({exp[0]},), a vector of length {exp[0]}"
    if got == exp or (len(exp) == 1 and sorted(got) == [1, exp[0]]):
        return Feedback(True, "correct", f"correct: {what} is {shown}", what)
    if len(got) == len(exp) == 2 and got == exp[::-1]:
        return Feedback(
            False,
            "missing transpose",
            f"{what}: yours, {shape_str(got)}, is transposed: rows and columns swapped",
            what,
        )
    if len(got) == len(exp):
        off = [i for i in range(len(exp)) if got[i] != exp[i]]
        if len(off) == 1 and abs(got[off[0]] - exp[off[0]]) == 1:
            axis = ("rows", "columns")[off[0]] if len(exp) == 2 else "entries"
            more = "one too many" if got[off[0]] > exp[off[0]] else "one too few"
            return Feedback(
                False,
                "shape",
                f"{what}: yours, {shape_str(got)}, has {more} {axis}: count the constant "
                "feature (the column of ones of a closure) and the bias entry it multiplies: "
                "n̄ = n + 1, p̄ = p + 1, and which quantities carry the bar?",
                what,
            )
    return Feedback(
        False,
        "shape",
        f"{what}: yours, {shape_str(got)}, is not the expected size: write each dimension "
        "in symbols first, then substitute",
        what,
    )


def _with_slips(feedback, student, slips, symbol):
    """Replace a generic verdict by a named slip when the answer is exactly that slip.

    ``slips`` is a list of ``(diagnosis, message, wrong_answer)``: what a known wrong
    formula gives on the same input.
    """
    if feedback.correct or feedback.diagnosis not in ("values", "shape"):
        return feedback
    for diagnosis, message, wrong in slips:
        if check(student, wrong, symbol).correct:
            return Feedback(False, diagnosis, f"{symbol}: {message}", symbol)
    return feedback


# -- the chapters' exercises -----------------------------------------------------------------
# Each entry draws its own seeded check point where it needs one, so that a check cell is
# one line, check_exercise(label, name=answer, ...), and shows nothing of the answer.


def _shapes(answers, expected, symbols):
    return [check_shape(answers.get(k, ...), expected[k], symbols[k]) for k in expected]


def _ex_01_shapes(a):
    m, n = 50, 4
    exp = {"X": (m, n), "Xbar": (m, n + 1), "wbar": (n + 1,), "y": (m,), "D": (m, n + 1)}
    sym = {"X": "X", "Xbar": "X̄", "wbar": "w̄", "y": "y", "D": "D_w̄ y"}
    parts = _shapes(a, exp, sym)
    parts.append(check(a.get("unknowns", ...), n + 1, "the number of unknown weights"))
    return parts


def _checkpoint(seed, m=7, n=2):
    rng = np.random.default_rng(seed)
    Xbar = np.column_stack([np.ones(m), rng.normal(size=(m, n))])
    return rng, Xbar, rng.normal(size=n + 1), rng.normal(size=m)


def _ex_01_normal(a):
    _, Xbar, w, d = _checkpoint(101)
    r = Xbar @ w - d
    fb = check_function(a.get("descent_direction", ...), (Xbar, w, d), Xbar.T @ r, "(D_w̄ ℓ)ᵀ")
    slips = [
        (
            "values",
            "your answer is X̄ᵀX̄w̄: the data d is missing from the residual X̄w̄ − d",
            Xbar.T @ Xbar @ w,
        )
    ]
    student = _call_quietly(a.get("descent_direction"), (Xbar, w, d))
    return [_with_slips(fb, student, slips, "(D_w̄ ℓ)ᵀ")]


def _call_quietly(fn, args):
    try:
        return fn(*args) if callable(fn) else None
    except Exception:
        return None


def _ex_02_jacobian_size(a):
    m, n, p = 200, 4, 16
    parts = _shapes(a, {"A": (m, p), "D": (m * p, m * p)}, {"A": "A", "D": "D_A f(A)"})
    for key, value, sym in (
        ("entries", (m * p) ** 2, "the number of entries of D_A f(A)"),
        ("nonzero", m * p, "the number of entries that can be non-zero"),
        ("bytes_explicit", 8 * (m * p) ** 2, "the bytes of the explicit D_A f(A)"),
        ("bytes_structured", 8 * m * p, "the bytes of the structured form f′(A)"),
    ):
        fb = check(a.get(key, ...), value, sym)
        slips = [
            (
                "shape",
                "this is the count for m·n̄ (or m·n) rows: A = X̄W̄ʰ is m×p, so D_A f(A) is mp × mp",
                v,
            )
            for v in (
                (8 if "bytes" in key else 1)
                * (m * k) ** (1 if key in ("nonzero", "bytes_structured") else 2)
                for k in (n, n + 1)
            )
        ]
        parts.append(_with_slips(fb, a.get(key, ...), slips, sym))
    return parts


def _ex_02_logistic_jacobian(a):
    rng, Xbar, w, _ = _checkpoint(202)
    d = (rng.uniform(size=Xbar.shape[0]) < 0.5).astype(float)
    y = 1 / (1 + np.exp(-Xbar @ w))
    jac = check_function(
        a.get("logistic_jacobian", ...),
        (Xbar, w),
        (y * (1 - y))[:, None] * Xbar,
        "D_w̄ y",
        shape_label="m×n̄",
    )
    grad = check_function(a.get("nll_gradient", ...), (Xbar, w, d), Xbar.T @ (y - d), "(D_w̄ ℓ)ᵀ")
    wrong = _call_quietly(a.get("logistic_jacobian"), (Xbar, w))
    jac = _with_slips(
        jac,
        wrong,
        [
            (
                "missing factor",
                "your answer is X̄ alone: diag(σ′(X̄w̄)) = diag(y ⊙ (1 − y)) is missing, "
                "the derivative of the sigmoid",
                Xbar,
            ),
            (
                "missing factor",
                "your rows are scaled by y, not by σ′ = y ⊙ (1 − y)",
                y[:, None] * Xbar,
            ),
        ],
        "D_w̄ y",
    )
    return [jac, grad]


def _ex_02_collapse(a):
    rng = np.random.default_rng(203)
    Wh, wo = rng.normal(size=(4, 3)), rng.normal(size=4)
    fb = check_function(
        a.get("collapse", ...),
        (Wh, wo),
        Wh @ wo[1:] + wo[0] * np.eye(4)[0],
        "w̄",
        bias=("w̄ᵒ", "wᵒ", 3),
    )
    wrong = _call_quietly(a.get("collapse"), (Wh, wo))
    fb = _with_slips(
        fb,
        wrong,
        [
            (
                "values",
                "the output bias w₀ᵒ is missing: y = 1 w₀ᵒ + X̄ W̄ʰ wᵒ, and 1 = X̄ e₀, so "
                "w₀ᵒ adds to the first entry of w̄",
                Wh @ wo[1:],
            ),
            (
                "bias included",
                "w₀ᵒ is added to every entry: it multiplies the column of ones, the first "
                "column of X̄, so it adds to the first entry of w̄ only",
                Wh @ wo[1:] + wo[0],
            ),
        ],
        "w̄",
    )
    n, p = 3, 10
    return [
        fb,
        check(
            a.get("weights_network", ...),
            (n + 1) * p + p + 1,
            "the network's number of weights (n̄p + p̄)",
        ),
        check(a.get("weights_linear", ...), n + 1, "the linear model's number of weights"),
    ]


def _ex_03_shapes(a):
    m, n, p = 200, 5, 16
    nb, pb = n + 1, p + 1
    exp = {
        "Xbar": (m, nb),
        "Wh": (nb, p),
        "A": (m, p),
        "H": (m, p),
        "Hbar": (m, pb),
        "wbar_o": (pb,),
        "w_o": (p,),
        "y": (m,),
        "kron": (m * p, nb * p),
    }
    sym = {
        "Xbar": "X̄",
        "Wh": "W̄ʰ",
        "A": "X̄W̄ʰ",
        "H": "H",
        "Hbar": "H̄",
        "wbar_o": "w̄ᵒ",
        "w_o": "wᵒ",
        "y": "y",
        "kron": "I_p ⊗ X̄",
    }
    parts = _shapes(a, exp, sym)
    parts.append(check(a.get("unknowns", ...), nb * p + pb, "the number of unknowns n̄p + p̄"))
    parts.append(
        check(a.get("fraction", ...), 1 / p, "the fraction that can be non-zero", rtol=1e-3)
    )
    return parts


def _bump(x, a, b, s, h):
    return h / 2 * (np.tanh(s * (x - a)) - np.tanh(s * (x - b)))


def _ex_03_bump_derivation(a):
    rng = np.random.default_rng(303)
    lo, hi = np.sort(rng.uniform(-2, 2, 2))
    s, h = rng.uniform(1, 3), rng.uniform(0.5, 2)
    peak = check_function(
        a.get("bump_peak", ...), (lo, hi, s, h), _bump((lo + hi) / 2, lo, hi, s, h), "y(c)"
    )
    wrong = _call_quietly(a.get("bump_peak"), (lo, hi, s, h))
    peak = _with_slips(
        peak,
        wrong,
        [
            (
                "values",
                "this is h tanh(s(b − a)): at c, x − a = (b − a)/2, half the width",
                h * np.tanh(s * (hi - lo)),
            )
        ],
        "y(c)",
    )
    limits = check(
        a.get("limits", ...), [0.0, 1.0, 0.0], "the limits (x < a, a < x < b, x > b) for h = 1"
    )
    return [peak, limits]


def _ex_03_relu_hat(a):
    from .network import predict

    Wh, wo = a.get("Wh_hat", ...), a.get("wo_hat", ...)
    if _unanswered(Wh) or _unanswered(wo):  # say which of the two is still missing
        stubs = [(Wh, np.zeros((2, 3)), "W̄ʰ"), (wo, np.zeros(4), "w̄ᵒ")]
        return [check(..., shape, name) for given, shape, name in stubs if _unanswered(given)]
    x = np.linspace(-3, 3, 121)
    try:
        y = predict(x, Wh, wo, f="relu", g="identity")
    except (ValueError, TypeError) as err:
        return [Feedback(False, "shape", f"the network refused your weights: {err}", "y")]
    return [check(y, np.maximum(0, 1 - np.abs(x)), "y on a grid of [−3, 3]")]


def _ex_04_shapes(a):
    m, n, p = 1000, 10, 32
    nb = n + 1
    exp = {"left": (m, m * p), "middle": (m * p, m * p), "right": (m * p, nb * p), "D": (m, nb * p)}
    sym = {"left": "wᵒᵀ ⊗ diag(g′)", "middle": "diag(f′(vec A))", "right": "I_p ⊗ X̄", "D": "D_W̄ʰ y"}
    parts = _shapes(a, exp, sym)
    factors = 8 * (m * m * p + (m * p) ** 2 + m * p * nb * p)
    parts.append(check(a.get("bytes_factors", ...), factors, "the bytes of the three factors"))
    parts.append(check(a.get("bytes_D", ...), 8 * m * nb * p, "the bytes of D_W̄ʰ y"))
    return parts


def _ex_04_spot(a):
    m, p = 6, 3
    return [
        check_shape(
            a.get("shape_first_factor", ...), (m, m * (p + 1)), "(w̄ᵒ)ᵀ ⊗ diag(g′) for m = 6, p = 3"
        ),
        check(a.get("index_to_drop", ...), 0, "the index (from 0) of the entry of w̄ᵒ that goes"),
    ]


_EXERCISES = {
    "ex-01-shapes": _ex_01_shapes,
    "ex-01-normal": _ex_01_normal,
    "ex-02-jacobian-size": _ex_02_jacobian_size,
    "ex-02-logistic-jacobian": _ex_02_logistic_jacobian,
    "ex-02-collapse": _ex_02_collapse,
    "ex-03-shapes": _ex_03_shapes,
    "ex-03-bump-derivation": _ex_03_bump_derivation,
    "ex-03-relu-hat": _ex_03_relu_hat,
    "ex-04-shapes": _ex_04_shapes,
    "ex-04-spot": _ex_04_spot,
}

#: The exercises :func:`check_exercise` knows, by label.
EXERCISES = tuple(_EXERCISES)


def check_exercise(label, **answers) -> Feedback:
    """Check the answer to one of the chapters' exercises, part by part.

    Parameters
    ----------
    label : str
        The exercise's label, e.g. ``"ex-01-shapes"`` (one of :data:`EXERCISES`).
    **answers
        The names of the answer cell, as the exercise asks for them; a part still ``...``
        is "not answered".

    Returns
    -------
    Feedback
        One line per part; correct when every part is.
    """
    if label not in _EXERCISES:
        raise ValueError(
            f"no exercise {label!r}{_suggest(label, EXERCISES)} (known: {', '.join(EXERCISES)})"
        )
    with np.errstate(over="ignore", invalid="ignore"):
        return combine(_EXERCISES[label](answers), label)
