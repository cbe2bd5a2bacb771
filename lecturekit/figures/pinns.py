"""Chapter 7's figures: a PINN's solution against the exact one, its error and its losses."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def poisson_figure(model, x_test, x_col, exact, relative_error, switch_step):
    """The Poisson PINN in three stacked panels: solution, pointwise error, loss terms.

    Parameters
    ----------
    model : fitted PINN
        With ``predict(x)`` and a ``history`` of the loss terms ``"pde"`` and ``"bc"``.
    x_test : ndarray, shape (k, 1)
        Where the solution is drawn.
    x_col : ndarray
        The collocation points (marked on the axis).
    exact : callable
        The exact solution ``u(x)``.
    relative_error : float
        The relative L2 error, for the title.
    switch_step : int
        The step at which the optimiser changes (Adam → Levenberg–Marquardt).

    Returns
    -------
    matplotlib.figure.Figure
    """
    u_pinn, u_exact = model.predict(x_test), exact(x_test)
    fig, axes = plt.subplots(3, 1, figsize=(8, 9.5))  # stacked: each panel keeps its size
    axes[0].plot(x_test, u_exact, "k", lw=3, alpha=0.3, label="exact sin(πx)")
    axes[0].plot(x_test, u_pinn, "C0--", label="PINN")
    axes[0].plot(x_col, 0 * np.asarray(x_col), "|", color="C1", ms=10, label="collocation points")
    axes[0].set(title="Poisson: solution", xlabel="x", ylabel="u(x)")
    axes[0].legend()
    axes[1].plot(x_test, u_pinn - u_exact, "C0")
    axes[1].set(
        title=f"pointwise error (relative L2 {relative_error:.1e})",
        xlabel="x",
        ylabel="u_PINN − u_exact",
    )
    for term in ("pde", "bc"):
        axes[2].semilogy(model.history[term], label=term)
    axes[2].axvline(switch_step, color="gray", ls=":", label="Adam → LM")
    axes[2].set(title="loss terms during training", xlabel="step", ylabel="mean square")
    axes[2].legend()
    fig.tight_layout()
    return fig
