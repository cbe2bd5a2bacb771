"""lecturekit.network.propagate: the plain network core, and the same core carrying input
derivatives (the stacked rows a PINN uses)."""

from __future__ import annotations

import numpy as np
import pytest

from lecturekit.activations import get_activation, identity
from lecturekit.network import (
    InputDerivativeStep,
    forward_checked,
    propagate,
    with_derivative_rows,
    with_ones,
)
from lecturekit.vectorise import closure

H = 1e-4  # central-difference step (error O(h²) ≈ 1e-8)


def layer_weights(widths, seed):
    rng = np.random.default_rng(seed)
    shapes = zip(widths[:-1], widths[1:], strict=True)
    return [rng.normal(0, 1 / np.sqrt(a + 1), (a + 1, b)) for a, b in shapes]


def reference_propagate(Xbar, weights, activations):
    """The layer rule written out once more: Aᵏ = H̄ᵏ⁻¹ W̄ᵏ, Hᵏ = fₖ(Aᵏ), H̄ᵏ = [1 Hᵏ]."""
    As, Hs, Hbars = [], [], []
    Hbar = Xbar
    for k, (W, f) in enumerate(zip(weights, activations, strict=True)):
        if k:
            Hbar = np.hstack([np.ones((len(Hs[-1]), 1), dtype=Hs[-1].dtype), Hs[-1]])
            Hbars.append(Hbar)
        As.append(Hbar @ W)
        Hs.append(f.f(As[-1]))
    return As, Hs, Hbars


@pytest.mark.parametrize("f", ["tanh", "sigmoid", "relu", "softplus"])
@pytest.mark.parametrize("widths", [[2, 4, 1], [3, 5, 4, 2]])
def test_plain_propagate_is_the_layer_rule(widths, f):
    X = np.random.default_rng(1).normal(size=(7, widths[0]))
    weights = layer_weights(widths, seed=2)
    acts = [get_activation(f)] * (len(weights) - 1) + [identity]
    got = propagate(closure(X), weights, acts)
    want = reference_propagate(closure(X), weights, acts)
    for g, w in zip(got, want, strict=True):
        assert len(g) == len(w)
        for a, b in zip(g, w, strict=True):
            assert a.dtype == b.dtype
            np.testing.assert_array_equal(a, b)


def test_plain_propagate_keeps_the_lectures_network_and_complex_steps():
    rng = np.random.default_rng(3)
    Xbar = closure(rng.normal(size=(5, 2)))
    Wh, wo = rng.normal(size=(3, 4)), rng.normal(size=5)
    f, g = get_activation("tanh"), get_activation("sigmoid")
    fw = forward_checked(Xbar, Wh, wo, f, g)
    (A, z), (Hh, y), (Hbar,) = propagate(Xbar, [Wh, wo], [f, g])
    np.testing.assert_array_equal(fw.A, Xbar @ Wh)
    np.testing.assert_array_equal(fw.Hbar, with_ones(np.tanh(Xbar @ Wh)))
    for a, b in zip(fw[1:], (A, Hh, Hbar, z, y), strict=True):
        np.testing.assert_array_equal(a, b)
    # A complex step through the core still gives the derivative (the ones stay complex-typed).
    step = 1e-20j
    Wc = Wh.astype(complex)
    Wc[1, 2] += step
    (_, zc), _, (Hbarc,) = propagate(Xbar, [Wc, wo], [f, g])
    assert Hbarc.dtype == complex
    np.testing.assert_allclose(zc.imag / 1e-20, (1 - np.tanh(A[:, 2]) ** 2) * Xbar[:, 1] * wo[3])


def test_stacked_input_has_the_derivative_rows_of_xbar():
    X = np.array([[0.5, -1.0], [2.0, 3.0], [0.0, 0.25]])
    S = with_derivative_rows(X).reshape(5, 3, 3)
    np.testing.assert_array_equal(S[0], closure(X))
    np.testing.assert_array_equal(S[1], [[0, 1, 0]] * 3)  # ∂X̄/∂x₁
    np.testing.assert_array_equal(S[2], [[0, 0, 1]] * 3)  # ∂X̄/∂x₂
    np.testing.assert_array_equal(S[3:], 0.0)  # ∂²X̄/∂xⱼ²


def chain_rule_derivatives(act):
    """``A ↦ (f, f′, f″, None)`` from an activation's own derivatives."""
    return lambda A, third: (act.f(A), act.df(A), act.d2f(A), None)


@pytest.mark.parametrize("f", ["tanh", "sigmoid", "softplus"])
@pytest.mark.parametrize("n", [1, 2])
def test_derivative_rows_through_propagate_match_finite_differences(n, f):
    """Every layer's stacked rows [Hᵏ; Hᵏ,ⱼ; Hᵏ,ⱼⱼ] against central differences of plain Hᵏ."""
    act = get_activation(f)
    X = np.random.default_rng(4).uniform(-1.5, 1.5, (9, n))
    weights = layer_weights([n, 6, 5, 1], seed=5)
    acts = [act, act, identity]
    Xs = with_derivative_rows(X)
    step = InputDerivativeStep(n, chain_rule_derivatives(act))
    As, Hs, Hbars = propagate(Xs, weights, [step, step, identity], Xs[:, :1])

    def plain(X):
        return propagate(closure(X), weights, acts)[1]

    H0 = plain(X)
    for k, Hk in enumerate(Hs):
        blocks = Hk.reshape(1 + 2 * n, len(X), -1)
        np.testing.assert_allclose(blocks[0], H0[k], rtol=0, atol=1e-14)
        for j in range(n):
            e = np.zeros(n)
            e[j] = H
            up, um = plain(X + e)[k], plain(X - e)[k]
            np.testing.assert_allclose(blocks[1 + j], (up - um) / (2 * H), rtol=0, atol=1e-7)
            fxx = (up - 2 * H0[k] + um) / H**2
            np.testing.assert_allclose(blocks[1 + n + j], fxx, rtol=0, atol=1e-5)
    # The derivative rows of every stacked H̄ carry 0 in the constant column, the value rows 1.
    for Hbar in Hbars:
        col = Hbar[:, 0].reshape(1 + 2 * n, len(X))
        np.testing.assert_array_equal(col[0], 1.0)
        np.testing.assert_array_equal(col[1:], 0.0)


def test_derivative_step_keeps_what_the_reverse_sweep_needs():
    act = get_activation("tanh")
    X = np.linspace(-1, 1, 4)[:, None]
    weights = layer_weights([1, 3, 2, 1], seed=6)
    Xs = with_derivative_rows(X)
    step = InputDerivativeStep(1, chain_rule_derivatives(act), keep=True)
    As, _, _ = propagate(Xs, weights, [step, step, identity], Xs[:, :1])
    assert len(step.kept) == 2
    for (Aj, Ajj, F1, F2, _), A in zip(step.kept, As, strict=False):
        blocks = A.reshape(3, 4, -1)
        np.testing.assert_array_equal(Aj, blocks[1:2])
        np.testing.assert_array_equal(Ajj, blocks[2:])
        np.testing.assert_allclose(F1, act.df(blocks[0]), rtol=1e-15)
        np.testing.assert_allclose(F2, act.d2f(blocks[0]), rtol=1e-15, atol=1e-16)
    # Layer 1: A,ⱼ is row j of W₁ at every point (the bias drops out) and A,ⱼⱼ = 0.
    Aj, Ajj = step.kept[0][:2]
    np.testing.assert_array_equal(Aj[0], np.broadcast_to(weights[0][1], (4, 3)))
    np.testing.assert_array_equal(Ajj, 0.0)
