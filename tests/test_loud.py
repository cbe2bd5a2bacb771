"""Loud and safe: one test per kind of failure the package refuses, through its public entries.

1. Memory: a request too large is refused before anything is allocated, with the estimate,
   the limit and a cheaper way.
2. Silent wrong answers: overflow, impossible settings, shared memory, truncated integers,
   masked values, singular covariances and meaningless comparisons raise instead.
3. Errors that teach: integers given as numpy values, callables checked at the call, a
   did-you-mean for every string option, a transposed X named as such.
4. A diverging run says so at the epoch it happens.
"""

import math
import tracemalloc
import warnings

import numpy as np
import pytest

from lecturekit import autodiff as ad
from lecturekit import (
    chain,
    checks,
    data,
    elementwise,
    inverse,
    jacobians,
    linear,
    losses,
    network,
    symbolic,
    train,
    vectorise,
)
from lecturekit._validate import MAX_BYTES, ArrayTooLarge, NonFiniteResult, choice, integer
from lecturekit.activations import get_activation

# ---------------------------------------------------------------------------------------------
# 1. Memory: refused before allocation


def _small_problem(m=6, n=2, p=3, seed=0):
    X = np.random.default_rng(seed).normal(size=(m, n))
    Wh, wo = network.init_weights(n, p, seed=seed)
    return X, np.ones(m), Wh, wo


def _big_explicit():
    m, n, p = 100_000, 30, 30  # D_w̄ y alone is m × 961: 733 MiB, with its blocks > 1 GiB
    return lambda: train.loss_and_gradient_explicit(
        np.zeros((m, n)), np.zeros(m), *network.init_weights(n, p)
    )


TOO_LARGE = {
    "explicit gradient at m = 1e5": _big_explicit(),
    "vec_of_product": lambda: vectorise.vec_of_product(
        np.ones((200, 200)), np.ones((200, 200)), np.ones((200, 200))
    ),
    "kron_vec_matrix": lambda: vectorise.kron_vec_matrix(np.ones((300, 300)), np.ones((300, 300))),
    "covariance of 40 000 weights": lambda: inverse.linearised_covariance(
        np.ones((10, 40_000)), np.ones(10), lam=1.0
    ),
    "confidence band of 12 301 weights": lambda: inverse.confidence_band(
        np.zeros((2000, 1)), np.zeros(2000), np.zeros((2, 4100)), np.zeros(4101), np.zeros((5, 1))
    ),
    "D_w̄ y": lambda: jacobians.dy_dw(np.zeros((200_000, 10)), np.zeros((11, 60)), np.zeros(61)),
    "forward pass with p = 1e4": lambda: network.predict(
        np.zeros((100_000, 1)), np.zeros((2, 10_000)), np.zeros(10_001)
    ),
    "init_weights": lambda: network.init_weights(100_000, 100_000),
    "make_sine": lambda: data.make_sine(10**10),
    "make_moons": lambda: data.make_moons(10**10),
    "fd_jacobian": lambda: checks.fd_jacobian(lambda v: v * 2.0, np.ones(20_000)),
    "autodiff outer product": lambda: (
        ad.tensor(np.ones((100_000, 1))) @ ad.tensor(np.ones((1, 100_000)))
    ),
    "chain.evaluate forming an outer product": lambda: chain.evaluate(
        [np.ones((20_000, 1)), np.ones((1, 20_000)), np.ones((20_000, 1))], ((0, 1), 2)
    ),
    "deep_forward": lambda: elementwise.deep_forward(
        np.zeros((100_000, 1)), [np.zeros((2, 3000)), np.zeros((3001, 10)), np.zeros(11)]
    ),
}


@pytest.mark.parametrize("call", TOO_LARGE.values(), ids=TOO_LARGE.keys())
def test_memory_is_refused_before_anything_is_allocated(call):
    # The arrays named in the message would take more than the limit; the call may allocate
    # its (small) inputs' checked copies, never a share of what it refuses.
    tracemalloc.start()
    try:
        with pytest.raises(ArrayTooLarge) as err:
            call()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    message = str(err.value)
    assert "above the limit of 1.00 GiB" in message and "in all" in message
    assert isinstance(err.value, MemoryError)
    assert peak < MAX_BYTES / 8, f"{peak} bytes allocated before refusing"


def test_all_orders_is_refused_by_its_count_before_listing():
    for k in range(1, 9):  # the count is the Catalan number, which all_orders lists
        assert len(chain.all_orders(k)) == chain.catalan(k - 1)
    assert len(chain.all_orders(12)) == chain.catalan(11) <= chain.MAX_ORDERS
    with pytest.raises(ValueError, match=r"k = 20 factors has Catalan\(k − 1\) = 1,767,263,190"):
        chain.all_orders(20)
    assert chain.catalan(12) > chain.MAX_ORDERS
    with pytest.raises(ValueError, match="optimal_order"):
        chain.all_orders(13)


def test_optimal_order_refuses_a_chain_its_dynamic_programme_cannot_finish():
    with pytest.raises(ValueError, match=r"k = 3000 factors.*at most k = 300"):
        chain.optimal_order([2] * 3001)
    # at the limit it still answers (and agrees with a left-to-right chain of equal sizes)
    cost, _ = chain.optimal_order([2] * 41)
    assert cost == chain.chain_cost([2] * 41, chain.left_to_right(40))


# ---------------------------------------------------------------------------------------------
# 2. Silent wrong answers


def _overflowing():
    X, d, Wh, wo = _small_problem()
    big = wo * 1e307
    return {
        "predict (relu)": lambda: network.predict(X * 1e300, Wh * 1e10, wo, f="relu"),
        "forward": lambda: network.forward(X, Wh * 1e300, big, f="relu"),
        "dy_dWh": lambda: jacobians.dy_dWh(X * 1e10, Wh, wo * 1e300, f="relu"),
        "dy_dWh kron": lambda: jacobians.dy_dWh(X * 1e10, Wh, wo * 1e300, "relu", method="kron"),
        "dy_dwo": lambda: jacobians.dy_dwo(X * 1e300, Wh * 1e10, wo, f="relu"),
        "dy_dw": lambda: jacobians.dy_dw(X * 1e10, Wh, wo * 1e300, f="relu"),
        "sse": lambda: losses.sse([1e200], [-1e200]),
        "sse_derivative": lambda: losses.sse_derivative([1e308], [-1e308]),
        "bernoulli_nll": lambda: losses.bernoulli_nll([1e308, 1e308], [0.0, 0.0]),
        "loss_and_gradient": lambda: train.loss_and_gradient(X, d * 1e200, Wh, wo * 1e200),
        "loss_value": lambda: train.loss_value(X, d * 1e200, Wh, wo * 1e200),
        "loss_and_gradient_explicit": lambda: train.loss_and_gradient_explicit(
            X, d * 1e200, Wh, wo * 1e200
        ),
        "linear_predict": lambda: linear.linear_predict(X, [1e308, 1e308, 1e308]),
        "linear sse": lambda: linear.sse(X, d, [1e200, 1e200, 1e200]),
        "neuron": lambda: elementwise.neuron(X, [1e308, 1e308, 1e308], f="identity"),
        "deep_forward": lambda: elementwise.deep_forward(X, [Wh * 1e300, big], f="relu"),
    }


@pytest.mark.parametrize("name", list(_overflowing()))
def test_overflow_is_an_error_naming_the_quantity_not_an_inf(name):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's overflow warning alone is not enough
        with pytest.raises(NonFiniteResult, match="is not finite") as err:
            _overflowing()[name]()
    assert isinstance(err.value, FloatingPointError) and isinstance(err.value, ValueError)
    assert "scale the inputs or the weights down" in str(err.value)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: train.SGD(lr=-0.5), r"lr \(the learning rate η\) must be > 0; got -0\.5"),
        (lambda: train.SGD(lr=0.0), r"must be > 0; got 0"),
        (lambda: train.Momentum(0.1, beta=1.5), r"β of the heavy ball\) must be < 1; got 1\.5"),
        (lambda: train.Momentum(0.1, beta=-0.1), r"must be ≥ 0"),
        (lambda: train.Adam(lr=np.nan), r"lr \(the learning rate η\) must be finite; got nan"),
        (lambda: train.Adam(0.1, betas=(0.9, 1.0)), r"betas\[1\] \(β2\) must be < 1"),
        (lambda: train.Adam(0.1, betas=0.9), r"betas must be a pair"),
        (lambda: train.Adam(0.1, eps=0.0), r"eps \(ε\) must be > 0"),
        (lambda: train.make_optimiser("sgd", 0.1, momentum=2.0), r"momentum \(β\) must be < 1"),
        (lambda: train.SGD(lr="0.1"), r"must be a real number; got '0\.1' \(a str\)"),
    ],
)
def test_optimisers_refuse_settings_that_cannot_work(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_optimisers_accept_their_admissible_ranges():
    assert train.SGD(np.float32(0.1)).lr == pytest.approx(0.1)
    assert train.Momentum(0.1, beta=np.array(0.0)).beta == 0.0
    assert (train.Adam(1e-3, betas=(0.0, 0.5)).b1, train.Adam(1e-3).b2) == (0.0, 0.999)


def test_tensor_copies_its_data_requires_a_bool_and_a_numeric_exponent():
    a = np.array([1.0, 2.0, 3.0])
    t = ad.Tensor(a, requires_grad=True)
    a[0] = 100.0
    assert t.data[0] == 1.0  # the leaf keeps the value it was given
    assert ad.Tensor(np.float64(2.0), requires_grad=np.True_).requires_grad is True
    for flag in ("no", 1, None):
        with pytest.raises(ValueError, match="requires_grad must be True or False"):
            ad.Tensor([1.0], requires_grad=flag)
    with pytest.raises(TypeError, match="exponent b of A \\*\\* b must be numeric"):
        ad.Tensor([2.0]) ** "3"
    with pytest.raises(ValueError, match="exponent b of A \\*\\* b must be a real number"):
        ad.Tensor([2.0]) ** True
    np.testing.assert_allclose((ad.Tensor([2.0]) ** np.array([3.0])).data, [8.0])


@pytest.mark.parametrize("value", [3, np.int64(3), np.int32(3), np.array(3), 3.0, np.array(3.0)])
def test_integer_accepts_whole_numbers_in_any_numeric_type(value):
    assert integer(value, "k") == 3 and type(integer(value, "k")) is int


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (2.7, r"got 2\.7"),
        (np.float64(2.7), r"got 2\.7 \(a numpy float64\)"),
        ("3", r"got '3' \(a str\)"),
        (True, r"got True \(a boolean\)"),
        (np.array([3]), r"got \[3\] \(a numpy vector of length 1, dtype int64\)"),
        (np.array(2.5), r"got 2\.5 \(a 0-d numpy array of dtype float64\)"),
        (math.inf, "got inf"),
        (None, r"got None \(a NoneType\)"),
    ],
)
def test_integer_refuses_what_is_not_a_whole_number_and_shows_its_type(value, shown):
    with pytest.raises(ValueError, match=f"k must be an integer; {shown}"):
        integer(value, "k")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: chain.chain_cost([2.7, 3, 4], (0, 1)), r"dims\[0\] must be an integer; got 2\.7"),
        (lambda: chain.optimal_order([2, 3.5, 4]), r"dims\[1\] must be an integer"),
        (lambda: chain.all_orders(2.5), r"k \(the number of factors\) must be an integer"),
        (lambda: chain.gradient_chain_dims(5, 2.5, 3), r"n must be an integer; got 2\.5"),
        (lambda: vectorise.unvec(np.ones(4), (2.5, 2)), r"shape\[0\] must be an integer"),
        (lambda: network.init_weights(2, 2.7), r"p \(the number of hidden units\) must be an"),
        (lambda: data.make_sine(10.5), r"m \(the number of observations\) must be an integer"),
        (lambda: symbolic.network_symbols(2.5, 1, 1), r"m must be an integer; got 2\.5"),
        (lambda: train.fit(*_small_problem(), epochs=2.5), r"epochs must be an integer"),
    ],
)
def test_non_integers_are_refused_not_truncated(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_numpy_integers_pass_through_public_entries():
    Wh, wo = network.init_weights(np.int64(2), np.array(3))
    assert Wh.shape == (3, 3) and wo.shape == (4,)
    assert chain.chain_cost(np.array([2, 3, 4]), (0, 1)) == 24
    assert data.make_sine(np.int32(5))[0].shape == (5, 1)


def test_masked_arrays_are_refused_not_read_through_their_mask():
    X, d, Wh, wo = _small_problem()
    hidden = np.ma.masked_array(X, mask=np.zeros_like(X, dtype=bool))
    hidden[2, 1] = np.ma.masked
    for call in (
        lambda: network.predict(hidden, Wh, wo),
        lambda: train.loss_and_gradient(X, np.ma.masked_greater(d + np.arange(6), 3), Wh, wo),
        lambda: linear.least_squares(hidden, d),
        lambda: checks.compare(hidden, X),
        lambda: inverse.linearised_covariance(hidden, d),
    ):
        with pytest.raises(ValueError, match=r"is a masked array with \d+ masked entr"):
            call()
    # nothing hidden: the data are read as they are
    visible = np.ma.masked_array(X, mask=False)
    np.testing.assert_array_equal(network.predict(visible, Wh, wo), network.predict(X, Wh, wo))


def test_covariance_refuses_a_singular_problem_and_equals_the_inverse_otherwise():
    rng = np.random.default_rng(4)
    J = rng.normal(size=(8, 3))
    r = rng.normal(size=8)
    deficient = J.copy()
    deficient[:, 2] = deficient[:, 1]  # two weights the data cannot tell apart
    with pytest.raises(ValueError, match=r"rank 2 < P = 3.*variance is unbounded.*λ > 0"):
        inverse.linearised_covariance(deficient, r)
    wide = rng.normal(size=(3, 5))  # more weights than data
    with pytest.raises(ValueError, match=r"more weights than data, P > m = 3"):
        inverse.linearised_covariance(wide, r[:3])
    with pytest.raises(ValueError, match=r"σ \(the noise standard deviation\) must be > 0"):
        inverse.linearised_covariance(J, r, sigma=0.0)
    # a prior (λ > 0) makes both well posed: Cov = σ²(JᵀJ + λI)⁻¹, here against the inverse
    for A, lam in ((deficient, 0.5), (wide, 0.5), (J, 0.0)):
        cov = inverse.linearised_covariance(A, r[: A.shape[0]], lam=lam, sigma=0.3)
        P = A.shape[1]
        expected = 0.09 * np.linalg.inv(A.T @ A + lam * np.eye(P))
        np.testing.assert_allclose(cov.cov, expected, rtol=1e-9, atol=1e-12)
        assert cov.rank == P and np.all(np.diag(cov.cov) > 0)


@pytest.mark.parametrize("h", [0, 0.0, -1e-6, np.nan, np.inf])
def test_finite_differences_need_a_positive_finite_step(h):
    with pytest.raises(ValueError, match=r"h \(the step size\) must be"):
        checks.fd_jacobian(np.sin, np.ones(2), h=h)


def test_finite_differences_refuse_a_function_that_leaves_its_domain():
    with pytest.raises(NonFiniteResult, match="finite-difference Jacobian"):
        checks.fd_jacobian(np.log, np.array([1e-12]), h=1e-6)


def test_compare_refuses_infinities_and_negative_tolerances():
    with pytest.raises(ValueError, match="NaN or infinite"):
        checks.compare([np.inf], [np.inf])
    with pytest.raises(ValueError, match="NaN or infinite"):
        checks.compare([1.0], [np.nan])
    with pytest.raises(ValueError, match="rtol must be ≥ 0; got -1"):
        checks.compare([1.0], [1.0], rtol=-1)
    assert checks.compare([1.0, 2.0], [1.0, 2.0]).ok


# ---------------------------------------------------------------------------------------------
# 3. Errors that teach


def test_callables_are_checked_at_the_call(monkeypatch):
    X, d, Wh, wo = _small_problem()

    def no_epoch(*args, **kwargs):
        raise AssertionError("training started before the callback was checked")

    monkeypatch.setattr(train.training, "_loss_and_grad", no_epoch)
    with pytest.raises(TypeError, match=r"callback must be a function, called as callback\("):
        train.fit(X, d, Wh, wo, callback=5, epochs=1000)
    with pytest.raises(TypeError, match=r"got 5 \(an int\)"):
        train.fit(X, d, Wh, wo, callback=5)
    with pytest.raises(TypeError, match="fun must be a function"):
        checks.fd_jacobian("sin", np.ones(2))
    with pytest.raises(TypeError, match="make_data must be a function"):
        inverse.coverage_simulation(3, np.sin, Wh, wo, X, n_rep=2)


@pytest.mark.parametrize(
    ("call", "suggestion"),
    [
        (lambda: get_activation("tahn"), "tanh"),
        (lambda: get_activation("sigmod"), "sigmoid"),
        (lambda: losses.get_loss("ssee"), "sse"),
        (lambda: losses.get_loss("bernouli"), "bernoulli"),
        (lambda: train.make_optimiser("adma", 0.1), "adam"),
        (lambda: train.fit(*_small_problem(), optimizer="momentun"), "momentum"),
        (lambda: network.predict(*_small_problem()[:1], *_small_problem()[2:], f="rleu"), "relu"),
        (
            lambda: jacobians.dy_dWh(*_small_problem()[:1], *_small_problem()[2:], method="kronn"),
            "kron",
        ),
        (lambda: checks.fd_jacobian(np.sin, np.ones(2), method="centrall"), "central"),
        (
            lambda: elementwise.hidden_layer(np.ones((3, 1)), np.ones((2, 2)), method="neuron"),
            "neurons",
        ),
        (
            lambda: ad.network_loss(
                np.ones((3, 1)), np.ones(3), np.ones((2, 2)), np.ones(3), f="sigmod"
            ),
            "sigmoid",
        ),
        (
            lambda: train.loss_and_gradient_explicit(*_small_problem(), method="structure"),
            "structured",
        ),
    ],
)
def test_every_string_option_offers_a_did_you_mean(call, suggestion):
    with pytest.raises(ValueError, match=f'Did you mean "{suggestion}"\\?'):
        call()


def test_did_you_mean_is_offered_only_when_something_is_close():
    with pytest.raises(ValueError) as err:
        choice("lbfgs", ("sgd", "momentum", "adam"), "optimizer")
    assert str(err.value) == 'optimizer must be "sgd", "momentum" or "adam"; got \'lbfgs\''
    assert choice("ADAM", ("sgd", "momentum", "adam"), "optimizer") == "adam"
    assert get_activation("logistic").name == "sigmoid"


def _transposed_calls():
    X, d, Wh, wo = _small_problem(m=10, n=2, p=3)
    Xt = X.T  # 2×10: n×m instead of m×n
    return [
        lambda: network.predict(Xt, Wh, wo),
        lambda: train.loss_and_gradient(Xt, d, Wh, wo),
        lambda: train.fit(Xt, d, Wh, wo, epochs=1),
        lambda: jacobians.dy_dWh(Xt, Wh, wo),
        lambda: linear.linear_predict(Xt, np.ones(3)),
        lambda: elementwise.neuron(Xt, np.ones(3)),
        lambda: elementwise.hidden_layer(Xt, Wh),
        lambda: elementwise.deep_forward(Xt, [Wh, wo]),
        lambda: ad.network_loss(Xt, d, Wh, wo),
    ]


@pytest.mark.parametrize("k", range(len(_transposed_calls())))
def test_a_transposed_X_is_named_as_such(k):
    with pytest.raises(ValueError, match=r"X looks transposed: expected m×n with rows = obs"):
        _transposed_calls()[k]()


def test_a_wrong_width_that_is_not_a_transpose_names_the_rows():
    X, _, Wh, wo = _small_problem(m=10, n=2, p=3)
    with pytest.raises(ValueError, match=r"^W̄ʰ must have n̄ = 4 rows to match X̄ \(m×n̄ = 10×4\)"):
        network.predict(np.ones((10, 3)), Wh, wo)


# ---------------------------------------------------------------------------------------------
# 4. A diverging run says so at the epoch it happens


@pytest.mark.filterwarnings("ignore:training diverged at step")
def test_fit_warns_at_the_epoch_the_objective_explodes():
    # Too large a step: J grows for several epochs before it overflows. The warning comes at
    # the first epoch whose J exceeds GROWTH_WARNING × J₀, before the non-finite step.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    d = X @ np.array([1.0, -2.0]) + 0.5
    Wh, wo = network.init_weights(2, 2, seed=1)
    args = (X, d, Wh, wo, "identity", "identity")
    with pytest.warns(RuntimeWarning, match="training is diverging") as rec:
        r = train.fit(*args, lr=1.0, epochs=60)
    history = r.history
    k = int(np.argmax(history > train.training.GROWTH_WARNING * history[0]))
    assert 1 < k <= r.epochs and np.all(np.isfinite(history)) and r.diverged
    diverging = [str(w.message) for w in rec if "training is diverging" in str(w.message)]
    assert len(diverging) == 1 and f"by epoch {k} " in diverging[0], diverging
    # the same run with a callback (each epoch evaluated separately) names the same epoch
    with pytest.warns(RuntimeWarning, match=f"by epoch {k} "):
        train.fit(*args, lr=1.0, epochs=60, callback=lambda *a: None)
    # a stable step does not warn
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        train.fit(*args, lr=0.5, epochs=60)


def test_autodiff_refuses_a_broadcast_too_large_and_non_integer_axes():
    column, row = ad.tensor(np.ones((100_000, 1))), ad.tensor(np.ones((1, 100_000)))
    for op in (
        lambda: column + row,
        lambda: column - row,
        lambda: column * row,
        lambda: column / row,
    ):
        with pytest.raises(ArrayTooLarge, match=r"the broadcast result of A . B"):
            op()
    t = ad.tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"axis must be an integer; got 1\.5"):
        t.sum(axis=1.5)
    with pytest.raises(ValueError, match=r"shape\[0\] must be an integer; got 1\.5"):
        t.reshape(1.5, 4)
    assert t.reshape(np.int64(3), 2).shape == (3, 2) and t.sum(axis=np.array(1)).shape == (2,)


def test_pinn_points_given_transposed_are_named_as_such():
    from lecturekit._validate import points

    with pytest.raises(ValueError, match=r"x looks transposed: expected m×n .* n = 2 input"):
        points(np.ones((2, 7)), 2, "x")
    with pytest.raises(ValueError, match=r"x looks transposed"):
        points(np.ones((1, 7)), 1, "x")
    assert points(np.ones((7, 2)), 2, "x").shape == (7, 2)


def test_one_observation_given_as_a_vector_is_told_how_to_write_it():
    _, _, Wh, wo = _small_problem(n=2)
    for call in (
        lambda: network.predict(np.array([0.5, -1.0]), Wh, wo),
        lambda: linear.linear_predict([0.5, -1.0], np.ones(3)),
        lambda: elementwise.neuron([0.5, -1.0], np.ones(3)),
    ):
        with pytest.raises(ValueError, match=r"X is a vector of length 2.*X\.reshape\(1, -1\)"):
            call()
    row = np.array([[0.5, -1.0]])
    assert network.predict(row, Wh, wo).shape == (1,)
