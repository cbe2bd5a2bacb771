"""Chapter 8: the damped Gauss–Newton step of Levenberg–Marquardt, its gain ratio and damping.

The objective is ``Φ(w̄) = ½‖r(w̄)‖² + ½w̄ᵀΛw̄`` with ``J = D_w̄ r`` and ``Λ = diag(λ)`` (a
scalar λ broadcasts, ``Λ = λI``). Every step below solves the same damped normal equations

``(JᵀJ + Λ + μD) δ = −(Jᵀr + Λw̄)``,

written ``shift = μ·diag(D)``, in one of three forms: stacked least squares (any m, P; does not
square J's condition number), push-through (m ≪ P: an m×m system) or the normal equations'
Cholesky factor (m ≫ P: a P×P system). μ = 0 is the Gauss–Newton step.
"""

from __future__ import annotations

import numpy as np


def objective(r, w, lam):
    """``Φ = ½‖r‖² + ½w̄ᵀΛw̄``, the penalty summed only where λ > 0 (so λ = 0 ignores a huge w̄)."""
    if np.ndim(lam) == 0:
        return 0.5 * float(r @ r) + (0.5 * lam * float(w @ w) if lam else 0.0)
    on = lam > 0
    return 0.5 * float(r @ r) + 0.5 * float(lam[on] @ (w[on] * w[on]))


def gradient(J, r, w, lam):
    """``∇Φ = Jᵀr + Λw̄``."""
    return J.T @ r + lam * w


def step_stacked(J, r, w, lam, shift, rcond=None):
    """δ as the least-squares solution of ``[J; √Λ; diag(√shift)] δ ≈ −[r; √Λ w̄; 0]``.

    Its normal equations are ``(JᵀJ + Λ + diag(shift)) δ = −(Jᵀr + Λw̄)``; the SVD solver gives
    the minimum-norm δ when that matrix is singular. Rows with zero weight are left out.
    """
    P = w.size
    blocks, rhs = [J], [-r]
    if np.any(lam > 0):
        blocks.append(np.diag(np.broadcast_to(np.sqrt(lam), (P,))))
        rhs.append(-np.sqrt(lam) * w)
    if np.any(shift > 0):
        blocks.append(np.diag(np.sqrt(shift)))
        rhs.append(np.zeros(P))
    step, *_ = np.linalg.lstsq(np.vstack(blocks), np.concatenate(rhs), rcond=rcond)
    return step


def step_push_through(J, r, w, lam, shift):
    """δ from an m×m system, for ``E = Λ + diag(shift) > 0`` (cheap when m ≪ P).

    With ``a = −(r + Jδ)`` the normal equations read ``Eδ = Jᵀa − Λw̄``; substituting gives

    ``(I + J E⁻¹ Jᵀ) a = J E⁻¹ Λw̄ − r``,   ``δ = E⁻¹(Jᵀa − Λw̄)``

    (the push-through identity ``(JᵀJ + E)⁻¹Jᵀ = E⁻¹Jᵀ(I + JE⁻¹Jᵀ)⁻¹``).
    """
    E = lam + shift
    a = np.linalg.solve(np.eye(J.shape[0]) + (J / E) @ J.T, J @ (lam * w / E) - r)
    return (J.T @ a - lam * w) / E


def step_normal(J, r, w, lam, shift, JtJ=None):
    """δ from the normal equations by Cholesky, ``LLᵀ = JᵀJ + Λ + diag(shift)`` (cheap when m ≫ P).

    ``LLᵀ δ = −(Jᵀr + Λw̄)``: one forward and one backward substitution. Forming ``JᵀJ`` squares
    J's condition number, so the damping (or λ) must keep the matrix positive definite.
    ``JtJ`` is ``JᵀJ`` if already formed: it depends on J alone, so a rejected step, which
    changes only the damping, reuses it (forming it, m·P² flops, is the step's dearest part).
    """
    N = J.T @ J if JtJ is None else JtJ.copy()  # JtJ itself is kept for the next trial
    N[np.diag_indices_from(N)] += lam + shift  # in place: no third P×P array
    L = np.linalg.cholesky(N)
    z = forward_substitution(L, -gradient(J, r, w, lam))  # L z = −∇Φ
    return back_substitution(L, z)  # Lᵀ δ = z


def forward_substitution(L, b):
    """``z`` with ``L z = b``, L lower triangular: ``zᵢ = (bᵢ − Σ_{j<i} Lᵢⱼ zⱼ) / Lᵢᵢ``."""
    z = np.empty(len(b))
    for i in range(len(b)):
        z[i] = (b[i] - L[i, :i] @ z[:i]) / L[i, i]
    return z


def back_substitution(L, z):
    """``δ`` with ``Lᵀ δ = z``, L lower triangular: ``δᵢ = (zᵢ − Σ_{j>i} Lⱼᵢ δⱼ) / Lᵢᵢ``."""
    U = np.ascontiguousarray(L.T)  # row i of Lᵀ is column i of L: made contiguous for the dots
    delta = np.empty(len(z))
    for i in range(len(z) - 1, -1, -1):
        delta[i] = (z[i] - U[i, i + 1 :] @ delta[i + 1 :]) / U[i, i]
    return delta


def predicted_decrease(J, grad, lam, step):
    """``L(0) − L(δ) = −∇Φᵀδ − ½‖Jδ‖² − ½δᵀΛδ`` for ``L(δ) = ½‖r + Jδ‖² + ½(w̄ + δ)ᵀΛ(w̄ + δ)``."""
    Jstep = J @ step
    return -float(grad @ step) - 0.5 * float(Jstep @ Jstep) - 0.5 * float(step @ (lam * step))


def gain_ratio(phi, phi_new, predicted):
    """``ρ = (Φ(w̄) − Φ(w̄ + δ)) / (L(0) − L(δ))``; −1 when the model predicts no decrease."""
    return (phi - phi_new) / predicted if predicted > 0 else -1.0


def damping_update(mu, nu, rho, accepted):
    """Nielsen's rule: taken, ``μ ← μ·max(1/3, 1 − (2ρ − 1)³)``, ν ← 2; else ``μ ← νμ``, ν ← 2ν."""
    if accepted:
        return mu * max(1 / 3, 1 - (2 * rho - 1) ** 3), 2.0
    return mu * nu, 2.0 * nu


def gauss_newton_step(J, r, w, lam, rcond=None):
    """The Gauss–Newton step: ``(JᵀJ + Λ) δ = −(Jᵀr + Λw̄)``, minimum-norm if singular."""
    return step_stacked(J, r, w, lam, np.zeros(w.size), rcond)
