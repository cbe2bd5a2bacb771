"""The network and its two Jacobians: structured == Kronecker == finite differences == sympy."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lecturekit as lk
from lecturekit import checks, symbolic
from lecturekit.jacobians import JacobianTooLarge, dy_dw, dy_dWh, dy_dwo, kron_bytes

SMOOTH = ["identity", "sigmoid", "tanh", "softplus"]
PAIRS = list(itertools.product(SMOOTH, SMOOTH))


def problem(m, n, p, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, n))
    Wh, wo = lk.init_weights(n, p, seed=seed)
    return X, Wh, wo


def test_forward_intermediates():
    X, Wh, wo = problem(4, 2, 3, 0)
    fw = lk.forward(X, Wh, wo, "tanh", "sigmoid")
    np.testing.assert_allclose(fw.A, lk.closure(X) @ Wh)
    np.testing.assert_allclose(fw.Hbar, np.hstack([np.ones((4, 1)), np.tanh(fw.A)]))
    np.testing.assert_allclose(fw.y, 1 / (1 + np.exp(-(fw.Hbar @ wo))))
    np.testing.assert_array_equal(lk.predict(X, Wh, wo, "tanh", "sigmoid"), fw.y)


@settings(max_examples=60, deadline=None)
@given(
    m=st.integers(1, 6),
    n=st.integers(1, 4),
    p=st.integers(1, 5),
    pair=st.sampled_from(PAIRS),
    seed=st.integers(0, 2**31 - 1),
)
def test_structured_equals_kron_equals_complex_step(m, n, p, pair, seed):
    f, g = pair
    X, Wh, wo = problem(m, n, p, seed)
    S = dy_dWh(X, Wh, wo, f, g)
    K = dy_dWh(X, Wh, wo, f, g, method="kron")
    assert S.shape == K.shape == (m, (n + 1) * p)
    np.testing.assert_allclose(S, K, rtol=1e-12, atol=1e-14)
    fd = checks.fd_jacobian(lambda W: lk.predict(X, W, wo, f, g), Wh, method="complex")
    np.testing.assert_allclose(S, fd, rtol=1e-10, atol=1e-13)
    fd_o = checks.fd_jacobian(lambda w: lk.predict(X, Wh, w, f, g), wo, method="complex")
    np.testing.assert_allclose(dy_dwo(X, Wh, wo, f, g), fd_o, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("f, g", [("tanh", "identity"), ("sigmoid", "sigmoid")])
def test_central_differences_agree(f, g):
    X, Wh, wo = problem(7, 3, 4, 1)
    fd = checks.fd_jacobian(lambda W: lk.predict(X, W, wo, f, g), Wh)
    assert checks.compare(dy_dWh(X, Wh, wo, f, g), fd, rtol=1e-6, atol=1e-8).ok


def test_identity_activations_reduce_to_warm_up():
    # D_w̄ᵒ y = H̄ and D_W̄ʰ y = wᵒᵀ ⊗ X̄ when f and g are the identity
    X, Wh, wo = problem(5, 2, 3, 2)
    fw = lk.forward(X, Wh, wo, "identity", "identity")
    np.testing.assert_allclose(dy_dwo(X, Wh, wo, "identity", "identity"), fw.Hbar)
    np.testing.assert_allclose(
        dy_dWh(X, Wh, wo, "identity", "identity"), np.kron(wo[1:][None, :], fw.Xbar)
    )


def test_dy_dw_stacks_in_vec_order():
    X, Wh, wo = problem(4, 2, 2, 3)
    w = np.concatenate([lk.vec(Wh), wo])

    def y_of(w):
        return lk.predict(X, lk.unvec(w[: Wh.size], Wh.shape), w[Wh.size :])

    np.testing.assert_allclose(dy_dw(X, Wh, wo), checks.fd_jacobian(y_of, w, "complex"), atol=1e-13)


@pytest.mark.parametrize("m, n, p", [(1, 1, 1), (2, 2, 2), (3, 1, 2), (2, 3, 3)])
def test_symbolic_proof_generic_activations(m, n, p):
    v = symbolic.verify_jacobians(m, n, p)
    assert v.holds, (v.D_wo_difference, v.D_Wh_difference)


@pytest.mark.parametrize("f, g", [("tanh", "sigmoid"), ("softplus", "identity")])
def test_symbolic_proof_named_activations(f, g):
    assert symbolic.verify_jacobians(2, 2, 2, f, g).holds


def test_symbolic_detects_a_wrong_formula():
    # the lecture's literal w̄ᵒ (with the bias) cannot even be multiplied: shapes differ
    sym = symbolic.network_symbols(2, 1, 2)
    _, k_Wh = symbolic.kron_jacobians(sym)
    wrong = symbolic.sp.kronecker_product(sym.wo.T, symbolic.sp.eye(2))
    assert wrong.shape != (2, sym.Xbar.rows * 2) or wrong.cols != k_Wh.rows * 2


def test_symbolic_refuses_large_sizes():
    with pytest.raises(ValueError, match="between 1 and 3"):
        symbolic.network_symbols(4, 1, 1)


def test_kron_refuses_when_too_large():
    X, Wh, wo = problem(3000, 10, 32, 0)
    need = kron_bytes(3000, 10, 32)
    assert need > 2**30
    with pytest.raises(JacobianTooLarge, match=r"would need \d+\.\d+ GiB"):
        dy_dWh(X, Wh, wo, method="kron")


def test_unknown_method():
    X, Wh, wo = problem(2, 1, 1, 0)
    with pytest.raises(ValueError, match='"structured" or "kron"'):
        dy_dWh(X, Wh, wo, method="dense")


# Error messages name the symbol, the expected and the actual shape.
def test_error_wrong_Wh_rows():
    X, Wh, wo = problem(5, 2, 4, 0)
    with pytest.raises(ValueError) as err:
        lk.predict(X, Wh[:2], wo)
    assert str(err.value) == "W̄ʰ must have n̄ = 3 rows to match X̄ (m×n̄ = 5×3); got 2"


def test_error_wrong_wo_length():
    X, Wh, wo = problem(5, 2, 4, 0)
    with pytest.raises(ValueError, match=r"w̄ᵒ must have length p̄ = p \+ 1 = 5 .* got shape 4"):
        dy_dwo(X, Wh, wo[1:])


def test_error_matrix_required():
    with pytest.raises(ValueError, match="W̄ʰ must be a matrix"):
        lk.predict(np.ones((3, 1)), np.ones(2), np.ones(2))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_error_nonfinite(bad):
    X, Wh, wo = problem(3, 1, 2, 0)
    X[1, 0] = bad
    with pytest.raises(
        ValueError, match=r"X contains NaN or infinite values \(first at index \[1, 0\]\)"
    ):
        lk.predict(X, Wh, wo)
    Wh[0, 1] = bad
    with pytest.raises(ValueError, match="W̄ʰ contains NaN"):
        dy_dWh(np.ones((3, 1)), Wh, wo)


def test_error_unknown_activation():
    X, Wh, wo = problem(3, 1, 2, 0)
    with pytest.raises(ValueError, match="known activations: heaviside, identity, relu"):
        lk.predict(X, Wh, wo, f="swish")


def test_fd_jacobian_methods_agree_on_matrix_function():
    A = np.array([[1.0, 2.0], [0.5, -1.0]])
    exact = np.diag(lk.vec(np.cos(A)))
    for method in ("central", "forward", "complex"):
        J = checks.fd_jacobian(np.sin, A, method=method)
        tol = 1e-6 if method == "forward" else 1e-9
        assert checks.compare(J, exact, rtol=tol, atol=tol).ok, method


def test_compare_reports_location():
    c = checks.compare(np.array([[1.0, 2.0], [3.0, 4.5]]), np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert not c.ok and c.where == (1, 1) and c.max_abs == pytest.approx(0.5)
    assert "DISAGREE" in str(c)
