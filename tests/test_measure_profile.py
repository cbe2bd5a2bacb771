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


def test_the_passes_run_the_code_loss_and_gradient_runs():
    # The profile times the package's own evaluation (δA multiplied into f′(A) in place, X̄ᵀδA
    # as (δAᵀX̄)ᵀ), not a variant: the same operations in the same order give the same bits.
    rng = np.random.default_rng(7)
    X, d = rng.normal(size=(257, 6)), rng.normal(size=257)
    Wh, wo = network.init_weights(6, 33, seed=3)
    passes = measure.gradient_passes(X, d, Wh, wo)
    _, gWh, gwo = train.loss_and_gradient(X, d, Wh, wo)
    assert np.array_equal(passes["X̄ᵀ δA (product)"](), gWh)
    first, second = passes["δA = (δz wᵒᵀ) ⊙ (1 − H ⊙ H)"](), passes["δA = (δz wᵒᵀ) ⊙ (1 − H ⊙ H)"]()
    assert first is not second and np.array_equal(first, second)  # a new array per call
