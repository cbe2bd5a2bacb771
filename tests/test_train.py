"""The loss gradient (reverse order vs explicit Jacobians vs finite differences) and training."""

import warnings

import numpy as np
import pytest

from lecturekit import activations, data, inverse, network, train
from lecturekit.activations import ACTIVATIONS
from lecturekit.checks import fd_jacobian
from lecturekit.vectorise import vec

ALL_F = ["identity", "heaviside", "sigmoid", "tanh", "relu", "softplus"]
SMOOTH_F = [name for name in ALL_F if ACTIVATIONS[name].smooth]
PAIRS = [(g, "sse") for g in ALL_F] + [("sigmoid", "bernoulli")]


def problem(m=7, n=3, p=4, seed=0, labels=False):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, n))
    d = (rng.random(m) < 0.5).astype(float) if labels else rng.normal(size=m)
    Wh, wo = network.init_weights(n, p, seed=seed + 1)
    return X, d, Wh, wo


def assert_same(a, b, tol=1e-10):
    """Loss and both gradients agree to ``tol`` relative to their size."""
    for u, v in zip(a, b, strict=True):
        u, v = np.asarray(u), np.asarray(v)
        assert u.shape == v.shape
        assert np.max(np.abs(u - v)) <= tol * max(1.0, np.max(np.abs(v)))


@pytest.mark.parametrize("f", ALL_F)
@pytest.mark.parametrize("g, loss", PAIRS)
def test_reverse_equals_explicit_for_every_pair(f, g, loss):
    X, d, Wh, wo = problem(labels=loss == "bernoulli")
    fast = train.loss_and_gradient(X, d, Wh, wo, f, g, loss)
    explicit = train.loss_and_gradient_explicit(X, d, Wh, wo, f, g, loss)
    assert_same(fast, explicit)
    assert fast[1].shape == Wh.shape and fast[2].shape == wo.shape


@pytest.mark.parametrize("g, loss", [("identity", "sse"), ("sigmoid", "bernoulli")])
def test_explicit_with_the_literal_kronecker_formula(g, loss):
    X, d, Wh, wo = problem(m=5, n=2, p=3, labels=loss == "bernoulli")
    kron = train.loss_and_gradient_explicit(X, d, Wh, wo, "tanh", g, loss, method="kron")
    assert_same(train.loss_and_gradient(X, d, Wh, wo, "tanh", g, loss), kron)


@pytest.mark.parametrize("f", SMOOTH_F)
@pytest.mark.parametrize("g, loss", [(g, "sse") for g in SMOOTH_F] + [("sigmoid", "bernoulli")])
def test_gradient_matches_finite_differences(f, g, loss):
    X, d, Wh, wo = problem(m=6, n=2, p=3, seed=3, labels=loss == "bernoulli")
    value, dWh, dwo = train.loss_and_gradient(X, d, Wh, wo, f, g, loss)
    assert value == pytest.approx(train.loss_value(X, d, Wh, wo, f, g, loss), rel=1e-14)
    J_h = fd_jacobian(lambda W: train.loss_value(X, d, W, wo, f, g, loss), Wh)
    J_o = fd_jacobian(lambda w: train.loss_value(X, d, Wh, w, f, g, loss), wo)
    # D_W̄ʰ ℓ is a row over vec(W̄ʰ); the gradient array is its transpose un-vec'd.
    np.testing.assert_allclose(J_h[0], vec(dWh), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(J_o[0], dwo, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("f", ["tanh", "sigmoid", "relu", "softplus", "heaviside"])
def test_derivative_from_the_output_is_the_derivative(f):
    # The backward pass takes f′(A) from H = f(A) where an identity allows it (tanh′ = 1 − H²,
    # σ′ = H(1 − H), relu′ = [H > 0]); elsewhere it evaluates f′(A).
    act = activations.get_activation(f)
    A = np.random.default_rng(5).normal(scale=3.0, size=(50, 4))
    np.testing.assert_allclose(act.df_from(A, act.f(A)), act.df(A), rtol=1e-12, atol=1e-15)
    X, d, Wh, wo = problem(m=70, n=3, p=12, seed=5)
    assert_same(
        train.loss_and_gradient(X, d, Wh, wo, f), train.loss_and_gradient_explicit(X, d, Wh, wo, f)
    )


@pytest.mark.parametrize("bias", [1000.0, -1000.0])
def test_bernoulli_training_gradient_is_stable_at_huge_logits(bias):
    X, d, Wh, wo = problem(m=6, labels=True)
    assert 0 < d.sum() < 6  # both labels, so some observations are badly wrong
    wo = np.r_[bias, np.ones(wo.size - 1)]  # z = bias + sum of p tanh values: |z| ≈ 1000
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        value, dWh, dwo = train.loss_and_gradient(X, d, Wh, wo, "tanh", "sigmoid", "bernoulli")
    z = network.forward(X, Wh, wo, "tanh", "identity").z
    assert np.all(np.abs(z) > 990)
    wrong = (d == 1) if bias < 0 else (d == 0)
    assert value == pytest.approx(np.sum(np.abs(z[wrong])), rel=1e-12)
    np.testing.assert_allclose(dwo[0], np.sum(np.where(wrong, np.sign(bias), 0.0)), atol=1e-12)
    assert np.all(np.isfinite(dWh)) and np.all(np.isfinite(dwo))


def test_bernoulli_needs_the_logistic_output():
    X, d, Wh, wo = problem(labels=True)
    with pytest.raises(ValueError, match='needs the logistic output g="sigmoid"; got g="tanh"'):
        train.loss_and_gradient(X, d, Wh, wo, "tanh", "tanh", "bernoulli")


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (
            dict(d=np.zeros(5)),
            r"d must be a vector of length m = 7 \(one value per row of X\); got shape 5",
        ),
        (dict(d=np.zeros((7, 2))), r"d must be a vector of length m = 7"),
        (dict(d=np.r_[np.zeros(6), np.nan]), r"d contains NaN"),
        (dict(Wh=np.zeros((3, 4))), r"W̄ʰ must have n̄ = 4 rows"),
        (dict(wo=np.zeros(4)), r"w̄ᵒ must have length p̄ = p \+ 1 = 5"),
        (dict(loss="hinge"), r"unknown loss"),
        (dict(f="swish"), r"unknown activation"),
    ],
)
def test_bad_shapes_name_the_symbol(kwargs, match):
    X, d, Wh, wo = problem()
    args = dict(X=X, d=d, Wh=Wh, wo=wo) | kwargs
    for fn in (train.loss_and_gradient, train.loss_and_gradient_explicit, train.loss_value):
        with pytest.raises(ValueError, match=match):
            fn(**args)
    fit_args = {k: v for k, v in args.items() if k in ("X", "d", "Wh", "wo", "f", "loss")}
    with pytest.raises(ValueError, match=match):
        train.fit(**fit_args, epochs=1)


# ---------------------------------------------------------------- training


def sine_problem(m=60, p=10):
    X, d = data.make_sine(m, noise=0.1, seed=0)
    Wh, wo = network.init_weights(1, p, seed=0)
    return X, d, Wh, wo


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(optimizer="sgd", lr=0.2),
        dict(optimizer="sgd", lr=0.1, batch_size=8),
        dict(optimizer="momentum", lr=0.05, batch_size=16),
        dict(optimizer="adam", lr=0.02, batch_size=16),
    ],
)
def test_training_decreases_the_loss_and_reproduces(kwargs):
    X, d, Wh, wo = sine_problem()
    Wh0, wo0 = Wh.copy(), wo.copy()
    r1 = train.fit(X, d, Wh, wo, epochs=150, **kwargs)
    r2 = train.fit(X, d, Wh, wo, epochs=150, **kwargs)
    np.testing.assert_array_equal(Wh, Wh0)  # the caller's weights are not modified
    np.testing.assert_array_equal(wo, wo0)
    assert r1.history.shape == (151,) and r1.times.shape == (151,)
    assert r1.history[-1] < 0.25 * r1.history[0]
    assert not r1.diverged and r1.epochs == 150
    np.testing.assert_array_equal(r1.history, r2.history)
    np.testing.assert_array_equal(r1.Wh, r2.Wh)
    np.testing.assert_array_equal(r1.wo, r2.wo)
    assert r1.times[0] == 0 and np.all(np.diff(r1.times) >= 0)
    per_epoch = -(-60 // kwargs.get("batch_size", 60))
    assert r1.steps == 150 * per_epoch


def test_history_records_the_objective_after_each_epoch():
    X, d, Wh, wo = sine_problem()
    m = X.shape[0]
    lam = 1e-3
    long = train.fit(X, d, Wh, wo, lr=0.2, epochs=6, lam=lam)
    for k in (1, 3):
        short = train.fit(X, d, Wh, wo, lr=0.2, epochs=k, lam=lam)
        penalty = np.sum(short.Wh**2) + np.sum(short.wo**2)  # ‖w̄‖², biases included
        J = (train.loss_value(X, d, short.Wh, short.wo) + 0.5 * lam * penalty) / m
        assert long.history[k] == pytest.approx(J, rel=1e-12)
        np.testing.assert_allclose(long.history[: k + 1], short.history, rtol=1e-12)


def test_other_seed_shuffles_differently():
    X, d, Wh, wo = sine_problem()
    a = train.fit(X, d, Wh, wo, lr=0.1, epochs=5, batch_size=10, seed=0)
    b = train.fit(X, d, Wh, wo, lr=0.1, epochs=5, batch_size=10, seed=1)
    assert not np.array_equal(a.Wh, b.Wh)
    # Full-batch gradient descent uses no random numbers at all.
    c = train.fit(X, d, Wh, wo, lr=0.1, epochs=5, seed=0)
    e = train.fit(X, d, Wh, wo, lr=0.1, epochs=5, seed=1)
    np.testing.assert_array_equal(c.Wh, e.Wh)


def test_one_step_of_each_optimizer_follows_its_formula():
    X, d, Wh, wo = sine_problem(m=20, p=3)
    m, lr, lam = 20, 0.1, 0.2
    _, gWh, gwo = train.loss_and_gradient(X, d, Wh, wo)
    # Column gradient of J = (ℓ + ½λ‖w̄‖²)/m, every weight and bias penalised.
    GWh = (gWh + lam * Wh) / m
    Gwo = (gwo + lam * wo) / m
    sgd = train.fit(X, d, Wh, wo, lr=lr, epochs=1, lam=lam)
    np.testing.assert_allclose(sgd.Wh, Wh - lr * GWh, rtol=1e-13)
    np.testing.assert_allclose(sgd.wo, wo - lr * Gwo, rtol=1e-13)
    mom = train.fit(X, d, Wh, wo, lr=lr, epochs=1, lam=lam, optimizer="momentum")
    np.testing.assert_allclose(mom.Wh, sgd.Wh, rtol=1e-13)  # v starts at 0: v = G
    adam = train.fit(X, d, Wh, wo, lr=lr, epochs=1, lam=lam, optimizer="adam")
    # First Adam step: m̂ = G, v̂ = G², so each weight moves by η G/(|G| + ε) ≈ η sign(G).
    np.testing.assert_allclose(adam.Wh, Wh - lr * GWh / (np.abs(GWh) + 1e-8), rtol=1e-12)
    np.testing.assert_allclose(adam.wo, wo - lr * Gwo / (np.abs(Gwo) + 1e-8), rtol=1e-12)


def test_momentum_second_step():
    X, d, Wh, wo = sine_problem(m=20, p=3)
    lr, mu = 0.1, 0.8
    _, g1h, g1o = train.loss_and_gradient(X, d, Wh, wo)
    W1, w1 = Wh - lr * g1h / 20, wo - lr * g1o / 20
    _, g2h, _ = train.loss_and_gradient(X, d, W1, w1)
    expect = W1 - lr * (mu * g1h / 20 + g2h / 20)
    r = train.fit(X, d, Wh, wo, lr=lr, epochs=2, optimizer="momentum", momentum=mu)
    np.testing.assert_allclose(r.Wh, expect, rtol=1e-12)


def test_weight_decay_shrinks_every_weight():
    X, d, Wh, wo = sine_problem()
    m = X.shape[0]
    free = train.fit(X, d, Wh, wo, lr=0.2, epochs=200)
    decayed = train.fit(X, d, Wh, wo, lr=0.2, epochs=200, lam=6.0)
    norm = lambda r: np.sum(r.Wh**2) + np.sum(r.wo**2)  # noqa: E731
    assert norm(decayed) < 0.5 * norm(free)
    # With a zero data gradient (all weights 0 but the hidden biases, d = 0: y = 0 = d and
    # wᵒ = 0 blocks the hidden gradient) each step multiplies every weight by 1 − ηλ/m.
    Wb = np.vstack([Wh[:1], np.zeros_like(Wh[1:])])
    lr, lam = 0.1, 3.0
    r = train.fit(X, np.zeros(m), Wb, np.zeros_like(wo), lr=lr, epochs=3, lam=lam)
    np.testing.assert_allclose(r.Wh, (1 - lr * lam / m) ** 3 * Wb, rtol=1e-13)
    np.testing.assert_array_equal(r.wo, 0.0)


def test_lam_means_the_same_as_in_chapter_8():
    # One λ for the book: m·∇J of train.fit is ∇Φ_λ = Jᵀr + λw̄ of lecturekit.inverse, so
    # both minimise the same Φ_λ(w̄) = ½‖y − d‖² + ½λ‖w̄‖².
    X, d, Wh, wo = sine_problem(m=20, p=3)
    m, lam = 20, 0.5
    r, J = inverse.residual_and_jacobian(X, d, Wh, wo)
    grad_phi = J.T @ r + lam * inverse.pack_weights(Wh, wo)
    lr = 1e-3  # one SGD step recovers the gradient: G = (w̄ − w̄₁)/η
    step = train.fit(X, d, Wh, wo, lr=lr, epochs=1, lam=lam)
    G = (inverse.pack_weights(Wh, wo) - inverse.pack_weights(step.Wh, step.wo)) / lr
    np.testing.assert_allclose(m * G, grad_phi, rtol=1e-9, atol=1e-12)
    # At Levenberg–Marquardt's converged minimiser of Φ_λ, train's objective is stationary.
    fit = inverse.fit_levenberg_marquardt(
        X, d, Wh, wo, lam=lam, gtol=1e-7, ftol=0.0, xtol=0.0, max_iter=2000
    )
    assert fit.converged and fit.reason == "gradient"
    at_min = train.fit(X, d, fit.Wh, fit.wo, lr=lr, epochs=1, lam=lam)
    moved = inverse.pack_weights(at_min.Wh, at_min.wo) - fit.w
    assert np.max(np.abs(m * moved / lr)) <= 1e-6  # gtol, and the step's rounding


def test_bernoulli_training_separates_the_moons():
    X, labels = data.make_moons(100, noise=0.1, seed=0)
    Wh, wo = network.init_weights(2, 16, seed=0)
    r = train.fit(X, labels, Wh, wo, "tanh", "sigmoid", "bernoulli", lr=0.05, epochs=300,
                  batch_size=20, optimizer="adam")  # fmt: skip
    prob = network.predict(X, r.Wh, r.wo, "tanh", "sigmoid")
    assert np.mean((prob > 0.5) == (labels == 1)) > 0.95
    assert r.history[-1] < 0.3 * r.history[0]


def first_nonfinite_epoch(X, d, Wh, wo, lr, f="tanh"):
    """Plain gradient descent on J = ℓ/m, written out: the first k whose J(w_k) is not finite."""
    m = X.shape[0]
    Wh, wo = Wh.copy(), wo.copy()
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(1, 1000):
            _, dWh, dwo = train.loss_and_gradient(X, d, Wh, wo, f)
            Wh, wo = Wh - lr * dWh / m, wo - lr * dwo / m
            try:
                J = train.loss_value(X, d, Wh, wo, f) / m
            except ValueError:  # z = H̄ w̄ᵒ overflowed
                return k
            if not np.isfinite(J):
                return k
    raise AssertionError("gradient descent did not diverge")


@pytest.mark.parametrize("f", ["tanh", "identity"])
@pytest.mark.parametrize("with_callback", [False, True])
def test_divergence_stops_at_the_step_and_returns_the_last_finite_weights(f, with_callback):
    X, d, Wh, wo = sine_problem()
    m = X.shape[0]
    k = first_nonfinite_epoch(X, d, Wh, wo, lr=1e3, f=f)
    seen = []

    def callback(epoch, Wh_, wo_, J):
        seen.append(epoch)

    with pytest.warns(RuntimeWarning) as rec:
        r = train.fit(
            X, d, Wh, wo, f=f, lr=1e3, epochs=k + 20, callback=callback if with_callback else None
        )
    messages = [str(w.message) for w in rec]
    assert sum(f"diverged at step {k} (epoch {k})" in m for m in messages) == 1
    # the growth before it is reported once too, at an epoch no later than the overflow
    growth = [m for m in messages if "training is diverging" in m]
    assert len(growth) == 1 and int(growth[0].split("by epoch ")[1].split()[0]) <= k
    assert r.diverged and r.epochs == k - 1 and r.steps == k - 1
    assert len(r.history) == k and len(r.times) == k
    # the weights returned are those after epoch k − 1, and their objective is finite
    J = train.loss_value(X, d, r.Wh, r.wo, f) / m
    assert np.isfinite(J) and r.history[-1] == pytest.approx(J, rel=1e-12)
    assert np.all(np.isfinite(r.history))
    if with_callback:
        assert seen == list(range(1, k))


@pytest.mark.filterwarnings("ignore:training is diverging")
def test_divergence_in_mini_batches_returns_weights_with_a_finite_objective():
    X, d, Wh, wo = sine_problem()
    with pytest.warns(RuntimeWarning, match=r"diverged at step \d+ \(epoch \d+\)"):
        r = train.fit(X, d, Wh, wo, lr=1e3, epochs=100, batch_size=7)
    assert r.diverged and r.epochs < 100
    assert r.steps == r.epochs * -(-X.shape[0] // 7)
    J = train.loss_value(X, d, r.Wh, r.wo) / X.shape[0]
    assert np.isfinite(J) and r.history[-1] == pytest.approx(J, rel=1e-12)


def test_no_observations_is_refused_before_batch_size():
    _, _, Wh, wo = sine_problem()
    with pytest.raises(ValueError, match="at least one observation; X has m = 0 rows"):
        train.fit(np.zeros((0, 1)), np.zeros(0), Wh, wo)


def test_callback_sees_every_epoch_and_can_stop():
    X, d, Wh, wo = sine_problem()
    seen = []

    def cb(epoch, W, w, J):
        seen.append((epoch, J))
        return epoch == 3

    r = train.fit(X, d, Wh, wo, lr=0.1, epochs=10, callback=cb)
    assert [e for e, _ in seen] == [1, 2, 3]
    assert r.epochs == 3 and r.steps == 3
    np.testing.assert_allclose([J for _, J in seen], r.history[1:], rtol=1e-14)


def test_progress_bar_can_be_shown_and_is_off_by_default(capsys):
    X, d, Wh, wo = sine_problem(m=20, p=3)
    train.fit(X, d, Wh, wo, epochs=3)
    assert "epoch" not in capsys.readouterr().err
    train.fit(X, d, Wh, wo, epochs=3, progress=True)
    assert "3/3" in capsys.readouterr().err


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(lr=0.0), r"lr \(the learning rate η\) must be > 0; got 0"),
        (dict(lr=np.nan), r"lr \(the learning rate η\) must be finite"),
        (dict(epochs=0), r"epochs must be at least 1; got 0"),
        (dict(epochs=2.5), r"epochs must be an integer; got 2\.5"),
        (dict(epochs="10"), r"epochs must be an integer; got '10'"),
        (dict(batch_size=0), r"batch_size must be at least 1"),
        (dict(batch_size=61), r"batch_size must be at most m = 60"),
        (dict(optimizer="lbfgs"), r"optimizer must be"),
        (dict(lam=-1.0), r"lam \(the Tikhonov weight λ\) must be ≥ 0"),
        (dict(optimizer="momentum", momentum=2.0), r"momentum \(β\) must be < 1; got 2"),
        (dict(momentum=1.0), r"momentum \(β\) must be < 1; got 1"),
        (dict(momentum=-0.1), r"momentum \(β\) must be ≥ 0"),
        (dict(betas=(0.9, 1.0)), r"betas\[1\] \(β2\) must be < 1; got 1"),
        (dict(progress="yes"), r"progress must be"),
    ],
)
def test_bad_training_arguments(kwargs, match):
    X, d, Wh, wo = sine_problem()
    with pytest.raises(ValueError, match=match):
        train.fit(X, d, Wh, wo, **kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(),  # generic f and g
        dict(m=2, n=2, p=2),
        dict(m=3, n=1, p=1, f="tanh", g="identity"),
        dict(f="sigmoid", g="tanh"),
        dict(f="tanh", g="sigmoid", loss="bernoulli"),
    ],
)
@pytest.mark.slow
def test_reverse_formulas_hold_symbolically(kwargs):
    result = train.verify_gradient_symbolic(**kwargs)
    assert result.holds
    assert result.dWh_difference.is_zero_matrix and result.dwo_difference.is_zero_matrix


def test_symbolic_bernoulli_needs_the_logistic_output():
    with pytest.raises(ValueError, match='needs g="sigmoid"'):
        train.verify_gradient_symbolic(f="tanh", g=None, loss="bernoulli")


def test_auto_progress_appears_only_for_long_runs(capsys):
    X, d, Wh, wo = sine_problem(m=20, p=3)
    train.fit(X, d, Wh, wo, epochs=5, progress="auto")
    assert "epoch" not in capsys.readouterr().err
    # 10⁸ epochs would take far more than five seconds: the bar appears after epoch 1.
    r = train.fit(X, d, Wh, wo, epochs=10**8, progress="auto", callback=lambda e, *_: e == 3)
    assert r.epochs == 3
    assert "3/100000000" in capsys.readouterr().err
