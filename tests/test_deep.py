"""Two hidden layers: structured == Kronecker == finite differences == sympy."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from lecturekit import deep, jacobians, network
from lecturekit.checks import compare, fd_jacobian
from lecturekit.exercises import check

M, N, P1, P2 = 6, 2, 3, 4


@pytest.fixture(scope="module")
def net():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(M, N))
    return (X, *deep.init_weights(N, P1, P2, seed=2))


ACTS = [
    ("tanh", "tanh", "identity"),
    ("sigmoid", "softplus", "sigmoid"),
    ("tanh", "sigmoid", "tanh"),
]


def test_forward_shapes_and_composition(net):
    X, W1, W2, wo = net
    fw = deep.forward(X, W1, W2, wo)
    assert fw.A1.shape == (M, P1) and fw.H1bar.shape == (M, P1 + 1)
    assert fw.A2.shape == (M, P2) and fw.H2bar.shape == (M, P2 + 1) and fw.y.shape == (M,)
    # y = g([1 f₂([1 f₁(X̄W̄₁)] W̄₂)] w̄ᵒ), composed by hand.
    H1 = np.tanh(fw.Xbar @ W1)
    H2 = np.tanh(np.hstack([np.ones((M, 1)), H1]) @ W2)
    np.testing.assert_allclose(fw.y, np.hstack([np.ones((M, 1)), H2]) @ wo)


@pytest.mark.parametrize("f1, f2, g", ACTS)
def test_jacobians_equal_finite_differences(net, f1, f2, g):
    X, W1, W2, wo = net
    fd1 = fd_jacobian(lambda W: deep.predict(X, W, W2, wo, f1, f2, g), W1, method="complex")
    fd2 = fd_jacobian(lambda W: deep.predict(X, W1, W, wo, f1, f2, g), W2, method="complex")
    fdo = fd_jacobian(lambda w: deep.predict(X, W1, W2, w, f1, f2, g), wo, method="complex")
    D1 = deep.dy_dWh1(X, W1, W2, wo, f1, f2, g)
    D2 = deep.dy_dWh2(X, W1, W2, wo, f1, f2, g)
    Do = deep.dy_dwo(X, W1, W2, wo, f1, f2, g)
    assert D1.shape == (M, (N + 1) * P1) and D2.shape == (M, (P1 + 1) * P2)
    assert Do.shape == (M, P2 + 1)
    for D, fd in ((D1, fd1), (D2, fd2), (Do, fdo)):
        assert compare(D, fd, rtol=1e-10, atol=1e-12).ok
    central = fd_jacobian(lambda W: deep.predict(X, W, W2, wo, f1, f2, g), W1)
    assert compare(D1, central, rtol=1e-6, atol=1e-8).ok


@pytest.mark.parametrize("f1, f2, g", ACTS)
def test_kron_equals_structured(net, f1, f2, g):
    X, W1, W2, wo = net
    for fun in (deep.dy_dWh1, deep.dy_dWh2):
        np.testing.assert_allclose(
            fun(X, W1, W2, wo, f1, f2, g, method="kron"),
            fun(X, W1, W2, wo, f1, f2, g),
            atol=1e-12,
        )


def test_full_jacobian_order(net):
    X, W1, W2, wo = net
    D = deep.dy_dw(X, W1, W2, wo)
    sizes = [W1.size, W2.size, wo.size]
    assert D.shape == (M, sum(sizes))
    wbar = np.concatenate([W1.reshape(-1, order="F"), W2.reshape(-1, order="F"), wo])

    def y_of(w):
        a, b = sizes[0], sizes[0] + sizes[1]
        return deep.predict(
            X, w[:a].reshape(W1.shape, order="F"), w[a:b].reshape(W2.shape, order="F"), w[b:]
        )

    assert compare(D, fd_jacobian(y_of, wbar, method="complex"), rtol=1e-10, atol=1e-12).ok


def test_identity_second_layer_reduces_to_one_hidden_layer(net):
    # With W̄₂ = [0; I] and f₂ = identity, layer 2 copies H₁, so the network is the lecture's.
    X, W1, _, _ = net
    W2 = np.vstack([np.zeros((1, P1)), np.eye(P1)])
    wo = np.random.default_rng(8).normal(size=P1 + 1)
    np.testing.assert_allclose(
        deep.predict(X, W1, W2, wo, "tanh", "identity", "sigmoid"),
        network.predict(X, W1, wo, "tanh", "sigmoid"),
    )
    np.testing.assert_allclose(
        deep.dy_dWh1(X, W1, W2, wo, "tanh", "identity", "sigmoid"),
        jacobians.dy_dWh(X, W1, wo, "tanh", "sigmoid"),
        atol=1e-12,
    )


def test_sympy_proof_at_small_size():
    # m = 2, n = 1, p₁ = p₂ = 2 with generic f₁, f₂, g: the Kronecker formula is exact.
    m, n, p1, p2 = 2, 1, 2, 2
    f1, f2, g = sp.Function("f_1"), sp.Function("f_2"), sp.Function("g")
    t = sp.Symbol("t")
    X = sp.Matrix(m, n, lambda i, j: sp.Symbol(f"x_{i}{j}"))
    Xbar = sp.Matrix.hstack(sp.ones(m, 1), X)
    W1 = sp.Matrix(n + 1, p1, lambda i, j: sp.Symbol(f"a_{i}{j}"))
    W2 = sp.Matrix(p1 + 1, p2, lambda i, j: sp.Symbol(f"b_{i}{j}"))
    wo = sp.Matrix(p2 + 1, 1, lambda i, _: sp.Symbol(f"c_{i}"))
    A1 = Xbar * W1
    H1bar = sp.Matrix.hstack(sp.ones(m, 1), A1.applyfunc(f1))
    A2 = H1bar * W2
    H2bar = sp.Matrix.hstack(sp.ones(m, 1), A2.applyfunc(f2))
    z = H2bar * wo
    y = z.applyfunc(g)

    def vec_(A):
        return sp.Matrix([A[i, j] for j in range(A.cols) for i in range(A.rows)])

    def d(F, arg):
        return sp.diff(F(t), t).subs(t, arg)

    left = sp.kronecker_product(wo[1:, :].T, sp.diag(*[d(g, zi) for zi in z]))
    d2 = sp.diag(*[d(f2, a) for a in vec_(A2)])
    back = sp.kronecker_product(W2[1:, :].T, sp.eye(m))
    d1 = sp.diag(*[d(f1, a) for a in vec_(A1)])
    formula1 = left * d2 * back * d1 * sp.kronecker_product(sp.eye(p1), Xbar)
    formula2 = left * d2 * sp.kronecker_product(sp.eye(p2), H1bar)
    assert sp.expand(y.jacobian(vec_(W1)) - formula1).is_zero_matrix
    assert sp.expand(y.jacobian(vec_(W2)) - formula2).is_zero_matrix


def test_solution_passes_checker_and_bias_mistake_is_caught(net):
    X, W1, W2, wo = net
    D1 = deep.dy_dWh1(X, W1, W2, wo)
    assert check(D1, D1.copy(), "D_W̄₁ y", wrt_shape=W1.shape).correct
    # Keeping the bias row of W̄₂ in the back-propagation factor: W̄₂ᵀ ⊗ I_m does not multiply.
    fw = deep.forward(X, W1, W2, wo)
    with pytest.raises(ValueError):
        np.kron(W2.T, np.eye(M)) @ np.diag(fw.A1.reshape(-1, order="F"))


def test_shape_errors_name_the_symbol(net):
    X, W1, W2, wo = net
    with pytest.raises(ValueError, match="W̄₂ must be p̄₁×p₂"):
        deep.forward(X, W1, W2[1:], wo)
    with pytest.raises(ValueError, match="w̄ᵒ must have length p̄₂"):
        deep.forward(X, W1, W2, wo[1:])
    with pytest.raises(ValueError, match="W̄₁ must be n̄×p₁"):
        deep.forward(X, W1[1:], W2, wo)
    with pytest.raises(ValueError, match="NaN"):
        deep.forward(X, W1 * np.nan, W2, wo)
    with pytest.raises(ValueError, match="method"):
        deep.dy_dWh1(X, W1, W2, wo, method="magic")
    with pytest.raises(MemoryError):
        deep.dy_dWh1(X, W1, W2, wo, method="kron", max_bytes=1000)


def test_stable_at_large_preactivations(net):
    X, W1, W2, wo = net
    big = 1000.0
    for f in ("tanh", "sigmoid", "softplus"):
        D = deep.dy_dw(X, big * W1, big * W2, wo, f, f, "sigmoid")
        assert np.all(np.isfinite(D))
