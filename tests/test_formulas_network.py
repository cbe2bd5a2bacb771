"""lecturekit.formulas.network and lecturekit.formulas.deep: the lecture's formulas against the
kit, finite differences and the literal Kronecker forms, at small sizes."""

import numpy as np
import pytest

from lecturekit import jacobians, network
from lecturekit.activations import get_activation
from lecturekit.formulas import deep as fdeep
from lecturekit.formulas import network as fnet
from lecturekit.train import loss_and_gradient
from lecturekit.vectorise import closure, unvec, vec

TANH, SIGMOID = get_activation("tanh"), get_activation("sigmoid")


def problem(m=5, n=2, p=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, n))
    return X, closure(X), rng.normal(size=(n + 1, p)), rng.normal(size=p + 1), rng.normal(size=m)


def sse(Xbar, d, Wh, wo, f, g):
    return 0.5 * np.sum((fnet.forward(Xbar, Wh, wo, f, g)[-1] - d) ** 2)


def central(fun, W, h=1e-6):
    """∂fun/∂W entry by entry, by central differences."""
    G = np.zeros_like(W)
    for i in np.ndindex(W.shape):
        E = np.zeros_like(W)
        E[i] = h
        G[i] = (fun(W + E) - fun(W - E)) / (2 * h)
    return G


def test_forward_is_the_kits_forward_line_by_line():
    X, Xbar, Wh, wo, _ = problem()
    A, H, Hbar, z, y = fnet.forward(Xbar, Wh, wo, TANH, SIGMOID)
    fw = network.forward(X, Wh, wo, "tanh", "sigmoid")
    for got, want in zip((A, H, Hbar, z, y), (fw.A, fw.H, fw.Hbar, fw.z, fw.y), strict=True):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_allclose(y, 1 / (1 + np.exp(-(closure(np.tanh(Xbar @ Wh)) @ wo))))


@pytest.mark.parametrize("g", [get_activation("identity"), SIGMOID])
def test_gradient_matches_finite_differences_and_the_kit(g):
    X, Xbar, Wh, wo, d = problem(seed=1)
    A, H, Hbar, z, y = fnet.forward(Xbar, Wh, wo, TANH, g)
    dWh, dwo = fnet.gradient(Xbar, wo, Hbar, TANH.df(A), (y - d) * g.df(z))
    np.testing.assert_allclose(dWh, central(lambda W: sse(Xbar, d, W, wo, TANH, g), Wh), rtol=1e-6)
    np.testing.assert_allclose(dwo, central(lambda w: sse(Xbar, d, Wh, w, TANH, g), wo), rtol=1e-6)
    _, kWh, kwo = loss_and_gradient(X, d, Wh, wo, "tanh", g)
    np.testing.assert_allclose(dWh, kWh, rtol=1e-13)
    np.testing.assert_allclose(dwo, kwo, rtol=1e-13)


def test_jacobians_match_kronecker_form_finite_differences_and_kit():
    X, Xbar, Wh, wo, _ = problem(m=4, n=2, p=3, seed=2)
    A, H, Hbar, z, y = fnet.forward(Xbar, Wh, wo, TANH, SIGMOID)
    dfA, dgz = TANH.df(A), SIGMOID.df(z)
    J = fnet.dy_dWh(Xbar, wo, dfA, dgz)
    np.testing.assert_allclose(J, fnet.dy_dWh_kron(Xbar, wo, dfA, dgz), rtol=1e-13, atol=1e-15)
    h = 1e-6
    for k in range(Wh.size):  # column k of D_W̄ʰ y is ∂y/∂(vec W̄ʰ)ₖ
        e = unvec(np.eye(Wh.size)[k], Wh.shape) * h
        col = (
            fnet.forward(Xbar, Wh + e, wo, TANH, SIGMOID)[-1]
            - fnet.forward(Xbar, Wh - e, wo, TANH, SIGMOID)[-1]
        ) / (2 * h)
        np.testing.assert_allclose(J[:, k], col, rtol=1e-6, atol=1e-10)
    Jo = fnet.dy_dwo(Hbar, dgz)
    col = central(lambda w: fnet.forward(Xbar, Wh, w, TANH, SIGMOID)[-1][0], wo)
    np.testing.assert_allclose(Jo[0], col, rtol=1e-6)
    np.testing.assert_allclose(J, jacobians.dy_dWh(X, Wh, wo, "tanh", "sigmoid"), rtol=1e-14)
    assert J.shape == (4, vec(Wh).size)


def test_deep_forward_at_two_layers_is_the_lectures_network():
    _, Xbar, Wh, wo, _ = problem(seed=3)
    As, Hs, Hbars = fdeep.forward(Xbar, [Wh, wo], [TANH, SIGMOID])
    A, H, Hbar, z, y = fnet.forward(Xbar, Wh, wo, TANH, SIGMOID)
    for got, want in zip((As[0], Hs[0], Hbars[0], As[1], Hs[1]), (A, H, Hbar, z, y), strict=True):
        np.testing.assert_array_equal(got, want)


def test_deep_backward_at_two_layers_is_chapter_5s_gradient():
    _, Xbar, Wh, wo, d = problem(seed=4)
    As, Hs, Hbars = fdeep.forward(Xbar, [Wh, wo], [TANH, SIGMOID])
    gWh, gwo = fdeep.backward(Xbar, [Wh, wo], [TANH.df, SIGMOID.df], As, Hbars, Hs[-1] - d)
    dWh, dwo = fnet.gradient(Xbar, wo, Hbars[0], TANH.df(As[0]), (Hs[-1] - d) * SIGMOID.df(As[1]))
    np.testing.assert_allclose(gWh, dWh, rtol=1e-13)
    np.testing.assert_allclose(gwo, dwo, rtol=1e-13)


@pytest.mark.parametrize("widths", [(2, 3, 4, 1), (1, 5, 2, 3, 2)])
def test_deep_backward_matches_finite_differences(widths):
    rng = np.random.default_rng(5)
    m = 4
    Xbar = closure(rng.normal(size=(m, widths[0])))
    Ws = [rng.normal(size=(a + 1, b)) / 2 for a, b in zip(widths[:-1], widths[1:], strict=True)]
    acts = [TANH] * (len(Ws) - 1) + [SIGMOID]
    D = rng.normal(size=(m, widths[-1]))

    def ell(Ws):
        return 0.5 * np.sum((fdeep.forward(Xbar, Ws, acts)[1][-1] - D) ** 2)

    As, Hs, Hbars = fdeep.forward(Xbar, Ws, acts)
    grads = fdeep.backward(Xbar, Ws, [a.df for a in acts], As, Hbars, Hs[-1] - D)
    for k, W in enumerate(Ws):
        fd = central(lambda V, k=k: ell(Ws[:k] + [V] + Ws[k + 1 :]), W)
        np.testing.assert_allclose(grads[k], fd, rtol=1e-6, atol=1e-10)


def test_kit_names_are_the_formulas():
    assert network.propagate is fdeep.forward
    assert network.with_ones is fdeep.with_ones
