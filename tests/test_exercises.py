"""The exercise checker: every known mistake gets the right diagnosis, in the lecture's terms."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import seeded_network

from lecturekit import autodiff, jacobians, network
from lecturekit.activations import get_activation
from lecturekit.exercises import (
    DIAGNOSES,
    EXERCISES,
    Feedback,
    check,
    check_exercise,
    check_function,
    check_shape,
    combine,
)
from lecturekit.vectorise import closure, vec

M, N, P = 5, 2, 3


@pytest.fixture(scope="module")
def net():
    return seeded_network(M, N, P, seed=4)


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


def test_bias_included_in_a_vector_when_the_question_says_bias_free(net):
    # An extra leading weight is only known to be the bias when the question says so.
    _, _, wo = net
    fb = check(wo, wo[1:], "wᵒ", bias_free=True)
    assert fb.diagnosis == "bias included"
    assert "1 extra entry" in fb.message


def test_bias_placed_last_is_still_bias_included():
    e = np.array([1.0, 2.0, 3.0])
    fb = check(np.r_[e, 9.0], e, "wᵒ", bias_free=True)
    assert fb.diagnosis == "bias included" and "first" in fb.message


def test_extra_trailing_entry_is_not_blamed_on_the_bias():
    e = np.array([1.0, 2.0, 3.0])
    fb = check(np.r_[e, 9.0], e, "wᵒ")
    assert fb.diagnosis == "shape" and "bias" not in fb.message
    assert "1 extra entry at the end" in fb.message


def test_grid_with_one_extra_leading_point_is_not_bias_included():
    # The hat function on a grid that starts one step early: an extra point, not a bias.
    x = np.linspace(-2, 2, 82)
    hat = np.maximum(0, 1 - np.abs(x))
    fb = check(hat, hat[1:], "y")
    assert fb.diagnosis == "shape" and "bias" not in fb.message
    assert "1 extra entry at the start" in fb.message and "entries" not in fb.message
    fb = check(hat[:-1], hat, "y")
    assert fb.diagnosis == "shape" and "without its last entry" in fb.message


def test_leading_column_of_ones_is_bias_included(net):
    # H̄ = [1 H] where H belongs: the deleted column is visibly the closure's constant.
    X, Wh, wo = net
    fw = network.forward(X, Wh, wo)
    fb = check(fw.Hbar, fw.H, "H")
    assert fb.diagnosis == "bias included" and "ones" in fb.message and "H̄" in fb.message
    other = fw.Hbar.copy()
    other[:, 0] = 2.0  # an extra column that is not the constant one
    assert check(other, fw.H, "H").diagnosis == "shape"


def test_whole_jacobian_for_the_hidden_block_is_named(net):
    # D_w̄ y = [D_W̄ʰ y  D_w̄ᵒ y] handed in for D_W̄ʰ y: not "bias included ... bias last".
    X, Wh, wo = net
    D_w = jacobians.dy_dw(X, Wh, wo, "tanh", "sigmoid")
    D_Wh = jacobians.dy_dWh(X, Wh, wo, "tanh", "sigmoid")
    for ctx in ({"wrt_shape": Wh.shape}, {}):
        fb = check(D_w, D_Wh, "D_W̄ʰ y", **ctx)
        assert fb.diagnosis == "shape" and "bias" not in fb.message
        assert "this is D_w̄ y" in fb.message and "the D_W̄ʰ y block" in fb.message


def test_whole_jacobian_for_the_output_block_is_named(net):
    X, Wh, wo = net
    D_w = jacobians.dy_dw(X, Wh, wo, "tanh", "sigmoid")
    D_wo = jacobians.dy_dwo(X, Wh, wo, "tanh", "sigmoid")
    fb = check(D_w, D_wo, "D_w̄ᵒ y")
    assert fb.diagnosis == "shape" and "bias" not in fb.message
    assert "this is D_w̄ y" in fb.message and "the D_w̄ᵒ y block" in fb.message


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


def test_one_wrong_entry_is_counted_in_the_singular():
    E = np.arange(12.0).reshape(3, 4)
    S = E.copy()
    S[1, 1] += 1.0
    assert "(1 of 12 entries differs)" in check(S, E, "A").message


def test_sign_error_gets_a_hint():
    E = np.array([[1.0, -2.0], [3.0, 0.5], [1.0, 1.0]])
    fb = check(-E, E, "D_y ℓ")
    assert fb.diagnosis == "values" and "the negative of the expected one" in fb.message


def test_multiple_is_worded_without_of():
    E = np.array([[1.0, -2.0], [3.0, 0.5], [1.0, 1.0]])
    fb = check(2 * E, E, "D_y ℓ")
    assert "your answer is 2 times the expected one" in fb.message.lower()
    assert "times of" not in fb.message


def test_all_zeros_is_called_all_zeros(net):
    X, Wh, wo = net
    D = jacobians.dy_dWh(X, Wh, wo)
    fb = check(np.zeros_like(D), D, "D_W̄ʰ y")
    assert fb.diagnosis == "values" and "all zeros" in fb.message
    assert "times" not in fb.message


def test_all_zeros_is_wrong_when_the_expected_entries_are_tiny():
    # A saturated output sigmoid: every entry of D_W̄ʰ y is far below an absolute 1e-8.
    X, Wh, wo = seeded_network(M, N, P, seed=7)
    wo[0] = 30.0  # z ≈ 30, so g′(z) = σ(z)(1 − σ(z)) ≈ e⁻³⁰ ≈ 1e-13
    D = jacobians.dy_dWh(X, Wh, wo, "tanh", "sigmoid")
    assert 0 < np.max(np.abs(D)) < 1e-10  # the premise: an absolute tolerance would pass 0
    assert check(D, D, "D_W̄ʰ y").correct
    fb = check(np.zeros_like(D), D, "D_W̄ʰ y")
    assert not fb.correct and "all zeros" in fb.message
    assert not check(D * (1 + 1e-3), D, "D_W̄ʰ y").correct


def test_absolute_tolerance_only_where_the_expected_answer_is_zero():
    zero = np.zeros(3)
    assert check(np.full(3, 1e-10), zero, "r").correct
    assert not check(np.full(3, 1e-6), zero, "r").correct
    assert check(np.full(3, 1e-6), zero, "r", atol=1e-5).correct


def test_nan_gets_a_clear_message():
    E = np.ones((2, 3))
    S = E.copy()
    S[1, 2] = np.nan
    fb = check(S, E, "H")
    assert not fb.correct and fb.diagnosis == "not finite"
    assert "NaN" in fb.message and "[1, 2]" in fb.message
    S[1, 2] = np.inf
    assert check(S, E, "H").diagnosis == "not finite"


def test_complex_answer_has_its_own_diagnosis():
    E = np.arange(4.0)
    fb = check(E + 1e-3j, E, "y")
    assert not fb.correct and fb.diagnosis == "complex"
    assert "complex" in fb.message and "shape" not in fb.message
    assert check(E + 0j, E, "y").correct  # a complex dtype holding real numbers is fine


def test_unreadable_answer():
    fb = check([1.0, None, 2.0], np.ones(3), "y")
    assert not fb.correct and fb.diagnosis == "unreadable" and "None" in fb.message
    fb = check([[1, 2], [3]], np.ones(3), "y")
    assert fb.diagnosis == "unreadable" and "different lengths" in fb.message
    assert check("abc", np.ones(3), "y").diagnosis == "unreadable"


def test_scalar_for_a_length_one_vector_is_accepted():
    e = np.array([0.25])
    for answer in (0.25, np.float64(0.25), np.array(0.25), np.array([[0.25]])):
        assert check(answer, e, "y").correct
    assert check(np.array([0.25]), np.array(0.25), "ℓ").correct


def test_array_likes_holding_the_right_numbers_are_accepted(net):
    sparse = pytest.importorskip("scipy.sparse")
    sympy = pytest.importorskip("sympy")
    X, Wh, wo = net
    D = jacobians.dy_dWh(X, Wh, wo)
    assert check(sparse.csr_matrix(D), D, "D_W̄ʰ y").correct
    assert check(sparse.csr_array(D), D, "D_W̄ʰ y").correct
    assert check(sympy.Matrix(D.tolist()), D, "D_W̄ʰ y").correct
    assert check(sympy.Matrix([sympy.Rational(1, 2), 3]), np.array([0.5, 3.0]), "y").correct
    assert check(autodiff.Tensor(D), D, "D_W̄ʰ y").correct
    # and they still get diagnosed when wrong
    assert check(sparse.csr_matrix(D.T), D, "D_W̄ʰ y").diagnosis == "missing transpose"
    fb = check(sympy.Matrix([sympy.Symbol("x"), 3]), np.array([0.5, 3.0]), "y")
    assert fb.diagnosis == "unreadable" and "symbol" in fb.message


@pytest.mark.slow
def test_torch_tensors_are_accepted_even_with_requires_grad(net):
    torch = pytest.importorskip("torch")
    X, Wh, wo = net
    D = jacobians.dy_dWh(X, Wh, wo)
    leaf = torch.tensor(D, requires_grad=True)
    assert check(leaf, D, "D_W̄ʰ y").correct
    assert check(leaf * 1.0, D, "D_W̄ʰ y").correct  # a non-leaf in a graph
    assert check(leaf.float(), D, "D_W̄ʰ y", rtol=1e-6).correct
    assert check(-leaf, D, "D_W̄ʰ y").diagnosis == "values"
    assert check(torch.tensor(D + 1e-3j), D, "D_W̄ʰ y").diagnosis == "complex"


def test_vector_shapes_are_printed_as_vectors():
    fb = check(np.ones(4), np.ones(6), "y")
    assert fb.diagnosis == "shape"
    assert "a vector of length 6" in fb.message and "a vector of length 4" in fb.message
    assert "be 6 " not in fb.message


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


# -- the lecture's Kronecker and activation-factor slips in D_W̄ʰ y ---------------------------------


def factors(X, Wh, wo, f="tanh", g="sigmoid"):
    """The three factors of D_W̄ʰ y = [wᵒᵀ ⊗ diag(g′(z))] diag(f′(vec A)) (I_p ⊗ X̄), literally."""
    fw = network.forward(X, Wh, wo, f, g)
    g_prime = get_activation(g).df(fw.z)
    f_prime = get_activation(f).df(fw.A)
    p = Wh.shape[1]
    left = np.kron(wo[1:][None, :], np.diag(g_prime))
    return left, np.diag(vec(f_prime)), np.kron(np.eye(p), fw.Xbar)


@pytest.mark.parametrize("with_shape", [True, False])
def test_swapped_kronecker_factors_are_named(net, with_shape):
    # (X̄ ⊗ I_p) where (I_p ⊗ X̄) belongs: same shape, other numbers.
    X, Wh, wo = net
    left, middle, right = factors(X, Wh, wo)
    D = left @ middle @ right
    wrong = left @ middle @ np.kron(closure(X), np.eye(P))
    ctx = {"wrt_shape": Wh.shape} if with_shape else {}
    fb = check(wrong, D, "D_W̄ʰ y", **ctx)
    assert fb.diagnosis == "kronecker order"
    assert "X̄ ⊗ I_p" in fb.message and "I_p ⊗ X̄" in fb.message


def test_forgotten_diag_f_prime_is_named(net):
    X, Wh, wo = net
    left, middle, right = factors(X, Wh, wo)
    fb = check(left @ right, left @ middle @ right, "D_W̄ʰ y", wrt_shape=Wh.shape)
    assert fb.diagnosis == "missing factor" and "diag(f′(vec A)) is missing" in fb.message


def test_forgotten_diag_g_prime_is_named(net):
    X, Wh, wo = net
    left, middle, right = factors(X, Wh, wo)
    no_g = np.kron(wo[1:][None, :], np.eye(M))  # wᵒᵀ ⊗ I_m
    fb = check(no_g @ middle @ right, left @ middle @ right, "D_W̄ʰ y", wrt_shape=Wh.shape)
    assert fb.diagnosis == "missing factor" and "diag(g′(z)) is missing" in fb.message


def test_warm_up_formula_with_activations_is_named(net):
    X, Wh, wo = net
    left, middle, right = factors(X, Wh, wo)
    warm = np.kron(wo[1:][None, :], closure(X))  # wᵒᵀ ⊗ X̄
    fb = check(warm, left @ middle @ right, "D_W̄ʰ y")
    assert fb.diagnosis == "missing factor" and "wᵒᵀ ⊗ X̄" in fb.message


def test_missing_factor_that_is_the_identity_is_not_flagged(net):
    # With f the identity, diag(f′) = I: leaving it out is right, not a mistake.
    X, Wh, wo = net
    left, middle, right = factors(X, Wh, wo, f="identity")
    assert check(left @ right, left @ middle @ right, "D_W̄ʰ y").correct


def test_lecture_kron_without_transpose_is_named(net):
    # The lecture's wᵒ ⊗ X̄ (mp × n̄) for wᵒᵀ ⊗ X̄ (m × n̄p): the transpose on wᵒ is missing.
    X, Wh, wo = net
    Xbar = closure(X)
    fb = check(np.kron(wo[1:][:, None], Xbar), np.kron(wo[1:][None, :], Xbar), "D_W̄ʰ y")
    assert fb.diagnosis == "shape"
    assert "wᵒᵀ ⊗ X̄" in fb.message and "transpose on wᵒ is missing" in fb.message


def test_lecture_kron_without_transpose_is_right_at_one_hidden_unit():
    # At p = 1, wᵒ is a single number and wᵒ ⊗ X̄ = wᵒᵀ ⊗ X̄.
    rng = np.random.default_rng(11)
    Xbar = closure(rng.normal(size=(M, N)))
    wo = rng.normal(size=1)
    assert check(np.kron(wo[:, None], Xbar), np.kron(wo[None, :], Xbar), "D_W̄ʰ y").correct


def test_kronecker_factors_swapped_in_the_warm_up_is_a_column_order(net):
    # X̄ ⊗ wᵒᵀ for wᵒᵀ ⊗ X̄ orders the columns like vec(W̄ʰᵀ).
    X, Wh, wo = net
    Xbar = closure(X)
    fb = check(np.kron(Xbar, wo[1:][None, :]), np.kron(wo[1:][None, :], Xbar), "D_W̄ʰ y")
    assert fb.diagnosis == "row-major vec" and "Kronecker" in fb.message


# -- robustness: the checker never raises on what a student hands in ------------------------


def test_an_unanswered_stub_is_not_answered_never_an_error():
    for stub in (..., None):
        fb = check(stub, np.ones((2, 3)), "H")
        assert not fb.correct and fb.diagnosis == "not answered"
        assert "not answered yet" in fb.message and "2×3" in fb.message
    assert "return statement" in check(None, np.ones(2), "y").message
    fb = check_function(..., (), np.ones(2), "y", name="my_fn")
    assert fb.diagnosis == "not answered" and "my_fn" in fb.message
    assert check_shape(..., (2, 3), "X").diagnosis == "not answered"


@pytest.mark.parametrize("label", EXERCISES)
def test_every_exercise_check_says_not_answered_before_any_answer(label):
    fb = check_exercise(label)
    assert not fb.correct and fb.diagnosis == "not answered", fb.message
    assert fb.message.startswith("not answered yet")


def test_a_function_stub_that_returns_ellipsis_is_not_answered():
    def stub(x):
        return ...

    assert check_function(stub, (1,), np.ones(2), "y").diagnosis == "not answered"


def test_a_huge_entry_is_not_finite_instead_of_an_overflow_error():
    fb = check([10**400, 1], np.ones(2), "y")
    assert fb.diagnosis == "not finite" and "too large for a float" in fb.message
    assert check(10**400, np.ones(1), "y").diagnosis == "not finite"


def test_entries_near_the_float_limit_compare_without_warnings():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fb = check(np.array([1e308, -1e308]), np.array([-1e308, 1e308]), "y")
    assert fb.diagnosis == "values" and not fb.correct


@pytest.mark.parametrize("bad", [-1, np.nan, np.inf, "1e-6", True])
def test_tolerances_must_be_finite_and_not_negative(bad):
    with pytest.raises(ValueError, match="rtol"):
        check(np.ones(2), np.ones(2), "y", rtol=bad)
    with pytest.raises(ValueError, match="atol"):
        check(np.ones(2), np.ones(2), "y", atol=bad)


def test_zero_or_none_tolerance_accepts_an_identical_answer():
    E = np.arange(1.0, 5.0)
    assert check(E.copy(), E, "y", rtol=0).correct
    assert check(E.copy(), E, "y", rtol=None, atol=None).correct
    assert not check(E + 1e-12, E, "y", rtol=0).correct


def test_a_context_typo_gets_a_did_you_mean():
    with pytest.raises(TypeError, match="did you mean 'wrt_shape'"):
        check(np.ones(2), np.ones(2), "y", wrt_shap=(1, 2))
    with pytest.raises(ValueError, match="did you mean 'ex-01-shapes'"):
        check_exercise("ex-01-shape")


def test_bad_context_values_are_refused_with_the_option_named():
    with pytest.raises(ValueError, match="wrt_shape must be a pair of positive integers"):
        check(np.ones((2, 2)), np.ones((2, 2)), "D", wrt_shape=(2.5, 2))
    with pytest.raises(TypeError, match="bias_free must be True or False"):
        check(np.ones(2), np.ones(2), "y", bias_free="yes")
    with pytest.raises(TypeError, match="expected answer"):
        check(np.ones(2), None, "y")


def test_a_wrong_720_by_720_jacobian_is_diagnosed_in_bounded_memory():
    # 720 has 28 factor pairs: every reordering of rows and columns held at once was 3.3 GiB.
    import tracemalloc

    rng = np.random.default_rng(5)
    E = rng.normal(size=(720, 720))
    S = E + rng.normal(size=E.shape)
    tracemalloc.start()
    fb = check(S, E, "D_A f(A)")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert fb.diagnosis == "values"
    assert peak < 12 * E.nbytes  # a few arrays of the answer's size, not one per reordering
    # the element-wise Jacobian's row-major slip is still found at this size
    perm = np.arange(720).reshape(24, 30).reshape(-1, order="F")  # a 24×30 input
    wrong = E[np.ix_(perm, perm)]
    assert check(wrong, E, "D_A f(A)", of_shape=(30, 24), wrt_shape=(30, 24)).diagnosis == (
        "row-major vec"
    )


def test_beyond_the_diagnosis_limit_the_answer_is_compared_entry_by_entry():
    E = np.ones((1100, 1000))
    S = E.T.copy().reshape(E.shape)  # any other values
    S[3, 4] = 5.0
    fb = check(S, E, "D")
    assert fb.diagnosis == "values" and "entry by entry" in fb.message and "[3, 4]" in fb.message


# -- the slips each exercise invites, each named -------------------------------------------


def test_ex_01_shapes_forgotten_ones_column_and_transposed_jacobian():
    fb = check_exercise(
        "ex-01-shapes", X=(50, 4), Xbar=(50, 4), wbar=(5,), y=(50, 1), D=(5, 50), unknowns=5
    )
    lines = fb.message.split("\n")
    assert lines[0].startswith("✔") and lines[3].startswith("✔")  # (50, 1) is a vector too
    assert "one too few columns" in lines[1] and "n̄ = n + 1" in lines[1]
    assert "transposed" in lines[4]
    assert fb.diagnosis == "shape"


def test_ex_01_normal_sign_and_missing_data():
    fb = check_exercise("ex-01-normal", descent_direction=lambda X, w, d: X.T @ (d - X @ w))
    assert fb.diagnosis == "values" and "the negative of the expected one" in fb.message
    fb = check_exercise("ex-01-normal", descent_direction=lambda X, w, d: X.T @ X @ w)
    assert "the data d is missing" in fb.message
    fb = check_exercise("ex-01-normal", descent_direction=lambda X, w, d: X.T @ (X @ w - d))
    assert fb.correct


def test_ex_01_code_without_the_ones_column():
    X = np.random.default_rng(0).normal(size=(30, 2))
    fb = check(X, closure(X), "X̄", shape_label="m×n̄")
    assert fb.diagnosis == "shape" and "column of ones" in fb.message


def test_ex_02_jacobian_size_counted_with_n_where_p_belongs():
    # The statement used to say mn = 3200 for what is mp: both slips are named.
    m, n, p = 200, 4, 16
    for k in (n, n + 1):
        fb = check_exercise(
            "ex-02-jacobian-size",
            A=(m, p),
            D=(m * p, m * p),
            entries=(m * k) ** 2,
            nonzero=m * p,
            bytes_explicit=8 * (m * p) ** 2,
            bytes_structured=8 * m * p,
        )
        assert "D_A f(A) is mp × mp" in fb.message and fb.diagnosis == "shape"


def test_ex_02_logistic_slips():
    from lecturekit.elementwise import apply

    def sig(X, w):
        return apply("sigmoid", X @ w)

    no_column = check_exercise(
        "ex-02-logistic-jacobian",
        logistic_jacobian=lambda X, w: sig(X, w) * (1 - sig(X, w)) * X,
        nll_gradient=lambda X, w, d: X.T @ (sig(X, w) - d),
    )
    assert no_column.diagnosis == "error" and "v[:, None] * M" in no_column.message
    bare = check_exercise("ex-02-logistic-jacobian", logistic_jacobian=lambda X, w: X)
    assert bare.diagnosis == "missing factor" and "diag(σ′(X̄w̄))" in bare.message
    by_y = check_exercise(
        "ex-02-logistic-jacobian", logistic_jacobian=lambda X, w: sig(X, w)[:, None] * X
    )
    assert by_y.diagnosis == "missing factor" and "not by σ′" in by_y.message


def test_ex_02_code_jacobian_ravel_is_row_major():
    A = np.random.default_rng(2).normal(size=(3, 2))
    fb = check((1 - np.tanh(A) ** 2).ravel(), vec(1 - np.tanh(A) ** 2), "vec", of_shape=A.shape)
    assert fb.diagnosis == "row-major vec"


def test_ex_02_collapse_slips():
    counts = {"weights_network": 51, "weights_linear": 4}
    fb = check_exercise("ex-02-collapse", collapse=lambda Wh, wo: Wh @ wo, **counts)
    assert fb.diagnosis == "bias included" and "w̄ᵒ" in fb.message and "wᵒ" in fb.message
    fb = check_exercise("ex-02-collapse", collapse=lambda Wh, wo: Wh @ wo[1:], **counts)
    assert fb.diagnosis == "values" and "output bias w₀ᵒ is missing" in fb.message
    fb = check_exercise("ex-02-collapse", collapse=lambda Wh, wo: Wh @ wo[1:] + wo[0], **counts)
    assert fb.diagnosis == "bias included" and "first entry of w̄ only" in fb.message


def test_ex_03_shapes_forgotten_bar():
    fb = check_exercise("ex-03-shapes", Hbar=(200, 16), kron=(96, 3200))
    assert "one too few columns" in fb.message and "transposed" in fb.message


def test_ex_03_bump_peak_with_the_full_width():
    fb = check_exercise(
        "ex-03-bump-derivation",
        bump_peak=lambda a, b, s, h: h * np.tanh(s * (b - a)),
        limits=(0, 1, 0),
    )
    assert "half the width" in fb.message and fb.diagnosis == "values"


def test_ex_03_relu_hat_transposed_weights_and_bias_row_last():
    Wh = np.array([[1.0, 0.0, -1.0], [1.0, 1.0, 1.0]])
    wo = np.array([0.0, 1.0, -2.0, 1.0])
    assert check_exercise("ex-03-relu-hat", Wh_hat=Wh, wo_hat=wo).correct
    fb = check_exercise("ex-03-relu-hat", Wh_hat=Wh.T, wo_hat=wo)
    assert fb.diagnosis == "shape" and "W̄ʰ" in fb.message
    fb = check_exercise("ex-03-relu-hat", Wh_hat=Wh[::-1], wo_hat=wo)
    assert fb.diagnosis == "values"


def test_ex_04_spot_the_wrong_entry():
    fb = check_exercise("ex-04-spot", shape_first_factor=(6, 18), index_to_drop=1)
    assert not fb.correct and "one too few columns" not in fb.message
    assert check_exercise("ex-04-spot", shape_first_factor=(6, 24), index_to_drop=0).correct


def test_ex_04_code_kept_bias_is_a_broadcasting_error_named_as_the_bias(net):
    # The realistic slip: f′(A) (m×p) times w̄ᵒ (p̄ entries) fails inside numpy.
    X, Wh, wo = net

    def with_bias(X, Wh, wo, f, g):
        fw = network.forward(X, Wh, wo, f, g)
        scale = get_activation(g).df(fw.z)[:, None] * get_activation(f).df(fw.A) * wo
        return np.hstack([scale[:, [j]] * fw.Xbar for j in range(Wh.shape[1])])

    expected = jacobians.dy_dWh(X, Wh, wo, "tanh", "sigmoid")
    fb = check_function(
        with_bias, (X, Wh, wo, "tanh", "sigmoid"), expected, "D_W̄ʰ y", bias=("w̄ᵒ", "wᵒ", P)
    )
    assert fb.diagnosis == "bias included"
    assert f"{M}×{P}" in fb.message and f"length {P + 1}" in fb.message
    assert "w̄ᵒ" in fb.message and "wᵒ" in fb.message and "scale = " in fb.message
    # without the question's bias hint it is still explained, as numpy broadcasting
    fb = check_function(with_bias, (X, Wh, wo, "tanh", "sigmoid"), expected, "D_W̄ʰ y")
    assert fb.diagnosis == "error" and "last axes" in fb.message


def test_ex_04_code_kept_bias_block_with_activations_is_not_a_loop_index(net):
    # One block per entry of w̄ᵒ, the bias's block first: X̄ scaled by g′ w₀ᵒ.
    X, Wh, wo = net
    fw = network.forward(X, Wh, wo, "tanh", "sigmoid")
    gp = get_activation("sigmoid").df(fw.z)
    fp_bar = closure(get_activation("tanh").df(fw.A))
    student = np.hstack([gp[:, None] * wo[j] * fp_bar[:, [j]] * fw.Xbar for j in range(P + 1)])
    expected = jacobians.dy_dWh(X, Wh, wo, "tanh", "sigmoid")
    for ctx in ({"wrt_shape": Wh.shape}, {}):
        fb = check(student, expected, "D_W̄ʰ y", **ctx)
        assert fb.diagnosis == "bias included", fb.message
        assert "w₀ᵒ" in fb.message and "range" not in fb.message and "loop" not in fb.message


def test_ex_04_code_other_errors_say_where(net):
    X, Wh, wo = net

    def typo(X, Wh, wo, f, g):
        fw = network.forward(X, Wh, wo, f, g)
        return fw.Abar  # no such field

    fb = check_function(typo, (X, Wh, wo, "tanh", "sigmoid"), np.ones((M, 9)), "D_W̄ʰ y")
    assert fb.diagnosis == "error" and "AttributeError" in fb.message and "fw.Abar" in fb.message
    fb = check_function(np.ones(3), (), np.ones(3), "y", name="f")
    assert fb.diagnosis == "unreadable" and "should be a function" in fb.message


def test_ex_04_two_layers_barred_second_layer_is_named():
    from lecturekit import deep

    rng = np.random.default_rng(8)
    X = rng.normal(size=(M, N))
    W1, W2, wo = deep.init_weights(N, 3, 2, seed=8)

    def with_bar(X, W1, W2, wo, f1, f2, g):
        fw = deep.forward(X, W1, W2, wo, f1, f2, g)
        S2 = get_activation(g).df(fw.z)[:, None] * get_activation(f2).df(fw.A2) * wo[1:]
        S1 = (S2 @ W2.T) * get_activation(f1).df(fw.A1)  # W̄₂ where W₂ belongs
        return np.hstack([S1[:, [j]] * fw.Xbar for j in range(W1.shape[1])])

    args = (X, W1, W2, wo, "tanh", "sigmoid", "identity")
    expected = deep.dy_dWh1(*args)
    fb = check_function(with_bar, args, expected, "D_W̄₁ y", bias=("W̄₂", "W₂", 3))
    assert fb.diagnosis == "bias included" and "W̄₂" in fb.message and "W₂ (3 entries" in fb.message


def test_an_answer_in_parts_is_one_feedback_with_a_line_per_part():
    parts = [check(np.ones(2), np.ones(2), "a"), check(np.zeros(2), np.ones(2), "b")]
    fb = combine(parts, "ex")
    assert not fb.correct and fb.diagnosis == "values"
    assert fb.message.count("\n") == 1 and fb.message.startswith("✔")
    assert "<br>" in fb._repr_html_()
    assert combine(parts[:1]).correct
    assert combine([check(..., np.ones(2), "a")]).diagnosis == "not answered"


def test_a_function_without_return_is_asked_for_its_return_statement():
    def forgot(x):
        x + 1

    fb = check_function(forgot, (1,), np.ones((2, 3)), "D")
    assert (
        fb.diagnosis == "not answered" and "return statement" in fb.message and "2×3" in fb.message
    )
