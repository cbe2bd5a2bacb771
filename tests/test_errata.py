"""One test group per slip on the errata page (book/errata.md).

Each group shows that the lecture's literal statement fails (shapes that do not multiply, or a
matrix that is not the derivative) and that the corrected statement equals finite differences.
A last group checks the steps the errata page lists as verified and correct.
"""

from __future__ import annotations

import numpy as np
import pytest

from lecturekit import jacobians, network
from lecturekit.activations import get_activation
from lecturekit.checks import fd_jacobian
from lecturekit.exercises import check
from lecturekit.vectorise import closure, vec

M, N, P = 4, 2, 3
NBAR, PBAR = N + 1, P + 1


@pytest.fixture(scope="module")
def net():
    rng = np.random.default_rng(721)
    X = rng.normal(size=(M, N))
    Wh, wo = network.init_weights(N, P, seed=721)
    return X, Wh, wo


def fd_wrt_Wh(X, Wh, wo, f, g):
    return fd_jacobian(lambda W: network.predict(X, W, wo, f, g), Wh)


def fd_wrt_wo(X, Wh, wo, f, g):
    return fd_jacobian(lambda w: network.predict(X, Wh, w, f, g), wo)


def factors(X, Wh, wo, f, g, wo_in_kron):
    """The three factors of D_W̄ʰ y, with the given vector in the first Kronecker factor."""
    fw = network.forward(X, Wh, wo, f, g)
    gp = get_activation(g).df(fw.z)
    fp = get_activation(f).df(fw.A)
    left = np.kron(wo_in_kron[None, :], np.diag(gp))
    middle = np.diag(vec(fp))
    right = np.kron(np.eye(P), fw.Xbar)
    return left, middle, right


# errata-wo-bar --------------------------------------------------------------------------------


def test_wo_bar_literal_kron_factor_does_not_multiply(net):
    X, Wh, wo = net
    left, middle, _ = factors(X, Wh, wo, "tanh", "sigmoid", wo_in_kron=wo)
    assert left.shape == (M, M * PBAR) and middle.shape == (M * P, M * P)
    with pytest.raises(ValueError):
        left @ middle


def test_wo_bar_corrected_formula_equals_finite_differences(net):
    X, Wh, wo = net
    left, middle, right = factors(X, Wh, wo, "tanh", "sigmoid", wo_in_kron=wo[1:])
    D = left @ middle @ right
    assert D.shape == (M, NBAR * P)
    np.testing.assert_allclose(D, fd_wrt_Wh(X, Wh, wo, "tanh", "sigmoid"), atol=1e-8)


def test_wo_bar_sense_check_result_has_an_extra_bias_block(net):
    # The sense check ends with (w̄ᵒ)ᵀ ⊗ X̄: m × n̄p̄, one block of n̄ columns too many.
    X, Wh, wo = net
    Xbar = closure(X)
    literal = np.kron(wo[None, :], Xbar)
    assert literal.shape == (M, NBAR * PBAR)
    truth = fd_wrt_Wh(X, Wh, wo, "identity", "identity")
    fb = check(literal, truth, "D_W̄ʰ y", rtol=1e-6, atol=1e-8)
    assert fb.diagnosis == "bias included"
    # The sense check's middle step (w̄ᵒ)ᵀ I_p does not multiply either: 1×p̄ times p×p.
    with pytest.raises(ValueError):
        wo[None, :] @ np.eye(P)


# errata-kron-transpose -------------------------------------------------------------------------


def test_kron_transpose_literal_warmup_result_has_wrong_shape(net):
    X, Wh, wo = net
    Xbar = closure(X)
    literal = np.kron(wo[1:][:, None], Xbar)  # wᵒ ⊗ X̄ with wᵒ a column
    assert literal.shape == (P * M, NBAR)
    truth = fd_wrt_Wh(X, Wh, wo, "identity", "identity")
    assert truth.shape == (M, NBAR * P)
    assert check(literal, truth, "D_W̄ʰ y").diagnosis == "shape"


def test_kron_transpose_corrected_warmup_equals_finite_differences(net):
    X, Wh, wo = net
    corrected = np.kron(wo[1:][None, :], closure(X))  # wᵒᵀ ⊗ X̄
    truth = fd_wrt_Wh(X, Wh, wo, "identity", "identity")
    np.testing.assert_allclose(corrected, truth, atol=1e-8)


def test_kron_transpose_chain_rule_factor(net):
    # ∂vec y/∂vec H: literal wᵒ ⊗ I_m is mp×m and cannot multiply I_p ⊗ X̄ (mp×n̄p).
    X, Wh, wo = net
    fw = network.forward(X, Wh, wo, "identity", "identity")
    literal = np.kron(wo[1:][:, None], np.eye(M))
    assert literal.shape == (M * P, M)
    with pytest.raises(ValueError):
        literal @ np.kron(np.eye(P), fw.Xbar)

    def y_of_H(H):
        return wo[0] + H @ wo[1:]

    corrected = np.kron(wo[1:][None, :], np.eye(M))  # wᵒᵀ ⊗ I_m, m × mp
    np.testing.assert_allclose(corrected, fd_jacobian(y_of_H, fw.H), atol=1e-8)


# errata-mixed-product ---------------------------------------------------------------------------


def test_mixed_product_rule_holds_as_product_of_products():
    rng = np.random.default_rng(3)
    A, B = rng.normal(size=(2, 3)), rng.normal(size=(4, 5))
    C, D = rng.normal(size=(3, 2)), rng.normal(size=(5, 3))
    np.testing.assert_allclose(np.kron(A, B) @ np.kron(C, D), np.kron(A @ C, B @ D))


def test_mixed_product_literal_step_is_not_the_jacobian(net):
    X, Wh, wo = net
    Xbar = closure(X)
    w = wo[1:][None, :]
    # The lecture's (wᵒ ⊗ I_p) ⊗ (I_m X̄), even with the transpose restored, is a triple
    # Kronecker product of the wrong size.
    literal = np.kron(np.kron(w, np.eye(P)), np.eye(M) @ Xbar)
    assert literal.shape == (P * M, P * P * NBAR)
    product = np.kron(w, np.eye(M)) @ np.kron(np.eye(P), Xbar)
    corrected = np.kron(w @ np.eye(P), np.eye(M) @ Xbar)  # (wᵒᵀ I_p) ⊗ (I_m X̄)
    np.testing.assert_allclose(product, corrected)
    np.testing.assert_allclose(corrected, fd_wrt_Wh(X, Wh, wo, "identity", "identity"), atol=1e-8)


# errata-dwh-label -------------------------------------------------------------------------------


def test_dwh_label_the_jacobian_equal_to_Hbar_is_with_respect_to_wo(net):
    X, Wh, wo = net
    fw = network.forward(X, Wh, wo, "identity", "identity")
    np.testing.assert_allclose(fd_wrt_wo(X, Wh, wo, "identity", "identity"), fw.Hbar, atol=1e-8)
    # D_W̄ʰ y is m×n̄p, so it cannot equal the m×p̄ matrix H̄.
    assert fd_wrt_Wh(X, Wh, wo, "identity", "identity").shape != fw.Hbar.shape


# errata-gd-transpose -----------------------------------------------------------------------------


def _loss_and_row(X, Wh, wo, d):
    y = network.predict(X, Wh, wo)
    D_y_loss = (y - d)[None, :]  # 1×m
    return 0.5 * np.sum((y - d) ** 2), D_y_loss @ jacobians.dy_dw(X, Wh, wo)


def test_gd_transpose_row_derivative_cannot_update_column_weights(net):
    X, Wh, wo = net
    d = np.sin(X[:, 0])
    wbar = np.concatenate([vec(Wh), wo])[:, None]  # column, (n̄p + p̄)×1
    _, row = _loss_and_row(X, Wh, wo, d)
    assert row.shape == (1, NBAR * P + PBAR)
    # Taken literally, column minus row is not defined; numpy silently broadcasts to a square.
    assert (wbar - 0.1 * row).shape == (wbar.size, wbar.size)
    assert check(row, row.T, "(D_w̄ ℓ)ᵀ").diagnosis == "missing transpose"


def test_gd_transpose_corrected_step_decreases_the_loss(net):
    X, Wh, wo = net
    d = np.sin(X[:, 0])
    loss0, row = _loss_and_row(X, Wh, wo, d)
    wbar = np.concatenate([vec(Wh), wo])
    step = wbar - 0.05 * row.T[:, 0]  # w̄(k+1) = w̄(k) − η (D_w̄ ℓ)ᵀ
    Wh1 = step[: NBAR * P].reshape(NBAR, P, order="F")
    loss1, _ = _loss_and_row(X, Wh1, step[NBAR * P :], d)
    assert loss1 < loss0

    # And the gradient is the transpose of the row: compare with finite differences of ℓ.
    def loss_of(w):
        return _loss_and_row(X, w[: NBAR * P].reshape(NBAR, P, order="F"), w[NBAR * P :], d)[0]

    np.testing.assert_allclose(fd_jacobian(loss_of, wbar), row, atol=1e-7)


# errata-bias-term --------------------------------------------------------------------------------


def test_bias_term_literal_one_times_wo_is_a_matrix(net):
    X, Wh, wo = net
    fw = network.forward(X, Wh, wo, "identity", "identity")
    literal = np.ones((M, 1)) @ wo[1:][None, :]  # 1 wᵒ: an m×p outer product
    assert literal.shape == (M, P)
    with pytest.raises(ValueError):
        literal + fw.H @ wo[1:]  # m×p plus m: not defined (and numpy refuses, as p ≠ m)
    corrected = np.ones(M) * wo[0] + fw.H @ wo[1:]  # 1 w₀ᵒ + H wᵒ
    np.testing.assert_allclose(corrected, fw.y)


# errata-dhbar ------------------------------------------------------------------------------------


def test_dhbar_differential_is_zero_column_then_dH(net):
    X, Wh, wo = net
    Xbar = closure(X)
    dW = np.random.default_rng(5).normal(size=Wh.shape)
    t = 1e-6

    def Hbar(W):
        return network.forward(X, W, wo, "identity", "identity").Hbar

    dHbar = (Hbar(Wh + t * dW) - Hbar(Wh - t * dW)) / (2 * t)
    corrected = np.hstack([np.zeros((M, 1)), Xbar @ dW])  # [0 dH] with dH = X̄ dW̄ʰ
    np.testing.assert_allclose(dHbar, corrected, atol=1e-8)
    # The literal [0 dH̄] would have p̄ + 1 columns, one more than H̄.
    assert np.hstack([np.zeros((M, 1)), dHbar]).shape == (M, PBAR + 1) != dHbar.shape


# errata-missing-d --------------------------------------------------------------------------------


def test_missing_d_vec_identity_and_its_differential(net):
    X, Wh, _ = net
    Xbar = closure(X)
    K = np.kron(np.eye(P), Xbar)
    # vec(X̄ W̄ʰ I_p) = (I_p ⊗ X̄) vec(W̄ʰ): a value, not a differential ...
    np.testing.assert_allclose(vec(Xbar @ Wh), K @ vec(Wh))
    # ... and its differential d vec(X̄ W̄ʰ) = (I_p ⊗ X̄) d vec(W̄ʰ).
    np.testing.assert_allclose(fd_jacobian(lambda W: Xbar @ W, Wh), K, atol=1e-8)
    # The literal "vec(X̄ W̄ʰ) = (I_p ⊗ X̄) d vec(W̄ʰ)" fails for a small step dW̄ʰ.
    dW = 1e-3 * np.ones_like(Wh)
    assert not np.allclose(vec(Xbar @ Wh), K @ vec(dW))


# errata-vec-h ------------------------------------------------------------------------------------


def test_vec_h_one_big_regression_gives_vec_of_H(net):
    X, Wh, wo = net
    fw = network.forward(X, Wh, wo, "tanh", "identity")
    big = np.tanh(np.kron(np.eye(P), fw.Xbar) @ vec(Wh))
    assert big.shape == (M * P,) and fw.H.shape == (M, P)
    np.testing.assert_allclose(big, vec(fw.H))
    assert check(big, fw.H, "H").diagnosis == "shape"  # unvec needed


# errata-h-activation ------------------------------------------------------------------------------


def test_h_activation_H_is_f_of_the_product_not_the_product(net):
    X, Wh, wo = net
    fw = network.forward(X, Wh, wo, "tanh", "identity")
    assert not np.allclose(fw.H, fw.Xbar @ Wh)
    np.testing.assert_allclose(fw.H, np.tanh(fw.Xbar @ Wh))


# errata-sense-dims -------------------------------------------------------------------------------


def test_sense_dims_output_preactivation_is_Hbar_times_wobar(net):
    X, Wh, wo = net
    fw = network.forward(X, Wh, wo, "tanh", "identity")
    assert fw.Hbar.shape == (M, PBAR) and wo.shape == (PBAR,)
    np.testing.assert_allclose(fw.Hbar @ wo, fw.z)
    # The (m×p)(p) product H wᵒ misses the output bias.
    assert not np.allclose(fw.H @ wo[1:], fw.z)


# errata-dwo-dims ---------------------------------------------------------------------------------


def test_dwo_dims_second_factor_is_m_by_pbar(net):
    X, Wh, wo = net
    D = jacobians.dy_dwo(X, Wh, wo, "tanh", "sigmoid")
    assert D.shape == (M, PBAR)
    np.testing.assert_allclose(D, fd_wrt_wo(X, Wh, wo, "tanh", "sigmoid"), atol=1e-8)


# errata-unknowns ---------------------------------------------------------------------------------


@pytest.mark.parametrize("n, p", [(1, 1), (2, 3), (5, 4)])
def test_unknowns_count_is_np_plus_2p_plus_1(n, p):
    Wh, wo = network.init_weights(n, p, seed=0)
    count = Wh.size + wo.size
    assert count == (n + 1) * p + (p + 1) == n * p + 2 * p + 1
    assert count != n * p + p + 1
    X = np.random.default_rng(0).normal(size=(3, n))
    assert jacobians.dy_dw(X, Wh, wo).shape == (3, count)


# errata-linear-dims ------------------------------------------------------------------------------


def test_linear_dims_closure_and_weights(net):
    X, _, _ = net
    Xbar = closure(X)
    assert Xbar.shape == (M, NBAR)  # m × n̄, not m̄ × n̄ or m × n
    wbar = np.array([0.5, -1.0, 2.0])  # n̄ weights, bias first
    np.testing.assert_allclose(Xbar @ wbar, 0.5 - X[:, 0] + 2 * X[:, 1])
    with pytest.raises(ValueError):
        Xbar @ wbar[1:]  # n weights do not fit X̄


def test_linear_dims_simple_regression_slope_is_w1():
    x = np.linspace(-1, 1, 5)
    w = np.array([0.3, -2.0])
    np.testing.assert_allclose(closure(x) @ w, w[0] + w[1] * x)


# errata-phi-prime --------------------------------------------------------------------------------


def test_phi_prime_vector_of_derivatives_gives_the_diagonal():
    x = np.array([-1.0, 0.2, 2.0])
    s = get_activation("sigmoid")
    D = fd_jacobian(s.f, x)
    np.testing.assert_allclose(D, np.diag(s.df(x)), atol=1e-9)
    assert not np.allclose(np.diag(D), s.f(x))  # the diagonal holds φ′(x), not φ(x)


# Steps checked and found correct ----------------------------------------------------------------


def test_correct_activation_differential_step(net):
    # dy = diag(g′(H̄ w̄ᵒ)) [dH̄ w̄ᵒ + H̄ dw̄ᵒ], along a random direction in both weights.
    X, Wh, wo = net
    rng = np.random.default_rng(9)
    dW, dw = rng.normal(size=Wh.shape), rng.normal(size=wo.shape)
    fw = network.forward(X, Wh, wo, "tanh", "sigmoid")
    gp = get_activation("sigmoid").df(fw.z)
    dH = get_activation("tanh").df(fw.A) * (fw.Xbar @ dW)
    dHbar = np.hstack([np.zeros((M, 1)), dH])
    predicted = np.diag(gp) @ (dHbar @ wo + fw.Hbar @ dw)
    t = 1e-6
    plus = network.predict(X, Wh + t * dW, wo + t * dw, "tanh", "sigmoid")
    minus = network.predict(X, Wh - t * dW, wo - t * dw, "tanh", "sigmoid")
    np.testing.assert_allclose((plus - minus) / (2 * t), predicted, atol=1e-8)
    np.testing.assert_allclose(dHbar @ wo, dH @ wo[1:])  # dH̄ w̄ᵒ = dH wᵒ


def test_correct_dimension_annotations(net):
    X, Wh, wo = net
    left, middle, right = factors(X, Wh, wo, "tanh", "identity", wo_in_kron=wo[1:])
    assert left.shape == (M, M * P)  # ∂vec y/∂vec H : m × mp
    assert middle.shape == (M * P, M * P)  # diag(f′(vec A)) : mp × mp
    assert right.shape == (M * P, P * NBAR)  # ∂vec H/∂vec W̄ʰ = I_p ⊗ X̄ : pm × pn̄
    fw = network.forward(X, Wh, wo, "identity", "identity")
    np.testing.assert_allclose(fd_jacobian(lambda W: closure(X) @ W, Wh), right, atol=1e-8)
    np.testing.assert_allclose(
        fd_jacobian(np.tanh, fw.A), np.diag(vec(1 - np.tanh(fw.A) ** 2)), atol=1e-8
    )


# errata-composite-concat --------------------------------------------------------------------------


def test_composite_concat_ones_beside_H_not_added(net):
    X, Wh, wo = net
    fw = network.forward(X, Wh, wo, "tanh", "identity")
    added = 1 + fw.H  # [1 + H]: m×p
    with pytest.raises(ValueError):
        added @ wo  # p columns cannot meet p̄ weights
    beside = np.hstack([np.ones((M, 1)), fw.H])  # [1 H] = H̄: m×p̄
    np.testing.assert_allclose(beside @ wo, fw.y)


def test_correct_elementwise_block_diagonal_and_loss_derivative(net):
    X, Wh, wo = net
    A = closure(X) @ Wh
    # D_A f(A) = diag(vec f′(A)), mn × mn.
    D = fd_jacobian(np.tanh, A)
    assert D.shape == (A.size, A.size)
    np.testing.assert_allclose(D, np.diag(vec(1 - np.tanh(A) ** 2)), atol=1e-8)
    # (I_p ⊗ X̄) vec(W̄ʰ): block j of the result is X̄ times column j of W̄ʰ (column-major vec).
    big = np.kron(np.eye(P), closure(X)) @ vec(Wh)
    for j in range(P):
        np.testing.assert_allclose(big[j * M : (j + 1) * M], closure(X) @ Wh[:, j])
    # D_y ℓ = (y − d)ᵀ for ℓ = ½‖y − d‖².
    y, d = network.predict(X, Wh, wo), np.cos(X[:, 1])
    row = fd_jacobian(lambda v: 0.5 * np.sum((v - d) ** 2), y)
    np.testing.assert_allclose(row, (y - d)[None, :], atol=1e-8)
