"""Linearised standard errors of a fitted PINN's physical parameters (Laplace and sandwich).

Divide the residual vector by ``√(w_data/m_d)`` so that its data entries are the raw misfits
eᵈ; with that ``J̃ = D_θ ρ̃`` and ``Λ̃`` scaled alike, ``A = J̃ᵀJ̃ + Λ̃``, the Laplace covariance
is ``σ² A⁻¹`` and the delta method's sandwich ``σ² A⁻¹ J̃_dᵀJ̃_d A⁻¹`` (J̃_d the data rows), with
``σ̂² = ‖eᵈ‖² / (m_d − tr(J̃_d A⁻¹ J̃_dᵀ))`` unless σ is given.
"""

from __future__ import annotations

import numpy as np

from .._validate import check_memory


def parameter_uncertainty(problem, theta, penalty, sigma=None):
    """``{"laplace": {name: se}, "sandwich": {name: se}, "sigma": σ̂ or σ, "dof": m_d − tr}``.

    See :meth:`lecturekit.pinn.PINN.parameter_uncertainty`, which checks the input.
    """
    M, P = len(problem.X), theta.size
    check_memory(
        f"the linearised covariance at M = {M} residuals, P = {P} unknowns",
        {"J = D_θ ρ": (M, P), "A = J̃ᵀJ̃ + Λ̃": (P, P), "A⁻¹": (P, P)},
    )
    rho, J = problem.residuals(theta)
    s = np.sqrt(problem.weights["data"] / problem.data_rows.size)
    J, rho, Lam = J / s, rho / s, penalty / s**2
    Ainv = np.linalg.inv(J.T @ J + np.diag(Lam))
    Jd, e = J[problem.data_rows], rho[problem.data_rows]
    dof = problem.data_rows.size - float(np.trace(Jd @ Ainv @ Jd.T))
    sigma2 = float(e @ e) / dof if sigma is None else sigma**2
    idx = problem.n_net + np.arange(len(problem.param_names))
    laplace = sigma2 * np.diag(Ainv)[idx]
    AJ = Ainv[idx] @ Jd.T
    sandwich = sigma2 * np.sum(AJ * AJ, axis=1)
    names = problem.param_names
    return {
        "laplace": {k: float(np.sqrt(v)) for k, v in zip(names, laplace, strict=True)},
        "sandwich": {k: float(np.sqrt(v)) for k, v in zip(names, sandwich, strict=True)},
        "sigma": float(np.sqrt(sigma2)),
        "dof": dof,
    }
