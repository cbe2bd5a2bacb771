"""Tables the chapters show, laid out from results computed elsewhere in the package.

A chapter's cell computes or measures its numbers with the modules of the package and then
calls one function here to lay them out, so that the notebook shows a call, not a page of
string formatting. Every function returns a string: Markdown for :func:`markdown_table` and the
tables built on it (a notebook shows it with ``IPython.display.Markdown``), plain fixed-width
text for :func:`reconstruction_table`, which a chapter prints.

Chapter 6: :func:`gradient_memory_table`, the sweep of
:func:`lecturekit.measure.sweep_gradient` at one m, with :func:`memory_exponent`, the fitted
growth of its peak memory; :func:`torch_table`, the timings of
:func:`lecturekit.measure.compare_with_torch`; :func:`profile_table`, the passes of one gradient
timed by :func:`lecturekit.measure.profile_gradient`. Chapter 7: :func:`reconstruction_table`, the
PINN against the classical methods; :func:`read_results` and :func:`burgers_sentence`, the
Burgers benchmark's file (``make bench``) in words. Every chapter: :func:`sci`, a number in the
prose's notation (``4·10⁻⁴``), for the results a chapter glues into its text.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "markdown_table",
    "memory_exponent",
    "gradient_memory_table",
    "torch_table",
    "profile_table",
    "reconstruction_table",
    "sci",
    "read_results",
    "burgers_sentence",
    "schedule_name",
]

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def sci(x, digits=2):
    """``x`` as the prose writes it: ``a·10ᵇ`` with ``digits`` significant digits, or plain.

    Numbers from 0.01 to 10 000 are written plainly (``0.25``, ``160``); others as a mantissa
    times a power of ten (``2.2·10⁴``, ``4·10⁻⁴``), a mantissa of 1 left out (``10⁻¹⁰``).

    Parameters
    ----------
    x : float
        A finite number.
    digits : int
        Significant digits, at least 1.
    """
    x = float(x)
    if not np.isfinite(x) or digits < 1:
        raise ValueError(f"sci needs a finite number and digits ≥ 1; got {x!r}, {digits!r}")
    if x == 0 or 1e-2 <= abs(x) < 1e4:
        return np.format_float_positional(x, precision=digits, fractional=False, trim="-")
    mantissa, exponent = f"{x:.{digits - 1}e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    power = "10" + str(int(exponent)).translate(_SUPERSCRIPT)
    if mantissa in ("1", "-1"):
        return power if mantissa == "1" else "-" + power
    return f"{mantissa}·{power}"


def markdown_table(header, rows):
    """A Markdown table from a header and rows of already formatted strings.

    Parameters
    ----------
    header : sequence of str
        The column titles.
    rows : iterable of sequences of str
        One entry per column in each row.

    Returns
    -------
    str
        ``| h₁ | h₂ |``, a ``| --- |`` separator, then one line per row.
    """
    header = [str(h) for h in header]
    if not header:
        raise ValueError("header must name at least one column; got none")
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for i, row in enumerate(rows):
        row = [str(v) for v in row]
        if len(row) != len(header):
            raise ValueError(f"row {i} has {len(row)} cells but the header has {len(header)}")
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def memory_exponent(sweep, method, m_min=32):
    """The exponent k of a power law ``peak memory ≈ c mᵏ`` fitted to a measured sweep.

    A least-squares line through ``(log m, log peak)`` over the sizes ``m ≥ m_min`` that
    ``method`` was not refused at (refused sizes are NaN in the sweep); its slope is k.
    Small m are left out because fixed allocations dominate there.

    Parameters
    ----------
    sweep : iterable of lecturekit.measure.SweepRow
        Rows with ``method``, ``m`` and ``peak_bytes``.
    method : str
        The method whose rows are fitted.
    m_min : int
        The smallest m used in the fit.

    Returns
    -------
    float
        The fitted k: 1 for memory proportional to m, 2 for m².
    """
    pts = [
        r
        for r in sweep
        if r.method == method and r.m >= m_min and np.isfinite(r.peak_bytes) and r.peak_bytes > 0
    ]
    if len({r.m for r in pts}) < 2:
        raise ValueError(
            f"fitting peak memory ∝ mᵏ for {method!r} needs measurements at two or more sizes "
            f"m ≥ {m_min}; got {len({r.m for r in pts})}"
        )
    log_m = np.log([float(r.m) for r in pts])
    log_peak = np.log([float(r.peak_bytes) for r in pts])
    return float(np.polyfit(log_m, log_peak, 1)[0])


def gradient_memory_table(sweep, m, largest_entries, m_min=32):
    """Markdown table of the gradient methods at one size m: counted and measured memory.

    One row per method measured at ``m``, in the sweep's order: the entries of the largest
    array the method forms (counted from the shapes, also in MiB at 8 bytes an entry), the
    measured time and peak memory, and the exponent k of ``peak ∝ mᵏ`` fitted over the whole
    sweep (:func:`memory_exponent`).

    Parameters
    ----------
    sweep : list of lecturekit.measure.SweepRow
        The measurements of :func:`lecturekit.measure.sweep_gradient`.
    m : int
        The number of observations the table shows.
    largest_entries : mapping of str to int
        For each method, the entries of its largest array at ``m``.
    m_min : int
        The smallest m used in fitting k.

    Returns
    -------
    str
    """
    at_m = [r for r in sweep if r.m == m]
    if not at_m:
        raise ValueError(
            f"the sweep has no measurement at m = {m}; it has m = {sorted({r.m for r in sweep})}"
        )
    missing = [r.method for r in at_m if r.method not in largest_entries]
    if missing:
        raise ValueError(f"largest_entries has no count for the method(s) {missing}")
    header = [
        "method",
        f"largest array at m = {m} (counted)",
        "time (measured)",
        "peak memory (measured)",
        "memory ∝ mᵏ, fitted k",
    ]
    rows = []
    for r in at_m:
        entries = largest_entries[r.method]
        rows.append(
            [
                r.method,
                f"{entries:,} entries ({8 * entries / 2**20:.3g} MiB)",
                f"{r.seconds * 1e3:.3g} ms",
                f"{r.peak_bytes / 2**20:.3g} MiB",
                f"{memory_exponent(sweep, r.method, m_min):.2f}",
            ]
        )
    return markdown_table(header, rows)


def torch_table(timed):
    """Markdown table of the engine, the hand-derived gradient and PyTorch, size by size.

    Parameters
    ----------
    timed : iterable of lecturekit.measure.TorchRow
        The rows of :func:`lecturekit.measure.compare_with_torch`: seconds per gradient for
        the engine (``autodiff``), by hand (``by_hand``) and PyTorch (``torch``), and the
        largest relative difference of the engine's gradients from PyTorch's.

    Returns
    -------
    str
        Times in ms, the two ratios to PyTorch and the relative difference.
    """
    header = [
        "(m, n, p)",
        "engine",
        "by hand",
        "PyTorch",
        "engine / PyTorch",
        "by hand / PyTorch",
        "max rel. difference",
    ]
    rows = [
        [
            f"({t.m}, {t.n}, {t.p})",
            f"{t.autodiff * 1e3:.3g} ms",
            f"{t.by_hand * 1e3:.3g} ms",
            f"{t.torch * 1e3:.3g} ms",
            f"{t.autodiff / t.torch:.2f}",
            f"{t.by_hand / t.torch:.2f}",
            f"{t.max_rel_diff:.1e}",
        ]
        for t in timed
    ]
    return markdown_table(header, rows)


def reconstruction_table(u_exact, *, methods, u, mu, seconds, needs):
    """Fixed-width table comparing reconstructions of u and estimates of μ, method by method.

    The error of each reconstruction is the relative L2 error ``‖u − u_exact‖₂ / ‖u_exact‖₂``
    on the evaluation points (:func:`lecturekit.pinn.relative_l2`). The columns are given as
    lists, one entry per method.

    Parameters
    ----------
    u_exact : array_like
        The exact solution on the evaluation points.
    methods : sequence of str
        The methods' names.
    u : sequence of array_like
        Each method's reconstruction on the same points as ``u_exact``.
    mu : sequence of float
        Each method's estimate μ̂.
    seconds : sequence of float
        Each method's run time.
    needs : sequence of str
        What each method needs to know.

    Returns
    -------
    str
        A header line and one line per method.
    """
    from .pinn import relative_l2

    columns = {"u": u, "mu": mu, "seconds": seconds, "needs": needs}
    for name, column in columns.items():
        if len(column) != len(methods):
            raise ValueError(
                f"{name} has {len(column)} entries but there are {len(methods)} methods"
            )
    u_exact = np.asarray(u_exact, dtype=float)
    lines = [f"{'method':24s} {'rel. L2 of u':>12s} {'mu_hat':>8s} {'time':>9s}   needs to know"]
    for name, u_k, mu_k, sec, need in zip(methods, u, mu, seconds, needs, strict=True):
        u_k = np.asarray(u_k, dtype=float)
        if u_k.shape != u_exact.shape:
            raise ValueError(
                f"u of {name!r} has shape {u_k.shape}, but u_exact has shape {u_exact.shape}"
            )
        err = relative_l2(u_k, u_exact)
        lines.append(f"{name:24s} {err:12.1e} {mu_k:8.3f} {sec:8.3f}s   {need}")
    return "\n".join(lines)


def profile_table(profile):
    """Markdown table of a gradient's passes: milliseconds and share of their sum.

    Parameters
    ----------
    profile : dict of str to float
        Pass name to seconds, e.g. :func:`lecturekit.measure.profile_gradient`.

    Returns
    -------
    str
    """
    total = sum(profile.values())
    if not total > 0:
        raise ValueError(f"the passes' times must add up to more than 0 s; got {total!r}")
    rows = [[name, f"{t * 1e3:.3g} ms", f"{100 * t / total:.0f} %"] for name, t in profile.items()]
    return markdown_table(["pass", "time", "share"], rows)


def read_results(path):
    """The JSON results file ``make bench`` wrote at ``path``, or None where it is absent (a
    notebook opened alone, on Colab or from the student release, has no ``benchmarks/``)."""
    import json
    from pathlib import Path

    path = Path(path)
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def burgers_sentence(results):
    """The Burgers benchmark (``benchmarks/results/burgers.json``) in one sentence.

    For each engine and schedule: how many runs reached the paper's error, and the median and
    range of their seconds to it, or, where none did, the range of the final errors and the
    longest run. Without results (None) the sentence says where the table is.
    """
    if results is None:
        return "The Burgers benchmark's table is on the book's Benchmarks page (make bench)."
    runs, cores = results["runs"], results["machine"]["cores"]
    first = runs[0]
    parts = []
    for engine, schedule in dict.fromkeys((r["engine"], r["schedule"]) for r in runs):
        group = [r for r in runs if (r["engine"], r["schedule"]) == (engine, schedule)]
        times = [r["seconds_to_target"] for r in group if r["seconds_to_target"] is not None]
        parts.append(f"{schedule_name(engine, schedule)} " + _outcome(group, times))
    return (
        f"On Burgers' equation at the size of Raissi et al. ({first['P']:,} weights, "
        f"{first['M']:,} residuals), with the paper's relative L2 error {sci(first['target'])} as "
        f"the target, on {cores} cores: " + "; ".join(parts) + "."
    )


def schedule_name(engine, schedule):
    """A run's engine and schedule as the book names them: ``schedule_name("deepxde",
    "adam+lbfgs")`` is ``"DeepXDE's Adam + L-BFGS"``; lecturekit's L-BFGS is scipy's L-BFGS-B."""
    engine = {"deepxde": "DeepXDE"}.get(engine, engine)
    lbfgs = "L-BFGS-B" if engine == "lecturekit" else "L-BFGS"
    steps = {"adam": "Adam", "lm": "LM", "lbfgs": lbfgs}
    return f"{engine}'s " + " + ".join(steps.get(s, s) for s in schedule.split("+"))


def _outcome(group, times):
    """What a group of runs did: the median (and range) of the seconds to the target, or the
    range of the final errors where no run reached it."""
    n = len(group)
    if times:
        spread = f" ({min(times):.0f}–{max(times):.0f} s)" if len(times) > 1 else ""
        return (
            f"reached it in {len(times)} of {n} runs, in a median of "
            f"{np.median(times):.0f} s{spread}"
        )
    errors = sorted(r["final_error"] for r in group)
    longest = max(r["seconds"] for r in group)
    stood = sci(errors[0]) if n == 1 else f"{sci(errors[0])} to {sci(errors[-1])}"
    runs = "its run" if n == 1 else f"any of {n} runs"
    return f"did not reach it in {runs}: the error stood at {stood} after {longest:.0f} s"
