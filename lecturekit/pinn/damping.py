"""Chapter 7's inverse problem: the damping μ of an oscillator from noisy observations."""

from __future__ import annotations

import numpy as np

from .network import PINN


def fit_damping(
    t_obs,
    u_obs,
    k,
    w_pde=1e-4,
    lam=4e-4,
    layers=(1, 10, 10, 1),
    n_collocation=60,
    seed=0,
    adam_steps=1500,
    finish_steps=20000,
    progress=False,
):
    """The chapter's inverse problem: μ in ``u″ + μu′ + ku = 0`` from observations of u.

    A PINN on [0, 1] with the data term, the equation at ``n_collocation`` equally spaced
    points (weight ``w_pde``) and μ trainable from 0; no initial conditions. Adam (learning
    rate 10⁻²) then Levenberg–Marquardt with Tikhonov weight λ (the book's convention,
    :meth:`PINN.fit`) until the residual is orthogonal to the Jacobian's columns to a cosine of
    10⁻⁸ (PINN.fit's ``gtol``; or until Φ is minimal to working precision). Most data sets need
    500–2000 LM steps; the cap is high because near the minimum of this noisy
    (large-residual) problem Gauss–Newton steps converge only linearly, and on an unlucky draw
    slowly (seed 17 of ``classical.noisy_oscillator(0.04, seed=…)`` takes about 17 000; the 60
    seeds 0–59 all converge within the cap).

    Returns
    -------
    model : PINN
        The fitted network; ``model.params["mu"]`` is μ̂.
    uncertainty : dict
        :meth:`PINN.parameter_uncertainty` at the fit.
    """
    model = PINN(layers=layers, seed=seed)
    model.fit(
        lambda x, u, ux, uxx, p: uxx + p["mu"] * ux + k * u,
        np.linspace(0.0, 1.0, n_collocation),
        data=(t_obs, u_obs),
        params={"mu": 0.0},
        weights={"pde": w_pde, "data": 1.0},
        adam_steps=adam_steps,
        finish_steps=finish_steps,
        lam=lam,
        lr=1e-2,
        progress=progress,
    )
    return model, model.parameter_uncertainty()
