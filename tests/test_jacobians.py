"""The network and its two Jacobians: structured == Kronecker == finite differences == sympy."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lecturekit as lk
from lecturekit import checks, symbolic
from lecturekit.jacobians import (
    KRON_MAX_BYTES,
    JacobianTooLarge,
    dy_dw,
    dy_dWh,
    dy_dwo,
    kron_bytes,
)

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


@pytest.mark.parametrize(
    "mistake",
    ["X̄ ⊗ I_p for I_p ⊗ X̄", "no diag(f′)", "no diag(g′)"],
)
@pytest.mark.slow
def test_symbolic_detects_a_wrong_formula(monkeypatch, mistake):
    sp = symbolic.sp
    right = symbolic.kron_jacobians

    def wrong(sym, f=None, g=None):
        D_wo, _ = right(sym, f, g)
        m, p = sym.Xbar.rows, sym.Wh.cols
        A = sym.Xbar * sym.Wh
        _, dF = symbolic._scalar_fn(f, "f")
        _, dG = symbolic._scalar_fn(g, "g")
        Hbar = sp.Matrix.hstack(sp.ones(m, 1), A.applyfunc(symbolic._scalar_fn(f, "f")[0]))
        Dg = sp.diag(*[dG(zi) for zi in Hbar * sym.wo])
        middle = sp.diag(*[dF(a) for a in symbolic.vec(A)])
        right_factor = sp.kronecker_product(sp.eye(p), sym.Xbar)
        if mistake == "X̄ ⊗ I_p for I_p ⊗ X̄":
            right_factor = sp.kronecker_product(sym.Xbar, sp.eye(p))
        elif mistake == "no diag(f′)":
            middle = sp.eye(m * p)
        else:
            Dg = sp.eye(m)
        return D_wo, sp.kronecker_product(sym.wo[1:, :].T, Dg) * middle * right_factor

    # at m = n̄ = p = 2 every factor has the right shape, so only the values can tell
    monkeypatch.setattr(symbolic, "kron_jacobians", wrong)
    result = symbolic.verify_jacobians(2, 1, 2)
    assert result.holds is False
    assert result.D_wo_difference.is_zero_matrix and not result.D_Wh_difference.is_zero_matrix


def test_symbolic_proof_holds_is_a_bool():
    result = symbolic.verify_jacobians(2, 1, 2)
    assert result.holds is True


def test_symbolic_refuses_large_sizes():
    with pytest.raises(ValueError, match="between 1 and 3"):
        symbolic.network_symbols(4, 1, 1)


def test_kron_refuses_when_too_large():
    # 74 GiB of factors: refused before anything is allocated (the inputs are 0.3 MB)
    X, Wh, wo = problem(3000, 10, 32, 0)
    need = kron_bytes(3000, 10, 32)
    assert need == 8 * (3000 * 96000 + 96000**2 + 96000 * 11 * 32) > KRON_MAX_BYTES
    with pytest.raises(JacobianTooLarge) as err:
        dy_dWh(X, Wh, wo, method="kron")
    message = str(err.value)
    for part in ("diag(f′(vec A)) (96000×96000, 68.66 GiB)", "above the limit of 1.00 GiB"):
        assert part in message
    assert 'use method="structured", which needs 8.06 MiB' in message
    assert isinstance(err.value, MemoryError)


def test_structured_refuses_a_jacobian_larger_than_the_limit():
    # D_W̄ʰ y at m = 4000, n̄ = 2001, p = 2000 is 4000 × 4 002 000: 119 GiB, refused before
    # the forward pass (the inputs are 61 MiB and 31 MiB)
    m, n, p = 4000, 2000, 2000
    X, Wh, wo = np.zeros((m, n)), np.zeros((n + 1, p)), np.zeros(p + 1)
    with pytest.raises(JacobianTooLarge, match=r"D_W̄ʰ y \(4000×4002000, 119\.\d+ GiB\)") as err:
        dy_dWh(X, Wh, wo)
    assert "train.loss_and_gradient" in str(err.value)


def test_one_size_helper_and_one_limit():
    from lecturekit import _validate, deep

    assert JacobianTooLarge is _validate.ArrayTooLarge and issubclass(JacobianTooLarge, MemoryError)
    assert KRON_MAX_BYTES == _validate.MAX_BYTES
    assert _validate.array_bytes((3, 4), (5,)) == 8 * 17
    assert kron_bytes(4, 1, 3) == _validate.array_bytes((4, 12), (12, 12), (12, 6))
    # the two-layer guard is the same one, with the same limit
    X, W1, W2, wo = (np.zeros((2000, 1)), np.zeros((2, 8)), np.zeros((9, 8)), np.zeros(9))
    with pytest.raises(JacobianTooLarge, match="above the limit of 1.00 GiB"):
        deep.dy_dWh1(X, W1, W2, wo, method="kron")


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
