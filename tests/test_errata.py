"""One test group per slip on the errata page (book/errata.md).

Each group shows that the lecture's literal statement fails (shapes that do not multiply, or a
matrix that is not the derivative) and that the corrected statement equals finite differences.
A last group checks the steps the errata page lists as verified and correct.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import seeded_network

from lecturekit import elementwise, jacobians, linear, network
from lecturekit.activations import get_activation
from lecturekit.checks import compare, fd_jacobian
from lecturekit.exercises import check
from lecturekit.vectorise import closure, vec

M, N, P = 4, 2, 3
NBAR, PBAR = N + 1, P + 1


@pytest.fixture(scope="module")
def net():
    return seeded_network(M, N, P, seed=721)


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


@pytest.mark.parametrize("p", [1, 2, 3])
def test_kron_transpose_literal_is_defined_and_right_only_at_p_1(net, p):
    # A Kronecker product of any two matrices exists: the lecture's wᵒ ⊗ X̄ (wᵒ a p×1 column)
    # is pm × n̄. It is the Jacobian only when p = 1, where wᵒ is 1×1 and equals wᵒᵀ.
    X, _, _ = net
    Xbar = closure(X)
    Wh, wo = network.init_weights(N, p, seed=10 + p)
    w = wo[1:][:, None]
    truth = fd_wrt_Wh(X, Wh, wo, "identity", "identity")  # m × n̄p
    lecture = np.kron(w, Xbar)
    chain = np.kron(w, np.eye(M))  # the lecture's ∂vec y/∂vec H = wᵒ ⊗ I_m, pm × m
    np.testing.assert_allclose(np.kron(w.T, Xbar), truth, atol=1e-8)  # corrected, every p
    if p == 1:
        np.testing.assert_allclose(lecture, truth, atol=1e-8)
        np.testing.assert_allclose(chain @ np.kron(np.eye(p), Xbar), truth, atol=1e-8)
    else:
        assert lecture.shape == (p * M, NBAR) != truth.shape
        assert check(lecture, truth, "D_W̄ʰ y").diagnosis == "shape"
        with pytest.raises(ValueError):
            chain @ np.kron(np.eye(p), Xbar)  # pm × m times pm × pn̄


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


def test_mixed_product_literal_step_is_not_the_jacobian(net):
    X, Wh, wo = net
    Xbar = closure(X)
    w = wo[1:][None, :]
    truth = fd_wrt_Wh(X, Wh, wo, "identity", "identity")  # m × n̄p
    # The lecture's (wᵒ ⊗ I_p) ⊗ (I_m X̄), as written (wᵒ a column) and with the transpose
    # restored, is a triple Kronecker product of the wrong size.
    as_written = np.kron(np.kron(w.T, np.eye(P)), np.eye(M) @ Xbar)
    restored = np.kron(np.kron(w, np.eye(P)), np.eye(M) @ Xbar)
    assert as_written.shape == (P * P * M, P * NBAR) != truth.shape
    assert restored.shape == (P * M, P * P * NBAR) != truth.shape
    # The rule (A ⊗ B)(C ⊗ D) = (AC) ⊗ (BD) applied to the chain-rule factors gives the Jacobian.
    product = np.kron(w, np.eye(M)) @ np.kron(np.eye(P), Xbar)
    corrected = np.kron(w @ np.eye(P), np.eye(M) @ Xbar)  # (wᵒᵀ I_p) ⊗ (I_m X̄)
    np.testing.assert_allclose(product, corrected)
    np.testing.assert_allclose(corrected, truth, atol=1e-8)


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
    # y = 1 w₀ᵒ + H wᵒ: finite differences give ∂y/∂w₀ᵒ = 1 and ∂y/∂wᵒ = H, and y is that sum.
    D = fd_wrt_wo(X, Wh, wo, "identity", "identity")
    np.testing.assert_allclose(D[:, 0], 1.0, atol=1e-8)
    np.testing.assert_allclose(D[:, 1:], fw.H, atol=1e-8)
    np.testing.assert_allclose(np.ones(M) * wo[0] + D[:, 1:] @ wo[1:], fw.y, atol=1e-8)


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


def test_warmup_underbrace_one_H_is_Hbar(net):
    X, Wh, wo = net
    out = network.forward(X, Wh, wo, "identity", "identity")
    # [1 H] is H̄, the m × p̄ matrix the output weights w̄ᵒ multiply; H alone is m × p.
    one_H = np.hstack([np.ones((M, 1)), out.H])
    np.testing.assert_array_equal(one_H, out.Hbar)
    assert one_H.shape == (M, PBAR) != out.H.shape
    np.testing.assert_allclose(one_H @ wo, out.z)


# errata-missing-d --------------------------------------------------------------------------------


def test_missing_d_vec_identity_and_its_differential(net):
    X, Wh, _ = net
    Xbar = closure(X)
    K = np.kron(np.eye(P), Xbar)
    # Corrected, as a value: vec(X̄ W̄ʰ I_p) = (I_p ⊗ X̄) vec(W̄ʰ).
    np.testing.assert_allclose(vec(Xbar @ Wh @ np.eye(P)), K @ vec(Wh))
    # Corrected, as a differential: a central difference of vec(X̄ W̄ʰ) along a direction dW̄ʰ
    # equals (I_p ⊗ X̄) vec(dW̄ʰ).
    dW = np.random.default_rng(6).normal(size=Wh.shape)
    t = 1e-6
    d_vec = (vec(Xbar @ (Wh + t * dW)) - vec(Xbar @ (Wh - t * dW))) / (2 * t)
    np.testing.assert_allclose(d_vec, K @ vec(dW), atol=1e-8)
    # The literal "vec(X̄ W̄ʰ) = (I_p ⊗ X̄) d vec(W̄ʰ)", solved for the step: the only dW̄ʰ that
    # satisfies it is W̄ʰ itself (I_p ⊗ X̄ has full column rank), not a small step. So the
    # literal line is the value identity with a d that does not belong.
    assert np.linalg.matrix_rank(K) == K.shape[1]
    step = np.linalg.lstsq(K, vec(Xbar @ Wh), rcond=None)[0]
    np.testing.assert_allclose(step, vec(Wh), atol=1e-10)
    assert not np.allclose(K @ vec(dW), vec(Xbar @ Wh))  # a generic step does not satisfy it


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
    # The derivation's result depends on which H it differentiates: with the lecture's
    # H = X̄W̄ʰ there is no diag(f′) factor, and the Jacobian it gives is not the network's.
    X, Wh, wo = net
    Xbar = closure(X)
    truth = fd_wrt_Wh(X, Wh, wo, "tanh", "sigmoid")
    g_prime = get_activation("sigmoid").df
    H_lecture = Xbar @ Wh
    z_lecture = wo[0] + H_lecture @ wo[1:]
    D_lecture = np.kron(wo[1:][None, :], np.diag(g_prime(z_lecture))) @ np.kron(np.eye(P), Xbar)
    assert D_lecture.shape == truth.shape
    assert not compare(D_lecture, truth, rtol=1e-2, atol=1e-2).ok
    left, middle, right = factors(X, Wh, wo, "tanh", "sigmoid", wo_in_kron=wo[1:])  # H = f(X̄W̄ʰ)
    np.testing.assert_allclose(left @ middle @ right, truth, atol=1e-8)


# errata-sense-dims -------------------------------------------------------------------------------


def test_sense_dims_output_preactivation_is_Hbar_times_wobar(net):
    # With g(z) = z the output is linear in w̄ᵒ, y = (D_w̄ᵒ y) w̄ᵒ, so the matrix that multiplies
    # w̄ᵒ is its finite-difference Jacobian: m × p̄ (that is H̄), not m × p.
    X, Wh, wo = net
    y = network.predict(X, Wh, wo, "tanh", "identity")
    D = fd_wrt_wo(X, Wh, wo, "tanh", "identity")
    assert D.shape == (M, PBAR) != (M, P)
    np.testing.assert_allclose(D @ wo, y, atol=1e-8)  # (m×p̄)(p̄) → m
    # The lecture's (m×p)(p) product is H wᵒ, the last p columns times wᵒ: it misses 1 w₀ᵒ.
    np.testing.assert_allclose(D[:, 0], 1.0, atol=1e-8)
    np.testing.assert_allclose(y - D[:, 1:] @ wo[1:], wo[0], atol=1e-8)

    # H̄ depends on W̄ʰ, not on w̄ᵒ, as the corrected H̄(W̄ʰ) says.
    def Hbar_of_wo(w):
        return network.forward(X, Wh, w, "tanh", "identity").Hbar

    def Hbar_of_Wh(W):
        return network.forward(X, W, wo, "tanh", "identity").Hbar

    np.testing.assert_array_equal(fd_jacobian(Hbar_of_wo, wo), 0.0)
    assert np.abs(fd_jacobian(Hbar_of_Wh, Wh)).max() > 0.1


# errata-dwo-dims ---------------------------------------------------------------------------------


def test_dwo_dims_second_factor_is_m_by_pbar(net):
    X, Wh, wo = net
    D = jacobians.dy_dwo(X, Wh, wo, "tanh", "sigmoid")
    assert D.shape == (M, PBAR)
    np.testing.assert_allclose(D, fd_wrt_wo(X, Wh, wo, "tanh", "sigmoid"), atol=1e-8)


# errata-unknowns ---------------------------------------------------------------------------------


@pytest.mark.parametrize("n, p", [(1, 1), (2, 3), (5, 4)])
def test_unknowns_count_is_np_plus_2p_plus_1(n, p):
    # Count the unknowns the model really has: the weights its output depends on, i.e. the
    # non-zero columns of D_w̄ y, block by block; compare with the lecture's n̄p + p̄.
    Wh, wo = network.init_weights(n, p, seed=0)
    X = np.random.default_rng(0).normal(size=(3, n))
    D_hidden = jacobians.dy_dWh(X, Wh, wo, "tanh", "identity")
    D_output = jacobians.dy_dwo(X, Wh, wo, "tanh", "identity")
    used_hidden = int(np.sum(np.abs(D_hidden).max(axis=0) > 0))
    used_output = int(np.sum(np.abs(D_output).max(axis=0) > 0))
    assert used_hidden == Wh.size == (n + 1) * p  # n̄p: np weights and p biases
    assert used_output == wo.size == p + 1  # p̄: p weights and one bias
    assert jacobians.dy_dw(X, Wh, wo).shape[1] == used_hidden + used_output


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
    rng = np.random.default_rng(12)
    x, d = rng.normal(size=5), rng.normal(size=5)
    m = x.size

    def y_lecture(w):  # y_i = w_0 + w_i x_i: one slope per observation
        return w[0] + w[1:] * x

    # Its Jacobian is m × (m + 1), not the lecture's matrix [1 x] (m × 2): m + 1 unknowns
    # for m data, so it reproduces any data exactly and is no regression at all.
    J_lecture = fd_jacobian(y_lecture, np.zeros(m + 1))
    assert J_lecture.shape == (m, m + 1) and np.linalg.matrix_rank(J_lecture) == m
    w_lecture = np.linalg.lstsq(J_lecture, d, rcond=None)[0]
    np.testing.assert_allclose(y_lecture(w_lecture), d, atol=1e-10)
    # y_i = w_0 + w_1 x_i: the Jacobian of linear_predict is the matrix [1 x] = X̄, and the
    # least-squares line leaves a residual, as a fit of 2 unknowns to 5 points must.
    xs = x[:, None]
    J = fd_jacobian(lambda w: linear.linear_predict(xs, w), np.zeros(2))
    np.testing.assert_allclose(J, closure(xs), atol=1e-10)
    w_line = linear.least_squares(xs, d)
    assert np.linalg.norm(linear.linear_predict(xs, w_line) - d) > 0.1


# errata-phi-prime --------------------------------------------------------------------------------


def test_phi_prime_vector_of_derivatives_gives_the_diagonal():
    x = np.array([-1.0, 0.2, 2.0])
    s = get_activation("sigmoid")
    D = fd_jacobian(s.f, x)
    np.testing.assert_allclose(D, np.diag(s.df(x)), atol=1e-9)
    assert not np.allclose(np.diag(D), s.f(x))  # the diagonal holds φ′(x), not φ(x)


# errata-diag-brackets ----------------------------------------------------------------------------


def test_diag_brackets_literal_products_are_undefined(net):
    X, Wh, wo = net
    Xbar = closure(X)
    A = Xbar @ Wh
    f_prime = vec(elementwise.derivative("tanh", A))[:, None]  # f′(vec A), an mp × 1 column
    K = np.kron(np.eye(P), Xbar)  # I_p ⊗ X̄, mp × n̄p
    dW = np.random.default_rng(7).normal(size=Wh.shape)
    dvec_A = K @ vec(dW)  # d vec A
    # The lecture's diag(f′(vec A) d vec A) and diag(f′(vec A)(I_p ⊗ X̄)) take diag of a
    # product of an mp × 1 column with an mp × 1 column or an mp × n̄p matrix: undefined.
    with pytest.raises(ValueError):
        f_prime @ dvec_A[:, None]
    with pytest.raises(ValueError):
        f_prime @ K
    # Read as an entry-wise product, diag(f′ ⊙ d vec A) is mp × mp, while d vec H is a vector.
    assert np.diag(f_prime[:, 0] * dvec_A).shape == (M * P, M * P)

    # Corrected: diag(f′(vec A)) d vec A and diag(f′(vec A))(I_p ⊗ X̄).
    def H_of(W):
        return network.forward(X, W, wo, "tanh", "identity").H

    t = 1e-6
    dvec_H = (vec(H_of(Wh + t * dW)) - vec(H_of(Wh - t * dW))) / (2 * t)
    np.testing.assert_allclose(np.diag(f_prime[:, 0]) @ dvec_A, dvec_H, atol=1e-8)
    np.testing.assert_allclose(np.diag(f_prime[:, 0]) @ K, fd_jacobian(H_of, Wh), atol=1e-8)


# errata-df-matrix --------------------------------------------------------------------------------


def test_df_matrix_differential_of_f_of_A_is_a_matrix(net):
    X, Wh, _ = net
    A = closure(X) @ Wh
    dA = np.random.default_rng(8).normal(size=A.shape)
    t = 1e-6
    d_f_of_A = (elementwise.apply("tanh", A + t * dA) - elementwise.apply("tanh", A - t * dA)) / (
        2 * t
    )  # d f̃(A): an m × p matrix
    d_f_of_vecA = (
        elementwise.apply("tanh", vec(A) + t * vec(dA))
        - elementwise.apply("tanh", vec(A) - t * vec(dA))
    ) / (2 * t)  # d f(vec A): a vector of length mp
    # The lecture's d f̃(A) = d f(vec A) sets an m × p matrix equal to an mp-vector.
    assert d_f_of_A.shape == (M, P) and d_f_of_vecA.shape == (M * P,)
    with pytest.raises(ValueError):
        compare(d_f_of_A, d_f_of_vecA)
    # Corrected: d vec f̃(A) = d f(vec A) = diag(f′(vec A)) d vec A.
    np.testing.assert_allclose(vec(d_f_of_A), d_f_of_vecA, atol=1e-8)
    D = np.diag(vec(elementwise.derivative("tanh", A)))
    np.testing.assert_allclose(d_f_of_vecA, D @ vec(dA), atol=1e-8)


# errata-xbar-i0 ----------------------------------------------------------------------------------


def test_xbar_i0_the_constant_feature_belongs_to_the_closure(net):
    # The column that multiplies a bias is the constant feature: for the output bias it is
    # h̄_{i0} (∂y_i/∂w₀ᵒ with g(z) = z), for a hidden bias x̄_{i0} (∂a_{ij}/∂w̄ʰ_{0j}). Both are
    # 1, the first column of X̄; X itself has only the n feature columns x_{i1}, …, x_{in}.
    X, Wh, wo = net
    Xbar = closure(X)
    h_bar_0 = fd_wrt_wo(X, Wh, wo, "tanh", "identity")[:, 0]
    x_bar_0 = fd_jacobian(lambda W: Xbar @ W, Wh)[:M, 0]  # ∂ vec(A)[:m] / ∂ w̄ʰ₀₁
    np.testing.assert_allclose(h_bar_0, 1.0, atol=1e-8)
    np.testing.assert_allclose(x_bar_0, Xbar[:, 0], atol=1e-8)
    np.testing.assert_array_equal(Xbar[:, 0], 1.0)
    assert X.shape == (M, N) and not np.any(np.all(X == 1.0, axis=0))


# errata-layout-transpose -------------------------------------------------------------------------


def test_layout_transpose_numerator_layout_needs_vec_H_transposed(net):
    # The lecture sizes ∂vec y/∂vec H as m × pm: numerator layout, ∂vec y/∂vec(H)ᵀ, one row
    # per output, as it defines D_x φ̃ = ∂φ̃/∂xᵀ. Without the transpose (denominator layout) the
    # same derivative is pm × m, which is the lecture's wᵒ ⊗ I_m: the transpose of the Jacobian.
    X, Wh, wo = net
    H = network.forward(X, Wh, wo, "identity", "identity").H

    def y_of_H(H_):
        return wo[0] + H_ @ wo[1:]

    numerator = fd_jacobian(y_of_H, H)  # ∂vec y/∂vec(H)ᵀ
    assert numerator.shape == (M, M * P)
    np.testing.assert_allclose(numerator, np.kron(wo[1:][None, :], np.eye(M)), atol=1e-8)
    np.testing.assert_allclose(numerator.T, np.kron(wo[1:][:, None], np.eye(M)), atol=1e-8)
    # In denominator layout the chain rule runs right to left: (I_p ⊗ X̄)ᵀ(wᵒ ⊗ I_m) = (D_W̄ʰ y)ᵀ.
    K = np.kron(np.eye(P), closure(X))
    truth = fd_wrt_Wh(X, Wh, wo, "identity", "identity")
    np.testing.assert_allclose(K.T @ numerator.T, truth.T, atol=1e-8)


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
    # With g(z) = z the matrix that multiplies w̄ᵒ is D_w̄ᵒ y: finite differences give [1 H].
    np.testing.assert_allclose(fd_wrt_wo(X, Wh, wo, "tanh", "identity"), beside, atol=1e-8)


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


# errata-reading-list ---------------------------------------------------------------------------


def test_reading_list_parr_and_howard_title_ends_for_deep_learning():
    # The lecture's reading list says "... for machine learning"; the paper's title (arXiv
    # 1802.01528) ends "for deep learning", and that is the title the bibliography carries.
    import re
    from pathlib import Path

    bib = (Path(__file__).resolve().parents[1] / "references.bib").read_text(encoding="utf-8")
    entry = re.search(r"@misc\{parr2018matrix,(.*?)\n\}", bib, re.S).group(1)
    title = re.search(r"title\s*=\s*\{(.*?)\},", entry).group(1)
    assert title.lower() == "the matrix calculus you need for deep learning"
    assert "1802.01528" in entry
