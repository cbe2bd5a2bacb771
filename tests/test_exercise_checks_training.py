"""The exercise checks of chapters 5–8: each accepts the right answer, says "not answered" to the
stub, and names each slip it claims to diagnose when given exactly that slip."""

import numpy as np
import pytest

from lecturekit import autodiff as ad
from lecturekit import data, network, train
from lecturekit import exercise_checks_training as xc

# -- chapter 5 ------------------------------------------------------------------------------------

M, N, P_HIDDEN = 40, 1, 12


def right_shapes():
    P = (N + 1) * P_HIDDEN + P_HIDDEN + 1
    shapes = {"D_y ℓ": (1, M), "D_w̄ y": (M, P), "D_w̄ ℓ": (1, P), "w̄(k+1) − w̄(k)": (P, 1)}
    return shapes, ((N + 1, P_HIDDEN), (P_HIDDEN + 1,))


def test_gradient_shapes_right_and_stub():
    shapes, grads = right_shapes()
    assert xc.check_gradient_shapes(shapes, grads, M, N, P_HIDDEN).correct
    stub = dict.fromkeys(shapes, ...)
    fb = xc.check_gradient_shapes(stub, ..., M, N, P_HIDDEN)
    assert fb.diagnosis == "not answered" and not fb.correct


@pytest.mark.parametrize(
    "key, value, diagnosis",
    [
        ("D_w̄ ℓ", (37, 1), "transposed"),  # the gradient, not the derivative
        ("w̄(k+1) − w̄(k)", (1, 37), "transposed"),  # the lecture's slip: a row step
        ("D_w̄ y", (M, 24), "bias left out"),  # n p + p
        ("D_w̄ y", (M, 36), "bias left out"),  # the output bias forgotten
        ("D_y ℓ", (1, 41), "shape"),
    ],
)
def test_gradient_shapes_slips(key, value, diagnosis):
    shapes, grads = right_shapes()
    shapes[key] = value
    fb = xc.check_gradient_shapes(shapes, grads, M, N, P_HIDDEN)
    assert not fb.correct and fb.diagnosis == diagnosis, fb


def test_gradient_shapes_transposed_gradient_array():
    shapes, _ = right_shapes()
    fb = xc.check_gradient_shapes(shapes, ((12, 2), (13,)), M, N, P_HIDDEN)
    assert fb.diagnosis == "transposed" and "W̄ʰ" in fb.message


def test_bernoulli_factors():
    def dl_dy(y, d):
        return (y - d) / (y * (1 - y))

    def sigma_prime(z):
        s = 1 / (1 + np.exp(-z))
        return s * (1 - s)

    fb = xc.check_bernoulli_factors(dl_dy, sigma_prime)
    assert fb.correct and "nan" in fb.message  # it shows the 1/0 · 0 at z = 1000
    wrong_sign = xc.check_bernoulli_factors(lambda y, d: (d - y) / (y * (1 - y)), sigma_prime)
    assert not wrong_sign.correct and wrong_sign.diagnosis == "values"
    stub = xc.check_bernoulli_factors(lambda y, d: ..., lambda z: ...)
    assert stub.diagnosis == "not answered"
    broken = xc.check_bernoulli_factors(lambda y, d: y.nope, sigma_prime)
    assert broken.diagnosis == "error" and "AttributeError" in broken.message


@pytest.fixture(scope="module")
def sine():
    X, d = data.make_sine(40, noise=0.15, seed=5)
    Wh0, wo0 = network.init_weights(1, 12, seed=0)
    return X, d, Wh0, wo0


def test_gd_history_right_and_slips(sine):
    X, d, Wh0, wo0 = sine
    lr, lam, epochs = 0.3, 0.1, 25
    ref = train.fit(X, d, Wh0, wo0, lr=lr, epochs=epochs, lam=lam)
    H = list(ref.history)

    def run(*args):
        return xc.check_gd_history(*args, X, d, Wh0, wo0, lr, lam, epochs)

    assert run(H, ref.Wh, ref.wo).correct
    assert run(..., ..., ...).diagnosis == "not answered"
    short = run(H[:-1], ref.Wh, ref.wo)  # J recorded before each step only
    assert short.diagnosis == "one value short" and "after the last step" in short.message
    late = run(H[1:], ref.Wh, ref.wo)  # J recorded after each step only
    assert late.diagnosis == "one value short" and "J(w̄(0))" in late.message
    for slip, diagnosis in [
        ({"penalise_bias": False}, "bias not penalised"),
        ({"penalty_over_m": False}, "penalty not divided by m"),
        ({"penalty_factor": 2.0}, "penalty gradient doubled"),
        ({"penalty_factor": 0.0}, "penalty missing"),
        ({"loss_over_m": False}, "loss not divided by m"),
    ]:
        Wh_s, wo_s, hist = xc._gd_weights(X, d, Wh0, wo0, lr, lam, epochs, **slip)
        fb = run(list(hist), Wh_s, wo_s)
        assert fb.diagnosis == diagnosis, (slip, fb)
    Wh_24, wo_24, _ = xc._gd_weights(X, d, Wh0, wo0, lr, lam, epochs - 1)
    assert run(H, Wh_24, wo_24).diagnosis == "step count"
    no_penalty_J = [j - 0.5 * lam / len(d) * n for j, n in zip(H, xc._sq_norms(
        ref, X, d, Wh0, wo0, lr, lam, epochs), strict=True)]  # fmt: skip
    assert run(no_penalty_J, ref.Wh, ref.wo).diagnosis == "penalty missing"


def test_gd_reference_run_is_train_fit(sine):
    # the checker's own loop (no slip) is the objective train.fit minimises
    X, d, Wh0, wo0 = sine
    Wh, wo, hist = xc._gd_weights(X, d, Wh0, wo0, 0.3, 0.1, 25)
    ref = train.fit(X, d, Wh0, wo0, lr=0.3, epochs=25, lam=0.1)
    assert np.allclose(Wh, ref.Wh, rtol=1e-12) and np.allclose(hist, ref.history, rtol=1e-12)


def test_decay_factor():
    def right(eta, lam, m):
        return 1 - eta * lam / m

    def eta_max(lam, m):
        return m / lam

    assert xc.check_decay_factor(right, eta_max).correct
    assert xc.check_decay_factor(..., ...).diagnosis == "not answered"
    assert (
        xc.check_decay_factor(lambda e, la, m: 1 - e * la, eta_max).diagnosis
        == "penalty not divided by m"
    )
    assert (
        xc.check_decay_factor(lambda e, la, m: 1 - 2 * e * la / m, eta_max).diagnosis
        == "penalty gradient doubled"
    )
    assert xc.check_decay_factor(right, lambda la, m: 2 * m / la).diagnosis == "oscillation"


def test_folded_output_folds_what_is_printed(capsys):
    from unittest import mock

    shown = []
    with mock.patch("IPython.display.display", lambda obj, raw: shown.append(obj)):
        with xc.folded_output("Result"):
            print("J = 0.1234")
    assert capsys.readouterr().out == ""  # nothing printed in the open
    (bundle,) = shown
    assert bundle["text/plain"] == "J = 0.1234"
    assert bundle["text/html"].startswith("<details><summary>Result</summary>")
    assert "open" not in bundle["text/html"]  # closed until the reader opens it


def test_open_answer():
    assert xc.check_open_answer(kept=..., growth="m p L").diagnosis == "not answered"
    fb = xc.check_open_answer(kept="H", growth="L m p")
    assert fb.diagnosis == "answered" and "worked example" in fb.message
    assert "#555" in fb._repr_html_()  # neither a tick nor a cross: it cannot be marked


# -- chapter 6 ------------------------------------------------------------------------------------

DIMS_ABCD = [10, 100, 5, 50, 1]
RIGHT_COSTS = {
    "((AB)C)D": 8000,
    "(A(BC))D": 75500,
    "(AB)(CD)": 5300,
    "A((BC)D)": 31000,
    "A(B(CD))": 1750,
}


def test_chain_costs():
    assert xc.check_chain_costs(RIGHT_COSTS, "A(B(CD))", "forward", DIMS_ABCD).correct
    stub = dict.fromkeys(RIGHT_COSTS, ...)
    assert xc.check_chain_costs(stub, ..., ..., DIMS_ABCD).diagnosis == "not answered"
    swapped = dict(RIGHT_COSTS, **{"(AB)(CD)": 31000})  # another order's cost
    fb = xc.check_chain_costs(swapped, "A(B(CD))", "forward", DIMS_ABCD)
    assert fb.diagnosis == "values" and "A((BC)D)" in fb.message
    fb = xc.check_chain_costs(RIGHT_COSTS, "A(B(CD))", "reverse", DIMS_ABCD)
    assert fb.symbol == "direction" and not fb.correct
    fb = xc.check_chain_costs(RIGHT_COSTS, "(AB)(CD)", "forward", DIMS_ABCD)
    assert fb.symbol == "cheapest" and not fb.correct


def left(m, n, p):
    return m * (m * p) * (m * p) + m * (m * p) * ((n + 1) * p)


def right(m, n, p):
    return (m * p) * (m * p) * ((n + 1) * p) + m * (m * p) * ((n + 1) * p)


def test_jacobian_costs():
    assert xc.check_jacobian_costs(left, right).correct
    assert xc.check_jacobian_costs(..., right).diagnosis == "not answered"
    assert xc.check_jacobian_costs(right, left).diagnosis == "swapped"

    def left_no_bias(m, n, p):
        return m * (m * p) * (m * p) + m * (m * p) * (n * p)

    assert xc.check_jacobian_costs(left_no_bias, right).diagnosis == "bias left out"


def softplus_naive(t):
    return ad.log(1.0 + ad.exp(t))


def softplus(t):
    return ad.relu(t) + ad.log(1.0 + ad.exp(t - 2.0 * ad.relu(t)))


def softplus_kinked(t):
    return ad.relu(t) + ad.log(1.0 + ad.exp(-(ad.relu(t) + ad.relu(-t))))


def test_softplus():
    assert xc.check_softplus(softplus_naive, softplus, 0.0).correct
    assert xc.check_softplus(lambda t: ..., lambda t: ..., ...).diagnosis == "not answered"
    assert xc.check_softplus(softplus_naive, softplus_naive, 0.0).diagnosis == "overflow"
    assert xc.check_softplus(softplus_naive, softplus_kinked, 0.0).diagnosis == "kink"
    fb = xc.check_softplus(softplus_naive, softplus, 0.5)  # σ(0): the true derivative
    assert fb.diagnosis == "values" and "σ(0)" in fb.message
    assert xc.check_softplus(softplus_naive, lambda t: t.data, 0.0).diagnosis == "unreadable"


# -- chapter 7 ------------------------------------------------------------------------------------


class Curve:
    """A stand-in with the PINN's predict, for the logistic check."""

    def __init__(self, fn, converged=True):
        self.predict, self.fit_info = fn, {"converged": converged, "reason": "test"}


def test_logistic():
    assert xc.check_logistic(Curve(lambda x: 1 / (1 + 9 * np.exp(-x)))).correct
    assert xc.check_logistic(...).diagnosis == "not answered"
    start_one = Curve(lambda x: 1 / (1 + 0 * np.exp(-x)))  # u(0) = 1: the condition is missing
    assert xc.check_logistic(start_one).diagnosis == "initial condition"
    decaying = Curve(lambda x: 1 / (1 + 9 * np.exp(x)))  # u′ = −u(1 − u): u(0) right
    assert xc.check_logistic(decaying).diagnosis == "values"


def test_source_estimates():
    a = np.pi**2
    assert xc.check_source_estimates({0.02: 1.01 * a, 0.1: 1.2 * a}).correct
    assert xc.check_source_estimates({0.02: ..., 0.1: ...}).diagnosis == "not answered"
    assert xc.check_source_estimates({0.02: 1.0, 0.1: 1.0}).diagnosis == "not trained"
    assert xc.check_source_estimates({0.02: -a, 0.1: -a}).diagnosis == "sign"
    assert xc.check_source_estimates({0.02: np.pi, 0.1: np.pi}).diagnosis == "values"


@pytest.fixture(scope="module")
def tanh_net():
    from lecturekit.pinn import PINN

    return PINN(layers=[1, 8, 8, 1], activation="tanh", seed=1), np.linspace(-1, 1, 9)


def test_third_derivative(tanh_net):
    net, xs = tanh_net

    def right(model, x):
        return xc._third_derivative_variant(model, x, 1, 3, 1)

    assert xc.check_third_derivative(right, net, xs).correct
    assert xc.check_third_derivative(..., net, xs).diagnosis == "not answered"
    for coeffs, phrase in [
        ((1, 1, 1), "factor 3"),
        ((1, 2, 1), "not 2"),
        ((0, 3, 1), "f‴"),
        ((1, 3, 0), "Aₓₓₓ"),
    ]:

        def slip(model, x, c=coeffs):
            return xc._third_derivative_variant(model, x, *c)

        fb = xc.check_third_derivative(slip, net, xs)
        assert fb.diagnosis == "missing factor" and phrase in fb.message, (coeffs, fb)


def test_pde_weight():
    init, term = xc._oscillator_scales(400.0)
    _, term100 = xc._oscillator_scales(100.0)
    assert init < term < 400.0**2  # the scales the solution's argument rests on
    assert xc.check_pde_weight(init, term, 1 / term100).correct
    assert xc.check_pde_weight(..., term, 1e-3).diagnosis == "not answered"
    fb = xc.check_pde_weight(init, 400.0**2, 1 / term100)  # k² in place of mean (k u)²
    assert fb.diagnosis == "values" and "k²" in fb.message
    fb = xc.check_pde_weight(init, term, 1 / 100.0**2)  # 1/k²
    assert fb.diagnosis == "values" and "1/k²" in fb.message
    assert not xc.check_pde_weight(init, term, 1.0).correct


# -- chapter 8 ------------------------------------------------------------------------------------


def test_lm_step():
    def step(J, r, mu):
        return -np.linalg.solve(J.T @ J + mu * np.eye(J.shape[1]), J.T @ r)

    fb = xc.check_lm_step(step)
    assert fb.correct and "Gauss–Newton" in fb.message
    assert xc.check_lm_step(lambda J, r, mu: ...).diagnosis == "not answered"
    assert xc.check_lm_step(lambda J, r, mu: -step(J, r, mu)).diagnosis == "values"


def test_landweber():
    s = np.logspace(0, -3, 6)
    eta, k = 1 / s[0] ** 2, 50

    def filt(s, eta, k):
        return 1 - (1 - eta * s**2) ** k

    s2 = 1 / (eta * k)
    large_k = s2 * (1 / (1 - np.exp(-1)) - 1)
    exact = s2 * (1 / filt(np.sqrt(s2), eta, k) - 1)
    assert xc.check_landweber(filt, large_k, s, eta, k).correct
    assert xc.check_landweber(filt, exact, s, eta, k).correct
    assert xc.check_landweber(filt, ..., s, eta, k).diagnosis == "not answered"
    fb = xc.check_landweber(lambda s, eta, k: filt(s, eta, k + 1), large_k, s, eta, k)
    assert fb.diagnosis == "step count"
    assert not xc.check_landweber(filt, s2, s, eta, k).correct  # λ = 1/(ηk) itself


def test_sandwich():
    def sandwich(A, lam, sigma):
        Minv = np.linalg.inv(A.T @ A + lam * np.eye(A.shape[1]))
        return sigma**2 * Minv @ A.T @ A @ Minv

    assert xc.check_sandwich(sandwich).correct
    assert xc.check_sandwich(lambda A, lam, s: ...).diagnosis == "not answered"

    def posterior(A, lam, sigma):
        return sigma**2 * np.linalg.inv(A.T @ A + lam * np.eye(A.shape[1]))

    assert xc.check_sandwich(posterior).diagnosis == "posterior"


def test_residual_dof():
    Wh, wo = network.init_weights(1, 10, seed=1)  # P = 2·10 + 11 = 31
    assert xc.check_residual_dof(20 - 31, 20, Wh, wo).correct
    assert xc.check_residual_dof(..., 20, Wh, wo).diagnosis == "not answered"
    assert xc.check_residual_dof(20 - 20, 20, Wh, wo).diagnosis == "bias left out"
    assert xc.check_residual_dof(31 - 20, 20, Wh, wo).diagnosis == "sign"


def test_pde_weight_never_states_the_expected_number():
    init, term = xc._oscillator_scales(400.0)
    _, term100 = xc._oscillator_scales(100.0)
    for args, diagnosis in [
        ((1.0, term, 1 / term100), "values"),
        ((np.sqrt(init), term, 1 / term100), "root mean square"),
        ((60 * init, term, 1 / term100), "sum"),
        ((init, 60 * term, 1 / term100), "sum"),
    ]:
        fb = xc.check_pde_weight(*args)
        assert fb.diagnosis == diagnosis, fb
        for number in (init, term):
            assert f"{number:.4g}" not in fb.message and f"{number:.6g}" not in fb.message


def test_decay_eta_without_stating_it():
    fb = xc.check_decay_factor(lambda e, la, m: 1 - e * la / m, lambda la, m: m / la / 2)
    assert fb.diagnosis == "values" and "factor reaches 0" in fb.message
    assert "400" not in fb.message  # m/λ at the first test point is not given away
