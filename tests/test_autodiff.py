"""The reverse-mode engine: every operation's VJP against finite differences, graph handling
(reused nodes, deep graphs), and the network gradient against the chapter-4 Jacobians."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from lecturekit import autodiff as ad
from lecturekit.checks import fd_jacobian
from lecturekit.jacobians import dy_dWh, dy_dwo
from lecturekit.network import forward, init_weights
from lecturekit.vectorise import unvec

RNG_SEED = 721


def _rng(k=0):
    return np.random.default_rng(RNG_SEED + k)


def check_vjp(fn, *arrays, seed=0, rtol=1e-6, atol=1e-8):
    """Compare the engine's gradient of ⟨R, fn(...)⟩ with central finite differences.

    A random weighting R (not just a plain sum) makes the test see the whole VJP.
    """
    arrays = [np.asarray(a, dtype=float) for a in arrays]
    out = fn(*[ad.Tensor(a) for a in arrays]).data
    R = _rng(100 + seed).normal(size=out.shape)

    leaves = [ad.Tensor(a, requires_grad=True) for a in arrays]
    loss = ad.sum(fn(*leaves) * R)
    loss.backward()
    for k, a in enumerate(arrays):

        def partial(x, k=k):
            args = [ad.Tensor(x if j == k else arrays[j]) for j in range(len(arrays))]
            return np.sum(fn(*args).data * R)

        expected = fd_jacobian(partial, a).reshape(-1)
        got = leaves[k].grad
        assert got.shape == a.shape
        # fd_jacobian differentiates in column-major vec order
        np.testing.assert_allclose(got.reshape(-1, order="F"), expected, rtol=rtol, atol=atol)


r = _rng()
A34 = r.normal(size=(3, 4))
B34 = r.normal(size=(3, 4))
V4 = r.normal(size=4)
C31 = r.normal(size=(3, 1))
R14 = r.normal(size=(1, 4))
M45 = r.normal(size=(4, 5))
POS34 = r.uniform(0.5, 2.0, size=(3, 4))

CASES = {
    "add same shape": (lambda a, b: a + b, A34, B34),
    "add row-vector broadcast": (lambda a, b: a + b, A34, V4),
    "add outer broadcast": (lambda a, b: a + b, C31, R14),
    "add scalar tensor": (lambda a, b: a + b, A34, np.array(0.7)),
    "sub broadcast": (lambda a, b: a - b, C31, A34),
    "rsub numpy left": (lambda a: 2.0 - a, A34),
    "neg": (lambda a: -a, A34),
    "mul broadcast": (lambda a, b: a * b, A34, C31),
    "mul vector broadcast": (lambda a, b: a * b, V4, A34),
    "div broadcast": (lambda a, b: a / b, A34, POS34[:1]),
    "rdiv numpy left": (lambda a: 3.0 / a, POS34),
    "power 2": (lambda a: a**2, A34),
    "power 3": (lambda a: a**3, A34),
    "power fractional": (lambda a: a**1.5, POS34),
    "power tensor exponent": (lambda a, b: a**b, POS34, B34),
    "rpow number base": (lambda b: 2.0**b, B34),
    "matmul matrix matrix": (lambda a, b: a @ b, A34, M45),
    "matmul matrix vector": (lambda a, b: a @ b, A34, V4),
    "matmul vector matrix": (lambda a, b: a @ b, V4, M45),
    "matmul vector vector": (lambda a, b: a @ b, V4, V4 + 1.0),
    "tanh": (ad.tanh, A34),
    "sigmoid": (ad.sigmoid, 3 * A34),
    "relu": (ad.relu, A34),
    "exp": (ad.exp, A34),
    "log": (ad.log, POS34),
    "sin": (ad.sin, A34),
    "cos": (ad.cos, A34),
    "sum all": (lambda a: ad.sum(a), A34),
    "sum axis 0": (lambda a: ad.sum(a, axis=0), A34),
    "sum axis 1 keepdims": (lambda a: ad.sum(a, axis=1, keepdims=True), A34),
    "sum negative axis": (lambda a: a.sum(axis=-1), A34),
    "mean all": (lambda a: ad.mean(a), A34),
    "mean axis 0": (lambda a: ad.mean(a, axis=0), A34),
    "mean axis 1 keepdims": (lambda a: a.mean(axis=1, keepdims=True), A34),
    "closure matrix": (ad.closure, A34),
    "closure vector": (ad.closure, V4),
    "concat axis 0": (lambda a, b: ad.concat([a, b], axis=0), A34, R14),
    "concat axis 1": (lambda a, b: ad.concat([a, b], axis=1), A34, C31),
    "index basic slice": (lambda a: a[1:, ::2], A34),
    "index single entry": (lambda a: a[2, 3], A34),
    "index column": (lambda a: a[:, 1], A34),
    "index fancy repeated": (lambda a: a[[0, 2, 0, 0]], A34),
    "index boolean mask": (lambda a: a[A34 > 0], A34),
    "closure then matmul (matrix)": (lambda a, b: ad.closure(a) @ b, A34, r.normal(size=(5, 2))),
    "closure then matmul (vector)": (lambda a, b: ad.closure(a) @ b, A34, r.normal(size=5)),
    "closure then matmul (wide)": (lambda a, b: ad.closure(a) @ b, A34, r.normal(size=(5, 7))),
    "transpose": (lambda a: a.T @ a, A34),
    "reshape": (lambda a: a.reshape(4, 3) @ a, A34),
}


@pytest.mark.parametrize("name", list(CASES))
def test_vjp_matches_finite_differences(name):
    fn, *arrays = CASES[name]
    check_vjp(fn, *arrays)


def test_reused_node_x_times_x():
    x = ad.Tensor(A34, requires_grad=True)
    ad.sum(x * x).backward()
    np.testing.assert_allclose(x.grad, 2 * A34, rtol=1e-14)


def test_diamond_graph_collects_both_paths():
    # x feeds a and b; both feed c; c and a feed d: the gradient of x sums four paths.
    def fn(x):
        a = 2.0 * x
        b = ad.tanh(x)
        c = a * b
        return ad.sum(c + ad.sin(a))

    check_vjp(fn, A34)
    x0 = A34
    x = ad.Tensor(x0, requires_grad=True)
    fn(x).backward()
    t = np.tanh(x0)
    expected = 2 * t + 2 * x0 * (1 - t**2) + 2 * np.cos(2 * x0)
    np.testing.assert_allclose(x.grad, expected, rtol=1e-12)


@pytest.mark.slow
def test_deep_chain_has_no_recursion_limit():
    c = 1.0001
    x = ad.Tensor(np.array([0.3, -0.2]), requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * c + 0.0
    ad.sum(y).backward()
    np.testing.assert_allclose(x.grad, c**10_000 * np.ones(2), rtol=1e-10)
    del y  # freeing a 20 000-node graph must not overflow the stack either


def test_backward_accumulates_and_zero_grad_resets():
    x = ad.Tensor(V4, requires_grad=True)
    ad.sum(x * 3.0).backward()
    ad.sum(x * 3.0).backward()
    np.testing.assert_allclose(x.grad, 6.0 * np.ones(4))
    x.zero_grad()
    ad.sum(x).backward()
    np.testing.assert_allclose(x.grad, np.ones(4))


def test_grad_function_leaves_grad_fields_alone():
    x = ad.Tensor(V4, requires_grad=True)
    w = ad.Tensor(V4 + 1, requires_grad=True)
    unused = ad.Tensor(V4, requires_grad=True)
    h = ad.tanh(x * w)
    loss = ad.sum(h**2)
    gx, gw, gh, gu = ad.grad(loss, [x, w, h, unused])
    assert x.grad is None and w.grad is None
    np.testing.assert_allclose(gh, 2 * h.data)
    np.testing.assert_allclose(gx, 2 * h.data * (1 - h.data**2) * w.data)
    np.testing.assert_allclose(gw, 2 * h.data * (1 - h.data**2) * x.data)
    np.testing.assert_array_equal(gu, np.zeros(4))


def test_backward_with_seed_is_a_vector_jacobian_product():
    W = ad.Tensor(M45, requires_grad=True)
    y = ad.Tensor(A34) @ W
    G = _rng(3).normal(size=y.shape)
    y.backward(G)
    np.testing.assert_allclose(W.grad, A34.T @ G)  # D_W ℓ of ℓ(XW) is Xᵀ G


def test_retain_grad_keeps_intermediate():
    x = ad.Tensor(A34, requires_grad=True)
    h = ad.tanh(x).retain_grad()
    ad.sum(h * 2.0).backward()
    np.testing.assert_allclose(h.grad, 2.0 * np.ones((3, 4)))


def test_constants_build_no_graph():
    y = ad.tanh(ad.Tensor(A34)) @ M45
    assert not y.requires_grad and y.is_leaf
    with pytest.raises(ValueError, match="requires_grad"):
        ad.sum(y).backward()


def test_leaf_gradients_do_not_alias():
    a = ad.Tensor(V4, requires_grad=True)
    b = ad.Tensor(V4, requires_grad=True)
    ad.sum(a + b).backward()
    a.grad *= 0.0  # an in-place optimiser step on one gradient must not change the other
    np.testing.assert_array_equal(b.grad, np.ones(4))


def test_errors_name_shapes_and_refuse_bad_values():
    with pytest.raises(ValueError, match="3×4.*5×4"):
        ad.Tensor(A34) @ ad.Tensor(np.ones((5, 4)))
    with pytest.raises(ValueError, match="NaN"):
        ad.Tensor([1.0, np.nan])
    with pytest.raises(ValueError, match="scalar"):
        (ad.Tensor(V4, requires_grad=True) * 2).backward()
    with pytest.raises(ValueError, match="positive"):
        ad.log(ad.Tensor([1.0, -1.0]))
    with pytest.raises(ValueError, match="zero"):
        ad.Tensor([1.0]) / ad.Tensor([0.0])
    with pytest.raises(ValueError, match="overflows"):
        ad.exp(ad.Tensor([1000.0]))
    with pytest.raises(TypeError, match="not a Tensor"):
        ad.Tensor(V4)[ad.Tensor([0.0])]
    with pytest.raises(ValueError, match="shape 4; got 2"):
        (ad.Tensor(V4, requires_grad=True) * 2).backward(np.ones(2))


def test_grad_and_backward_refuse_a_seed_of_the_wrong_shape_alike():
    W = ad.Tensor(np.eye(2), requires_grad=True)
    messages = []
    for call in (
        lambda Y, G: Y.backward(G),
        lambda Y, G: ad.grad(Y, [W], seed=G),
    ):
        with pytest.raises(ValueError, match=r"output's shape 2×2; got 2") as err:
            call(W @ W, np.array([1.0, 0.0]))
        messages.append(str(err.value))
        with pytest.raises(ValueError, match="without a seed needs a scalar output"):
            call(W @ W, None)
    assert messages[0] == messages[1]
    # the right shape still works, and both give the same vector–Jacobian product
    G = np.array([[1.0, 0.0], [0.0, 2.0]])
    (gW,) = ad.grad(W @ W, [W], seed=G, retain_graph=True)
    (W @ W).backward(G)
    np.testing.assert_array_equal(gW, W.grad)


@pytest.mark.parametrize(
    "build, op",
    [
        (lambda x: x**2, "square"),
        (lambda x: x * ad.Tensor([1e300, 1e300]), "mul"),
        (lambda x: x + ad.Tensor([1.7e308, 1.7e308]) + ad.Tensor([1.7e308, 1.7e308]), "add"),
        (lambda x: x - ad.Tensor([1.7e308, 1.7e308]) - ad.Tensor([1.7e308, 1.7e308]), "sub"),
        (lambda x: x / ad.Tensor([1e-300, 1e-300]), "div"),
        (lambda x: ad.Tensor([[1e200, 1e200]]) @ ad.reshape(x, (2, 1)), "matmul"),
        (lambda x: ad.sum(x * 1.7e108), "sum"),
    ],
)
def test_overflow_inside_an_op_is_an_error_naming_the_op(build, op):
    x = ad.Tensor([1e200, 1e200], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning may escape either
        with pytest.raises(FloatingPointError, match=rf"^{op} .*left the float64 range"):
            build(x)


def test_overflow_in_the_backward_pass_names_the_op():
    x = ad.Tensor([1e200], requires_grad=True)
    y = ad.tanh(x * ad.Tensor([1.0]))  # finite forward: tanh(1e200) = 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(FloatingPointError, match=r"backward pass \(VJP\) of mul"):
            (y * 1e200).backward(np.array([1e200]))


def test_sigmoid_and_tanh_stable_at_1000():
    z = ad.Tensor([-1000.0, 0.0, 1000.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = ad.sigmoid(z)
        ad.sum(s + ad.tanh(z)).backward()
    np.testing.assert_allclose(s.data, [0.0, 0.5, 1.0])
    np.testing.assert_allclose(z.grad, [0.0, 0.25 + 1.0, 0.0])


def _network_loss(X, d, Wh, wo, f, g):
    """ℓ = ½‖y − d‖² of the lecture's network, built from engine operations."""
    act = {"tanh": ad.tanh, "sigmoid": ad.sigmoid, "identity": lambda t: t}
    y = act[g](ad.closure(act[f](ad.closure(X) @ Wh)) @ wo)
    return 0.5 * ad.sum((y - d) ** 2)


@pytest.mark.parametrize(("f", "g"), [("tanh", "identity"), ("sigmoid", "sigmoid")])
def test_network_gradient_matches_chapter4_jacobians(f, g):
    rng = _rng(7)
    m, n, p = 9, 3, 5
    X, d = rng.normal(size=(m, n)), rng.normal(size=m)
    Wh0, wo0 = init_weights(n, p, seed=4)
    Wh, wo = ad.Tensor(Wh0, requires_grad=True), ad.Tensor(wo0, requires_grad=True)
    loss = _network_loss(X, d, Wh, wo, f, g)
    loss.backward()

    y = forward(X, Wh0, wo0, f, g).y
    dl_dy = y - d  # D_y ℓ = (y − d)ᵀ
    np.testing.assert_allclose(loss.item(), 0.5 * dl_dy @ dl_dy, rtol=1e-14)
    # D_W̄ʰ ℓ = D_y ℓ · D_W̄ʰ y is a row in vec(W̄ʰ) order: unvec it to W̄ʰ's shape
    expected_Wh = unvec(dl_dy @ dy_dWh(X, Wh0, wo0, f, g), Wh0.shape)
    expected_wo = dl_dy @ dy_dwo(X, Wh0, wo0, f, g)
    np.testing.assert_allclose(Wh.grad, expected_Wh, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(wo.grad, expected_wo, rtol=1e-12, atol=1e-14)
    # and the literal Kronecker formula gives the same numbers
    kron = unvec(dl_dy @ dy_dWh(X, Wh0, wo0, f, g, method="kron"), Wh0.shape)
    np.testing.assert_allclose(Wh.grad, kron, rtol=1e-12, atol=1e-14)


def _u_and_ux(x, Wh, wo):
    """u(x) = [1 tanh(x̄ W̄ʰ)] w̄ᵒ for scalar inputs, and u_x by forward propagation of d/dx.

    a = X̄ W̄ʰ has a_x = 1 ⊗ W̄ʰ[1, :] (row 1 multiplies x), h_x = f′(a) ⊙ a_x with
    f′ = 1 − tanh², u_x = h_x wᵒ: all written with engine operations, so the engine can
    differentiate a loss of u_x with respect to the weights.
    """
    a = ad.closure(x) @ Wh
    h = ad.tanh(a)
    a_x = Wh[1:2, :]  # 1×p, broadcast over the m rows
    h_x = (1.0 - h * h) * a_x
    return ad.closure(h) @ wo, h_x @ wo[1:]


def test_loss_of_a_derivative_pinn_style():
    rng = _rng(11)
    m, p = 7, 4
    x = rng.uniform(-1, 1, size=(m, 1))
    Wh0, wo0 = init_weights(1, p, seed=2)

    # u_x from the engine equals the finite-difference derivative of u in x
    u, u_x = _u_and_ux(ad.Tensor(x), ad.Tensor(Wh0), ad.Tensor(wo0))
    du = np.diag(fd_jacobian(lambda xx: _u_and_ux(ad.Tensor(xx), Wh0, wo0)[0].data, x))
    np.testing.assert_allclose(u_x.data, du, rtol=1e-7, atol=1e-9)

    # loss built from u and u_x (a residual u_x + u = 0 plus a boundary term)
    def loss_fn(Wh, wo):
        u, u_x = _u_and_ux(ad.Tensor(x), Wh, wo)
        return ad.mean((u_x + u) ** 2) + (u[0] - 1.0) ** 2

    Wh, wo = ad.Tensor(Wh0, requires_grad=True), ad.Tensor(wo0, requires_grad=True)
    loss_fn(Wh, wo).backward()
    fd_Wh = fd_jacobian(lambda W: loss_fn(ad.Tensor(W), ad.Tensor(wo0)).data, Wh0)
    fd_wo = fd_jacobian(lambda w: loss_fn(ad.Tensor(Wh0), ad.Tensor(w)).data, wo0)
    np.testing.assert_allclose(Wh.grad.reshape(-1, order="F"), fd_Wh.ravel(), rtol=1e-6)
    np.testing.assert_allclose(wo.grad, fd_wo.ravel(), rtol=1e-6)


def test_tanh_and_sigmoid_vjps_on_a_large_array():
    # 300×300 entries: the VJPs G ⊙ (1 − H ⊙ H) and G ⊙ S ⊙ (1 − S) entry by entry
    X0 = _rng(21).normal(size=(300, 300))
    G = _rng(22).normal(size=(300, 300))
    x = ad.Tensor(X0, requires_grad=True)
    t, s = ad.tanh(x), ad.sigmoid(x)
    ad.sum(t * G + s * G).backward()
    sig = 1 / (1 + np.exp(-X0))
    np.testing.assert_array_equal(t.data, np.tanh(X0))
    np.testing.assert_allclose(s.data, sig, rtol=1e-15)
    np.testing.assert_allclose(x.grad, G * (1 - np.tanh(X0) ** 2) + G * sig * (1 - sig), rtol=1e-12)


@pytest.mark.parametrize("shape", [(3, 4), (300, 300)])
def test_shared_gradient_arrays_are_not_overwritten(shape):
    # add hands one array to both branches; concat hands out views of one array. The VJPs that
    # may work in place must only do so when no other consumer still needs the array.
    x0 = _rng(23).normal(size=shape)

    def fn(x):
        a, b = ad.tanh(x), ad.tanh(2.0 * x)
        both = ad.concat([ad.tanh(a + b), ad.tanh(a - b)], axis=0)
        return ad.sum(both * both) + ad.sum(ad.closure(a) @ np.ones(shape[1] + 1))

    x = ad.Tensor(x0, requires_grad=True)
    fn(x).backward()
    a, b = np.tanh(x0), np.tanh(2 * x0)
    u, v = np.tanh(a + b), np.tanh(a - b)
    P, Q = 2 * u * (1 - u**2), 2 * v * (1 - v**2)  # ∂ℓ/∂(a + b), ∂ℓ/∂(a − b)
    expected = (P + Q + 1) * (1 - a**2) + (P - Q) * 2 * (1 - b**2)
    np.testing.assert_allclose(x.grad, expected, rtol=1e-12, atol=1e-14)
    if x0.size < 100:
        check_vjp(fn, x0)


def test_graph_is_released_unless_retained():
    x = ad.Tensor(V4, requires_grad=True)
    loss = ad.sum(ad.tanh(x) ** 2)
    loss.backward(retain_graph=True)
    loss.backward()
    t = np.tanh(V4)
    np.testing.assert_allclose(x.grad, 2 * (2 * t * (1 - t**2)))
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        loss.backward()


def test_closure_reads_like_the_lecture():
    Xb = ad.closure(ad.Tensor(A34))
    assert Xb.shape == (3, 5) and Xb.ndim == 2 and Xb.size == 15
    np.testing.assert_array_equal(Xb.data, np.hstack([np.ones((3, 1)), A34]))
    np.testing.assert_allclose(
        (Xb @ np.vstack([M45, V4[:, None].T @ M45])).data,
        np.hstack([np.ones((3, 1)), A34]) @ np.vstack([M45, V4[:, None].T @ M45]),
    )


@pytest.mark.parametrize("n", [4, 300])
def test_one_gradient_array_reaching_two_activations(n):
    # add gives the very same array to both branches, and a transpose gives a view of it:
    # neither branch may overwrite what the other still has to read.
    x1, x2 = _rng(31).normal(size=(n, n)), _rng(32).normal(size=(n, n))
    R = _rng(33).normal(size=(n, n))
    same, flip = (lambda t: t), (lambda t: t.T)
    for first, second in ((same, same), (same, flip), (flip, same)):
        a, b = ad.Tensor(x1, requires_grad=True), ad.Tensor(x2, requires_grad=True)
        ad.sum((first(ad.tanh(a)) + second(ad.tanh(b))) * R).backward()
        np.testing.assert_allclose(a.grad, first(R) * (1 - np.tanh(x1) ** 2), rtol=1e-13)
        np.testing.assert_allclose(b.grad, second(R) * (1 - np.tanh(x2) ** 2), rtol=1e-13)


# ------------------------------------------------------------------------------------------
# The engine's network helpers and the measurement helpers built on them
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("f", "g"), [("tanh", "identity"), ("sigmoid", "sigmoid"), ("relu", "identity")]
)
def test_engine_loss_and_gradient_matches_train(f, g):
    from lecturekit import train

    rng = _rng(41)
    X, d = rng.normal(size=(40, 3)), rng.normal(size=40)
    Wh, wo = init_weights(3, 6, seed=1)
    ours = ad.loss_and_gradient(X, d, Wh, wo, f, g)
    ref = train.loss_and_gradient(X, d, Wh, wo, f, g)
    for a, b in zip(ours, ref, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_network_loss_refuses_bad_shapes():
    Wh, wo = init_weights(3, 6)
    with pytest.raises(ValueError, match="W̄ʰ must have n̄ = 3 rows"):
        ad.network_loss(np.ones((5, 2)), np.ones(5), Wh, wo)
    with pytest.raises(ValueError, match="d must be a vector of length m = 5.*got shape 4"):
        ad.network_loss(np.ones((5, 3)), np.ones(4), Wh, wo)
    # a 3×2 d has six entries: it must not be flattened into a 6-vector
    with pytest.raises(ValueError, match="d must be a vector of length m = 6.*got shape 3×2"):
        ad.network_loss(np.ones((6, 3)), np.ones((3, 2)), Wh, wo)
    # an m×1 column is the same data as a vector
    column = ad.network_loss(np.ones((5, 3)), np.ones((5, 1)), Wh, wo)
    assert column.item() == ad.network_loss(np.ones((5, 3)), np.ones(5), Wh, wo).item()
    known = r'f must be "identity", "relu", "sigmoid" or "tanh"; got .softsign.'
    with pytest.raises(ValueError, match=known):
        ad.network_loss(np.ones((5, 3)), np.ones(5), Wh, wo, f="softsign")


def test_measure_methods_agree_and_kron_is_refused_when_too_large():
    from lecturekit import measure
    from lecturekit.jacobians import JacobianTooLarge

    rng = _rng(43)
    X, d = rng.normal(size=(12, 2)), rng.normal(size=12)
    Wh, wo = init_weights(2, 4, seed=3)
    grads = [measure.gradient_Wh(X, d, Wh, wo, m) for m in ("kron", "structured", "reverse")]
    for G in grads[1:]:
        np.testing.assert_allclose(G, grads[0], rtol=1e-12, atol=1e-14)
    with pytest.raises(JacobianTooLarge):
        measure.gradient_Wh(X, d, Wh, wo, "kron", max_bytes=1000)
    with pytest.raises(ValueError, match="method must be one of"):
        measure.gradient_Wh(X, d, Wh, wo, "forward")

    rows = measure.sweep_gradient([4, 64], n=1, p=3, repeat=1, kron_max_bytes=50_000)
    by = {(r.method, r.m): r for r in rows}
    assert np.isnan(by["kron", 64].seconds) and np.isnan(by["kron", 64].peak_bytes)
    assert by["kron", 4].seconds > 0 and by["reverse", 64].seconds > 0
    # the literal formula's peak memory is at least its three explicit factors
    from lecturekit.jacobians import kron_bytes

    assert by["kron", 4].peak_bytes >= kron_bytes(4, 1, 3)
    assert by["reverse", 64].peak_bytes < by["structured", 64].peak_bytes


def test_peak_memory_sees_numpy_arrays_and_time_call_is_positive():
    from lecturekit import measure

    assert measure.peak_memory(lambda: np.ones(250_000)) >= 2_000_000
    assert measure.peak_memory(lambda: None) < 10_000
    assert 0 < measure.time_call(lambda: np.ones(10), repeat=2, min_time=1e-4) < 0.1


def test_torch_helpers_explain_how_to_install(monkeypatch):
    import sys

    from lecturekit import measure

    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` fail
    with pytest.raises(ImportError, match="requirements-torch.txt"):
        measure.torch_loss_and_gradient(np.ones((2, 1)), np.ones(2), *init_weights(1, 2))


def test_topological_order_lists_each_node_after_its_inputs():
    W = ad.Tensor(M45, requires_grad=True)
    A = ad.Tensor(A34) @ W
    loss = ad.sum(ad.tanh(A) * ad.tanh(A))
    order = ad.topological_order(loss)
    assert [t.op for t in order][0] == "leaf" and order[-1] is loss
    position = {id(t): k for k, t in enumerate(order)}
    for t in order:
        assert all(position[id(q)] < position[id(t)] for q in t.parents)
    assert len(order) == len({id(t) for t in order}) == 6  # W, A, tanh, tanh, mul, sum
    assert ad.topological_order(ad.Tensor(V4)) == []
