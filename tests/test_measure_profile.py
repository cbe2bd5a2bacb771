"""The gradient's passes, as profiled in chapter 6, are the gradient's formulas."""

from __future__ import annotations

import numpy as np

from lecturekit import measure, network, train


def test_the_passes_compute_the_gradient_of_loss_and_gradient():
    rng = np.random.default_rng(4)
    X, d = rng.normal(size=(30, 3)), rng.normal(size=30)
    Wh, wo = network.init_weights(3, 5, seed=2)
    passes = measure.gradient_passes(X, d, Wh, wo)
    fw = network.forward(X, Wh, wo)
    _, gWh, gwo = train.loss_and_gradient(X, d, Wh, wo)
    np.testing.assert_allclose(passes["A = X̄ W̄ʰ (product)"](), fw.A, rtol=1e-14)
    np.testing.assert_allclose(passes["H = tanh A"](), fw.H, rtol=1e-14)
    np.testing.assert_allclose(passes["δz = [1 H] w̄ᵒ − d"](), fw.y - d, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(passes["H̄ᵀ δz"](), gwo, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(passes["X̄ᵀ δA (product)"](), gWh, rtol=1e-12, atol=1e-14)


def test_profile_gradient_times_every_pass():
    profile = measure.profile_gradient(50, 2, 4, repeats=3)
    assert list(profile) == list(measure.gradient_passes(*_tiny()))
    assert all(t > 0 for t in profile.values())


def _tiny():
    Wh, wo = network.init_weights(2, 4, seed=1)
    return np.zeros((3, 2)), np.zeros(3), Wh, wo
