"""The exercise checker: every known mistake gets the right diagnosis, in the lecture's terms."""

from __future__ import annotations

import numpy as np
import pytest

from lecturekit import jacobians, network
from lecturekit.exercises import DIAGNOSES, Feedback, check
from lecturekit.vectorise import closure, vec

M, N, P = 5, 2, 3


@pytest.fixture(scope="module")
def net():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(M, N))
    Wh, wo = network.init_weights(N, P, seed=4)
    return X, Wh, wo


def test_correct_answer_is_correct(net):
    X, Wh, wo = net
    D = jacobians.dy_dWh(X, Wh, wo, "tanh", "sigmoid")
    fb = check(D.copy(), D, "D_W̄ʰ y", wrt_shape=Wh.shape)
    assert fb.correct and fb.diagnosis == "correct"
    assert str(fb).startswith("correct")
    assert str(fb) == fb.message


def test_kron_formula_passes_the_checker(net):
    # The book's two implementations of D_W̄ʰ y must both pass.
    X, Wh, wo = net
    kron = jacobians.dy_dWh(X, Wh, wo, "tanh", "identity", method="kron")
    structured = jacobians.dy_dWh(X, Wh, wo, "tanh", "identity")
    assert check(kron, structured, "D_W̄ʰ y").correct


def test_wrong_shape_names_symbol_and_both_shapes():
    fb = check(np.zeros((4, 2)), np.zeros((5, 3)), "H̄", shape_label="m×p̄")
    assert not fb.correct and fb.diagnosis == "shape"
    assert "H̄" in fb.message and "5×3" in fb.message and "4×2" in fb.message
    assert "m×p̄" in fb.message


def test_transposed_shape_is_missing_transpose(net):
    X, Wh, wo = net
    D = jacobians.dy_dWh(X, Wh, wo)
    fb = check(D.T, D, "D_W̄ʰ y")
    assert fb.diagnosis == "missing transpose"
    assert f"{M}×{(N + 1) * P}" in fb.message and f"{(N + 1) * P}×{M}" in fb.message


def test_transposed_shape_with_wrong_values_still_says_transpose():
    E = np.arange(6.0).reshape(2, 3)
    fb = check(E.T + 1, E, "A")
    assert fb.diagnosis == "missing transpose" and "largest error" in fb.message


def test_square_transpose_is_missing_transpose():
    E = np.arange(9.0).reshape(3, 3)
    fb = check(E.T, E, "W")
    assert fb.diagnosis == "missing transpose"


def test_gradient_as_row_where_column_is_meant():
    # Gradient descent needs the column (D_w̄ ℓ)ᵀ; the row D_w̄ ℓ is its transpose.
    g = np.arange(1.0, 5.0)[:, None]
    fb = check(g.T, g, "(D_w̄ ℓ)ᵀ")
    assert fb.diagnosis == "missing transpose"


def test_vector_orientation_is_free_for_1d_expected():
    e = np.arange(4.0)
    assert check(e[:, None], e, "y").correct
    assert check(e[None, :], e, "y").correct


def test_row_major_vector_is_detected_with_and_without_context():
    W = np.arange(6.0).reshape(3, 2) + 1
    fb = check(W.reshape(-1), vec(W), "vec(W̄ʰ)", of_shape=(3, 2))
    assert fb.diagnosis == "row-major vec" and "column-major" in fb.message
    fb = check(W.reshape(-1), vec(W), "vec(W̄ʰ)")
    assert fb.diagnosis == "row-major vec"


def test_jacobian_with_columns_in_row_major_order(net):
    X, Wh, wo = net
    D = jacobians.dy_dWh(X, Wh, wo)
    nbar, p = Wh.shape
    # Columns ordered by vec(W̄ʰᵀ): derivative w.r.t. W̄ʰ[k, j] at column k·p + j.
    wrong = np.column_stack([D[:, j * nbar + k] for k in range(nbar) for j in range(p)])
    fb = check(wrong, D, "D_W̄ʰ y", wrt_shape=(nbar, p))
    assert fb.diagnosis == "row-major vec"
    assert "vec" in fb.message and f"{nbar}×{p}" in fb.message
    assert check(wrong, D, "D_W̄ʰ y").diagnosis == "row-major vec"


def test_jacobian_rows_in_row_major_order():
    rng = np.random.default_rng(0)
    D = rng.normal(size=(6, 4))  # rows follow vec of a 3×2 output
    perm = [0, 3, 1, 4, 2, 5]
    fb = check(D[perm], D, "D_X H", of_shape=(3, 2))
    assert fb.diagnosis == "row-major vec"


def test_matrix_refilled_row_by_row():
    rng = np.random.default_rng(1)
    W = rng.normal(size=(3, 2))
    wrong = vec(W).reshape(3, 2)  # unvec with numpy's default (row-major) order
    fb = check(wrong, W, "W̄ʰ")
    assert fb.diagnosis == "row-major vec" and "row by row" in fb.message


def test_bias_included_in_kronecker_factor(net):
    # The lecture's slip: w̄ᵒᵀ ⊗ X̄ where wᵒᵀ ⊗ X̄ belongs (identity activations).
    X, Wh, wo = net
    Xbar = closure(X)
    expected = np.kron(wo[1:][None, :], Xbar)
    student = np.kron(wo[None, :], Xbar)
    fb = check(student, expected, "D_W̄ʰ y", shape_label="m×n̄p")
    assert fb.diagnosis == "bias included"
    assert "w̄ᵒ" in fb.message and "wᵒ" in fb.message
    assert f"{M}×{(N + 1) * P}" in fb.message and f"{M}×{(N + 1) * (P + 1)}" in fb.message


def test_bias_included_in_a_vector(net):
    _, _, wo = net
    fb = check(wo, wo[1:], "wᵒ")
    assert fb.diagnosis == "bias included"


def test_bias_placed_last_is_still_bias_included():
    e = np.array([1.0, 2.0, 3.0])
    fb = check(np.r_[e, 9.0], e, "wᵒ")
    assert fb.diagnosis == "bias included" and "first" in fb.message


def test_bias_free_context_flags_extra_entry_even_with_other_errors():
    e = np.array([1.0, 2.0, 3.0])
    assert check(np.array([5.0, 1.0, 2.0, 4.0]), e, "wᵒ").diagnosis == "shape"
    fb = check(np.array([5.0, 1.0, 2.0, 4.0]), e, "wᵒ", bias_free=True)
    assert fb.diagnosis == "bias included" and "largest error" in fb.message


def test_missing_bias_column_is_a_shape_error(net):
    X, Wh, wo = net
    fw = network.forward(X, Wh, wo)
    fb = check(fw.H, fw.Hbar, "D_w̄ᵒ y")
    assert fb.diagnosis == "shape" and "H̄" in fb.message


def test_values_reports_largest_error_index_and_both_values():
    E = np.arange(12.0).reshape(3, 4)
    S = E.copy()
    S[2, 1] += 0.5
    S[0, 0] += 0.1
    fb = check(S, E, "D_w̄ᵒ y")
    assert fb.diagnosis == "values" and not fb.correct
    assert "[2, 1]" in fb.message and "9.5" in fb.message and "9" in fb.message
    assert "2 of 12" in fb.message


def test_values_locates_entry_of_wrt_matrix(net):
    X, Wh, wo = net
    D = jacobians.dy_dWh(X, Wh, wo)
    S = D.copy()
    S[1, 4] += 1.0  # column 4 = W̄ʰ[4 mod 3, 4 // 3] = W̄ʰ[1, 1]
    fb = check(S, D, "D_W̄ʰ y", wrt_shape=Wh.shape)
    assert fb.diagnosis == "values" and "entry [1, 1]" in fb.message


def test_sign_error_gets_a_hint():
    E = np.array([[1.0, -2.0], [3.0, 0.5], [1.0, 1.0]])
    fb = check(-E, E, "D_y ℓ")
    assert fb.diagnosis == "values" and "negative" in fb.message


def test_nan_gets_a_clear_message():
    E = np.ones((2, 3))
    S = E.copy()
    S[1, 2] = np.nan
    fb = check(S, E, "H")
    assert not fb.correct and fb.diagnosis == "values"
    assert "NaN" in fb.message and "[1, 2]" in fb.message


def test_unreadable_answer():
    fb = check(None, np.ones(3), "y")
    assert not fb.correct and "could not read" in fb.message
    assert check([[1, 2], [3]], np.ones(3), "y").diagnosis == "shape"


def test_vec_versus_matrix_shape_messages():
    W = np.arange(6.0).reshape(2, 3)
    assert "apply vec" in check(W, vec(W), "vec(W̄ʰ)").message
    assert "unvec" in check(vec(W), W, "W̄ʰ").message


def test_tolerances_are_respected():
    E = np.ones(3)
    assert not check(E + 1e-4, E, "y").correct
    assert check(E + 1e-4, E, "y", rtol=1e-3).correct


def test_bad_context_and_bad_expected_raise():
    with pytest.raises(TypeError, match="unknown context"):
        check(np.ones(2), np.ones(2), "y", wrt_shap=(1, 2))
    with pytest.raises(ValueError, match="NaN"):
        check(np.ones(2), np.array([1.0, np.nan]), "y")
    with pytest.raises(ValueError, match="wrt_shape"):
        check(np.ones((2, 2)), np.ones((2, 2)), "D", wrt_shape=(2,))


def test_feedback_displays_as_html():
    fb = check(np.ones(2), np.zeros(2), "y")
    assert isinstance(fb, Feedback)
    html = fb._repr_html_()
    assert "values" in html and "&lt;" not in fb.diagnosis
    assert fb.diagnosis in DIAGNOSES


def test_bias_row_missing_in_every_block(net):
    # I_p ⊗ X instead of I_p ⊗ X̄: each hidden unit's block loses its bias column.
    X, Wh, wo = net
    D = jacobians.dy_dWh(X, Wh, wo)
    nbar = N + 1
    without = D[:, [k for k in range(D.shape[1]) if k % nbar != 0]]
    for ctx in ({"wrt_shape": Wh.shape}, {}):
        fb = check(without, D, "D_W̄ʰ y", **ctx)
        assert fb.diagnosis == "shape" and "X̄" in fb.message and "bias row" in fb.message


@pytest.mark.parametrize("context", [{}, {"of_shape": (3, 2), "wrt_shape": (3, 2)}])
def test_elementwise_jacobian_with_both_sides_row_major(context):
    # diag(f′(A).ravel()) instead of diag(vec f′(A)): rows and columns both reordered
    A = np.arange(6.0).reshape(3, 2) / 7
    expected = np.diag(vec(np.cos(A)))
    fb = check(np.diag(np.cos(A).ravel()), expected, "D_A f(A)", **context)
    assert fb.diagnosis == "row-major vec"
    assert "both the rows and the columns" in fb.message
