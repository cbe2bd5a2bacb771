"""The update rules of lecturekit.formulas.optimisers against their closed forms and the kit."""

import numpy as np

from lecturekit.formulas.optimisers import adam_step, momentum_step, sgd_step
from lecturekit.train import Adam, Momentum

rng = np.random.default_rng(0)
GS = [rng.normal(size=(3, 2)) for _ in range(5)]
W0 = rng.normal(size=(3, 2))


def test_sgd_is_w_minus_eta_g():
    np.testing.assert_array_equal(sgd_step(W0, GS[0], 0.1), W0 - 0.1 * GS[0])


def test_heavy_ball_velocity_is_the_discounted_sum_of_gradients():
    w, v, beta = W0, np.zeros_like(W0), 0.9
    for G in GS:
        w, v = momentum_step(w, v, G, 0.1, beta)
    t = len(GS)
    want_v = sum(beta ** (t - 1 - s) * G for s, G in enumerate(GS))
    want_w = W0 - 0.1 * sum(sum(beta ** (k - s) * GS[s] for s in range(k + 1)) for k in range(t))
    np.testing.assert_allclose(v, want_v, rtol=1e-13)
    np.testing.assert_allclose(w, want_w, rtol=1e-13)


def test_adam_first_step_moves_each_weight_by_eta_against_its_gradient_sign():
    # m̂₁ = G and m̂₂ = G² at t = 1 (the bias corrections undo the zero start): Δw = −η G/(|G| + ε).
    z = np.zeros_like(W0)
    w, m1, m2 = adam_step(W0, z, z, GS[0], 1, 0.01, 0.9, 0.999, 1e-8)
    np.testing.assert_allclose(w, W0 - 0.01 * GS[0] / (np.abs(GS[0]) + 1e-8), rtol=1e-13)
    np.testing.assert_allclose(m1, 0.1 * GS[0], rtol=1e-15)
    np.testing.assert_allclose(m2, 0.001 * GS[0] ** 2, rtol=1e-13)


def test_the_kit_optimisers_take_these_steps():
    for kit, rule in [
        (Adam(0.01), lambda w, s, G, t: adam_step(w, *s, G, t, 0.01, 0.9, 0.999, 1e-8)),
        (Momentum(0.1, 0.8), lambda w, s, G, t: momentum_step(w, *s, G, 0.1, 0.8)),
    ]:
        w_kit, w, state = W0.copy(), W0, None
        for t, G in enumerate(GS, start=1):
            kit.step([w_kit], [G])
            state = state or [np.zeros_like(W0)] * (2 if isinstance(kit, Adam) else 1)
            w, *state = rule(w, state, G, t)
        np.testing.assert_array_equal(w_kit, w)
