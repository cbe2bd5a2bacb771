"""Classical counterparts of the PINN examples: exact solutions, smoothing splines, least squares.

The lecture's slogan for PINNs is "NN instead of spline": a PINN replaces the spline of a
regularised fit by a network and the smoothness penalty by a differential-equation penalty.
These functions provide the classical side of that comparison.
"""

from __future__ import annotations

import numpy as np

from ._validate import finite_array

__all__ = [
    "damped_oscillator",
    "smoothing_spline",
    "residual_coefficients",
    "fit_oscillator_damping",
    "fit_oscillator",
    "noisy_oscillator",
]


def damped_oscillator(t, mu, k, u0=1.0, v0=0.0):
    """Exact solution of ``u″ + μ u′ + k u = 0``, ``u(0) = u0``, ``u′(0) = v0``.

    With ``δ = μ/2`` and ``ω = √(k − δ²)``:
    ``u(t) = e^{−δt} [u0 cos ωt + (v0 + δ u0) sin(ωt)/ω]``. For ``δ² > k`` ω is imaginary and
    the same formula gives the cosh/sinh (overdamped) form; at ``δ² = k`` it tends to
    ``e^{−δt}[u0 + (v0 + δ u0) t]`` (critical damping), which is used there.
    """
    t = finite_array(t, "t")
    delta = 0.5 * float(mu)
    w2 = float(k) - delta * delta
    if w2 > 0:
        w = np.sqrt(w2)
        return np.exp(-delta * t) * (u0 * np.cos(w * t) + (v0 + delta * u0) * np.sin(w * t) / w)
    if w2 < 0:
        w = np.sqrt(-w2)
        return np.exp(-delta * t) * (u0 * np.cosh(w * t) + (v0 + delta * u0) * np.sinh(w * t) / w)
    return np.exp(-delta * t) * (u0 + (v0 + delta * u0) * t)


def smoothing_spline(x, y, lam=None):
    """Cubic smoothing spline ``s = argmin Σ (yᵢ − s(xᵢ))² + λ ∫ s″(x)² dx``.

    Parameters
    ----------
    x, y : array_like, shape (m,)
        Observations; x strictly increasing.
    lam : float, optional
        Penalty weight λ. When omitted it is chosen by generalised cross-validation (GCV),
        the rule of :func:`scipy.interpolate.make_smoothing_spline`.

    Returns
    -------
    scipy.interpolate.BSpline
        ``s``; ``s.derivative(1)`` and ``s.derivative(2)`` give s′ and s″.
    """
    from scipy.interpolate import make_smoothing_spline

    x = finite_array(x, "x", 1)
    y = finite_array(y, "y", 1)
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same length; got {x.size} and {y.size}")
    if np.any(np.diff(x) <= 0):
        raise ValueError("x must be strictly increasing")
    return make_smoothing_spline(x, y, lam=lam)


def residual_coefficients(columns, target):
    """Least-squares coefficients c of a linear residual ``Σⱼ cⱼ columnⱼ + target ≈ 0``.

    Solves ``min_c ‖F c + target‖₂`` with ``F = [column₁ … column_q]``: the classical
    "estimate the ODE's coefficients from a smoothed curve" step (e.g. μ from
    ``u″ + μ u′ + k u = 0`` with columns ``[u′]`` and target ``u″ + k u``).

    Parameters
    ----------
    columns : sequence of array_like, each shape (m,)
    target : array_like, shape (m,)

    Returns
    -------
    ndarray, shape (q,)
    """
    target = finite_array(target, "target", 1)
    F = np.column_stack([finite_array(c, f"column {j}", 1) for j, c in enumerate(columns)])
    if F.shape[0] != target.size:
        raise ValueError(f"columns have {F.shape[0]} rows but target has {target.size}")
    return np.linalg.lstsq(F, -target, rcond=None)[0]


def fit_oscillator_damping(t, u_obs, k, mu0=1.0, u0=1.0, v0=0.0):
    """Output least squares ``μ̂ = argmin_μ Σᵢ (u(tᵢ; μ) − u_obsᵢ)²`` with the exact solution.

    The classical, model-based answer to the inverse problem: it needs the full forward model
    (here :func:`damped_oscillator` with known k, u0, v0) but only one unknown.

    Returns
    -------
    float
        The estimate μ̂ (Gauss–Newton/trust region from ``mu0``).
    """
    from scipy.optimize import least_squares

    t = finite_array(t, "t", 1)
    u_obs = finite_array(u_obs, "u_obs", 1)
    fit = least_squares(lambda m: damped_oscillator(t, m[0], k, u0, v0) - u_obs, [mu0])
    return float(fit.x[0])


def fit_oscillator(t, u_obs, k, mu0=1.0, u0=1.0, v0=0.0):
    """Output least squares for ``(μ, u0, v0)`` with the exact solution, and standard errors.

    ``β̂ = argmin_β Σᵢ (u(tᵢ; β) − u_obsᵢ)²``, β = (μ, u0, v0), k known: the classical
    estimate when the initial state is not observed either, the same unknowns the PINN's data
    and equation must pin down. Linearised standard errors from the converged fit:
    ``Cov(β̂) ≈ σ̂² (JᵀJ)⁻¹``, ``σ̂² = ‖r‖² / (m − 3)``, J the Jacobian of the residuals.

    Returns
    -------
    dict
        ``{"mu", "u0", "v0"}`` estimates, ``"se"`` (their standard errors, same keys),
        ``"sigma"`` (σ̂) and ``"converged"`` (the solver's own verdict).
    """
    from scipy.optimize import least_squares

    t = finite_array(t, "t", 1)
    u_obs = finite_array(u_obs, "u_obs", 1)
    if t.size != u_obs.size or t.size <= 3:
        raise ValueError(
            f"t and u_obs must have the same length m > 3 (three unknowns); "
            f"got {t.size} and {u_obs.size}"
        )
    fit = least_squares(
        lambda b: damped_oscillator(t, b[0], k, b[1], b[2]) - u_obs,
        [mu0, u0, v0],
        xtol=1e-15,
        ftol=1e-15,
        gtol=1e-15,
    )
    r, J = fit.fun, fit.jac
    sigma2 = float(r @ r) / (t.size - 3)
    se = np.sqrt(sigma2 * np.diag(np.linalg.inv(J.T @ J)))
    names = ("mu", "u0", "v0")
    return {
        **{n: float(v) for n, v in zip(names, fit.x, strict=True)},
        "se": {n: float(v) for n, v in zip(names, se, strict=True)},
        "sigma": float(np.sqrt(sigma2)),
        "converged": bool(fit.success),
    }


def noisy_oscillator(sigma, n_obs=40, seed=0, mu=4.0, k=400.0):
    """Observations of the oscillator at ``n_obs`` uniform random times on [0, 1], with noise.

    ``u_obs = u(t; μ, k) + σ ε``, ε standard normal, u(0) = 1, u′(0) = 0; times and noise
    from ``numpy.random.default_rng(seed)``, so a seed names one data set.

    Returns
    -------
    t : ndarray, sorted
    u_obs : ndarray
    """
    rng = np.random.default_rng(seed)
    t = np.sort(rng.uniform(0.0, 1.0, n_obs))
    return t, damped_oscillator(t, mu, k) + sigma * rng.normal(size=n_obs)
