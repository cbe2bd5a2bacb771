"""Element-wise Jacobians, vec commuting with f, sympy derivative identities, neurons, and the
collapse of identity-activation networks into one linear model."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from lecturekit import elementwise as E
from lecturekit.activations import get_activation
from lecturekit.checks import fd_jacobian
from lecturekit.network import forward, init_weights
from lecturekit.vectorise import closure, vec

SMOOTH = ["identity", "sigmoid", "tanh", "softplus"]
ALL = SMOOTH + ["relu", "heaviside"]


def _A(shape=(4, 3), seed=0):
    return np.random.default_rng(seed).normal(size=shape)


@pytest.mark.parametrize("f", SMOOTH)
@pytest.mark.parametrize("shape", [(4, 3), (1, 5), (6,)])
def test_explicit_equals_structured_equals_differences(f, shape):
    A = _A(shape)
    J = E.jacobian_explicit(f, A)
    n = A.size
    assert J.shape == (n, n)
    # Off-diagonal entries are exactly zero: component i depends on A's entry i alone.
    assert np.count_nonzero(J - np.diag(np.diag(J))) == 0
    # Structured (no mn×mn matrix) reproduces every column of the explicit Jacobian.
    for k in range(n):
        e = np.zeros(n)
        e[k] = 1.0
        dA = e.reshape(shape, order="F")
        np.testing.assert_allclose(vec(E.jvp(f, A, dA)), J[:, k], rtol=0, atol=0)
    fun = lambda M: E.apply(f, M)  # noqa: E731
    np.testing.assert_allclose(J, fd_jacobian(fun, A, "complex"), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(J, fd_jacobian(fun, A, "central"), rtol=1e-7, atol=1e-9)


def test_jacobian_is_diag_of_vec_not_row_major():
    # A non-square A whose derivatives differ in every entry: a row-major vec would misplace them.
    A = np.arange(6.0).reshape(2, 3) / 5
    J = E.jacobian_explicit("tanh", A)
    np.testing.assert_array_equal(np.diag(J), (1 - np.tanh(A) ** 2).reshape(-1, order="F"))
    assert not np.allclose(np.diag(J), (1 - np.tanh(A) ** 2).reshape(-1, order="C"))


def test_random_direction_jvp_matches_complex_step():
    A, dA = _A((5, 2), 1), _A((5, 2), 2)
    h = 1e-30
    cs = np.imag(E.apply("sigmoid", A + 1j * h * dA)) / h
    np.testing.assert_allclose(E.jvp("sigmoid", A, dA), cs, rtol=1e-13)


@pytest.mark.parametrize("f", ALL)
def test_vec_commutes_with_elementwise(f):
    lhs, rhs = E.vec_commutes(f, _A((3, 4), 3))
    np.testing.assert_array_equal(lhs, rhs)


def test_vec_does_not_commute_with_a_non_elementwise_map():
    # The identity relies on f acting entry by entry: a row-wise softmax breaks it.
    A = _A((3, 4), 4)
    soft = np.exp(A) / np.exp(A).sum(axis=1, keepdims=True)
    v = vec(A)
    assert not np.allclose(vec(soft), np.exp(v) / np.exp(v).sum())


def test_sympy_derivations_are_zero():
    s = E.sigmoid_derivative_identity()
    t = E.tanh_derivative_identity()
    assert E.sigmoid_derivative_difference() == 0 and s.difference == 0
    assert E.tanh_derivative_difference() == 0 and t.difference == 0
    # Not vacuous: a wrong claim leaves a non-zero difference.
    z = sp.Symbol("z", real=True)
    wrong = sp.simplify(sp.diff(sp.tanh(z), z) - (1 - sp.tanh(z)))
    assert wrong != 0
    # The sympy forms agree with the numeric derivatives of lecturekit.activations.
    zz = np.linspace(-3, 3, 7)
    for ident, name in ((s, "sigmoid"), (t, "tanh")):
        num = sp.lambdify(sp.Symbol("z", real=True), ident.claimed, "numpy")(zz)
        np.testing.assert_allclose(num, get_activation(name).df(zz), rtol=1e-14)


def test_stable_at_large_pre_activations():
    A = np.array([[-1000.0, 0.0], [1000.0, 3.0]])
    for f in ALL:
        assert np.all(np.isfinite(E.apply(f, A)))
        assert np.all(np.isfinite(E.jacobian_explicit(f, A)))


def test_neuron_special_cases():
    X = _A((8, 2), 5)
    w = np.array([0.3, -1.2, 0.7])
    z = closure(X) @ w
    np.testing.assert_allclose(E.neuron(X, w, "identity"), z)
    np.testing.assert_array_equal(E.neuron(X, w, "heaviside"), (z > 0).astype(float))
    np.testing.assert_allclose(E.neuron(X, w, "sigmoid"), 1 / (1 + np.exp(-z)))
    # A neuron is a network's hidden unit: column j of H is neuron j.
    Wh, wo = init_weights(2, 3, seed=1)
    H = forward(X, Wh, wo, "tanh").H
    for j in range(3):
        np.testing.assert_allclose(E.neuron(X, Wh[:, j], "tanh"), H[:, j])


@pytest.mark.parametrize("method", ["matrix", "neurons", "kron"])
@pytest.mark.parametrize("f", ["tanh", "relu"])
def test_hidden_layer_three_ways(method, f):
    X = _A((7, 3), 6)
    Wh, wo = init_weights(3, 4, seed=2)
    np.testing.assert_allclose(
        E.hidden_layer(X, Wh, f, method), forward(X, Wh, wo, f).H, rtol=1e-14, atol=1e-15
    )


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_identity_network_collapses_to_linear_model(depth):
    rng = np.random.default_rng(depth)
    n, widths = 3, [4, 5, 2][:depth]
    weights, prev = [], n
    for p in widths:
        weights.append(rng.normal(size=(prev + 1, p)))
        prev = p
    weights.append(rng.normal(size=prev + 1))
    w = E.collapse_linear(weights)
    assert w.shape == (n + 1,)
    X = rng.normal(size=(20, n))
    y = E.deep_forward(X, weights, "identity", "identity")
    np.testing.assert_allclose(closure(X) @ w, y, rtol=1e-12, atol=1e-12)
    _, res = E.linear_fit_residual(X, y)
    assert res < 1e-10
    # With tanh hidden units the same weights give a genuinely nonlinear model.
    _, res_tanh = E.linear_fit_residual(X, E.deep_forward(X, weights, "tanh", "identity"))
    assert res_tanh > 1e-2


def test_deep_forward_one_layer_is_the_lecture_network():
    X = _A((6, 2), 7)
    Wh, wo = init_weights(2, 3, seed=3)
    np.testing.assert_allclose(
        E.deep_forward(X, [Wh, wo], "tanh", "sigmoid"),
        forward(X, Wh, wo, "tanh", "sigmoid").y,
        rtol=1e-14,
    )


def test_errors_name_symbols_and_shapes():
    with pytest.raises(ValueError, match=r"w̄ must have length n̄ = n \+ 1 = 3.*got shape 4"):
        E.neuron(np.zeros((5, 2)), np.zeros(4))
    with pytest.raises(ValueError, match=r"W̄ʰ must have n̄ = 3 rows.*5×3.*2×4"):
        E.hidden_layer(np.zeros((5, 2)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"dA must have the shape of A \(2×2\); got 3×2"):
        E.jvp("tanh", np.zeros((2, 2)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="NaN"):
        E.apply("tanh", np.array([[1.0, np.nan]]))
    with pytest.raises(ValueError, match=r"W̄2 must have 5 rows"):
        E.collapse_linear([np.zeros((3, 4)), np.zeros((4, 2)), np.zeros(3)])
    with pytest.raises(ValueError, match="explicit matrix is limited"):
        E.jacobian_explicit("tanh", np.zeros((100, 50)))
    with pytest.raises(ValueError, match="method must be"):
        E.hidden_layer(np.zeros((5, 2)), np.zeros((3, 4)), method="loop")


@pytest.mark.parametrize("f", SMOOTH)
def test_neuron_jacobian_is_diag_f_prime_times_Xbar(f):
    # D_w̄ y = diag(f′(X̄ w̄)) X̄, the chain rule through a diagonal Jacobian.
    X = _A((7, 3), 8)
    w = np.array([0.1, -0.4, 0.9, 0.3])
    Xbar = closure(X)
    formula = E.derivative(f, Xbar @ w)[:, None] * Xbar
    numeric = fd_jacobian(lambda v: E.neuron(X, v, f), w, "complex")
    np.testing.assert_allclose(formula, numeric, rtol=1e-12, atol=1e-14)


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 4),
    widths=st.lists(st.integers(1, 5), min_size=1, max_size=3),
    seed=st.integers(0, 2**16),
)
def test_collapse_holds_for_any_architecture(n, widths, seed):
    rng = np.random.default_rng(seed)
    weights, prev = [], n
    for p in widths:
        weights.append(rng.normal(size=(prev + 1, p)))
        prev = p
    weights.append(rng.normal(size=prev + 1))
    X = rng.normal(size=(6, n))
    y = E.deep_forward(X, weights, "identity", "identity")
    np.testing.assert_allclose(closure(X) @ E.collapse_linear(weights), y, rtol=1e-9, atol=1e-9)


def test_kron_hidden_layer_is_refused_beyond_memory_before_allocating():
    from lecturekit.jacobians import JacobianTooLarge

    # I_p ⊗ X̄ at m = 100 000, n̄ = 11, p = 300 is 3·10⁷ × 3300: 738 GiB (X is 7.6 MiB)
    X, Wh = np.zeros((100_000, 10)), np.zeros((11, 300))
    with pytest.raises(JacobianTooLarge, match=r"I_p ⊗ X̄ \(30000000×3300, 737\.\d+ GiB\)") as err:
        E.hidden_layer(X, Wh, method="kron")
    assert 'method="matrix" computes the same H' in str(err.value)
    assert isinstance(err.value, MemoryError)
