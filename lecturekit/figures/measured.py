"""Chapter 6's measured figure: time and memory of the gradient, three ways."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

COLOURS = ("C3", "C2", "C0")


def gradient_sweep_figure(sweep, methods, n, p, budget_bytes, repeat=3):
    """Time and peak memory against m for each method of a gradient sweep, side by side.

    Parameters
    ----------
    sweep : sequence of records
        Each with ``method``, ``m``, ``seconds`` (NaN where the method was refused) and
        ``peak_bytes``, as :func:`lecturekit.measure.sweep_gradient` returns them.
    methods : sequence of str
        The methods, in the order of the legend.
    n, p : int
        Inputs and hidden units of the sweep (for the title).
    budget_bytes : int
        The Kronecker method's memory budget, beyond which it is refused.
    repeat : int
        Runs per point (the fastest is shown).

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, (ax_t, ax_m) = plt.subplots(1, 2, figsize=(11, 4.2))
    for method, colour in zip(methods, COLOURS, strict=False):
        points = [r for r in sweep if r.method == method and np.isfinite(r.seconds)]
        ms = [r.m for r in points]
        ax_t.loglog(ms, [r.seconds * 1e3 for r in points], "o-", color=colour, label=method)
        ax_m.loglog(ms, [r.peak_bytes / 2**20 for r in points], "o-", color=colour, label=method)
    ax_t.set(
        xlabel="number of observations m",
        ylabel="time per gradient (ms)",
        title=f"Time (fastest of {repeat} runs)",
    )
    ax_m.set(
        xlabel="number of observations m",
        ylabel="peak memory allocated (MiB)",
        title="Peak memory during one gradient",
    )
    for ax in (ax_t, ax_m):
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(title="method")
    fig.suptitle(
        f"∂ℓ/∂W̄ʰ three ways (n = {n}, p = {p}); "
        f"kron refused beyond a {budget_bytes // 2**20} MiB budget"
    )
    fig.tight_layout()
    return fig
