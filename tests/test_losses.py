"""Losses and their derivatives: formulas, finite differences, sympy, stability, bad input."""

import warnings

import numpy as np
import pytest
import sympy as sp

from lecturekit import losses
from lecturekit.checks import fd_jacobian

rng = np.random.default_rng(42)


def test_sse_is_half_squared_norm():
    y, d = rng.normal(size=6), rng.normal(size=6)
    assert losses.sse(y, d) == pytest.approx(0.5 * np.sum((y - d) ** 2), rel=1e-15)
    np.testing.assert_array_equal(losses.sse_derivative(y, d), y - d)


def test_sse_derivative_matches_finite_differences():
    y, d = rng.normal(size=5), rng.normal(size=5)
    J = fd_jacobian(lambda v: losses.sse(v, d), y)
    assert J.shape == (1, 5), "D_y ℓ is a 1×m row"
    np.testing.assert_allclose(J[0], losses.sse_derivative(y, d), rtol=1e-8, atol=1e-10)


def test_bernoulli_is_the_negative_log_likelihood():
    z = rng.normal(scale=3, size=8)
    d = (rng.random(8) < 0.5).astype(float)
    s = 1 / (1 + np.exp(-z))
    naive = -np.sum(d * np.log(s) + (1 - d) * np.log(1 - s))
    assert losses.bernoulli_nll(z, d) == pytest.approx(naive, rel=1e-12)
    np.testing.assert_allclose(losses.bernoulli_nll_derivative(z, d), s - d, rtol=1e-14)


@pytest.mark.parametrize("soft", [False, True])
def test_bernoulli_derivative_matches_finite_differences(soft):
    z = rng.normal(scale=2, size=6)
    d = rng.random(6) if soft else (rng.random(6) < 0.5).astype(float)
    J = fd_jacobian(lambda v: losses.bernoulli_nll(v, d), z)
    np.testing.assert_allclose(J[0], losses.bernoulli_nll_derivative(z, d), rtol=1e-7, atol=1e-9)


def _symbolic_losses(m):
    """The two losses of m observations in sympy symbols: ½‖y − d‖², and the Bernoulli
    negative log-likelihood in both forms, from y = σ(z) and from the logits z."""
    zs = sp.symbols(f"z0:{m}", real=True)
    ds = sp.symbols(f"d0:{m}", real=True)
    pairs = list(zip(zs, ds, strict=True))
    sse = sp.Rational(1, 2) * sum((zi - di) ** 2 for zi, di in pairs)
    nll_y = -sum(
        di * sp.log(1 / (1 + sp.exp(-zi))) + (1 - di) * sp.log(1 - 1 / (1 + sp.exp(-zi)))
        for zi, di in pairs
    )
    nll_z = sum(sp.log(1 + sp.exp(zi)) - di * zi for zi, di in pairs)  # what bernoulli_nll computes
    return zs, ds, sse, nll_y, nll_z


def test_loss_derivatives_are_proved_with_sympy():
    # Each difference below is simplified to 0 for symbolic z and d: a proof for every value,
    # not an evaluation at chosen points.
    zs, ds, sse, nll_y, nll_z = _symbolic_losses(3)
    assert sp.simplify(nll_y - nll_z) == 0  # the two forms of (ch05-bernoulli) are equal
    for zi, di in zip(zs, ds, strict=True):
        assert sp.simplify(sp.diff(sse, zi) - (zi - di)) == 0  # D_y ℓ = (y − d)ᵀ
        assert sp.simplify(sp.diff(nll_z, zi) - (1 / (1 + sp.exp(-zi)) - di)) == 0  # (σ(z) − d)ᵀ
    # A wrong formula is not "proved": the check can fail.
    assert sp.simplify(sp.diff(nll_z, zs[0]) - (1 / (1 + sp.exp(zs[0])) - ds[0])) != 0


def test_losses_evaluate_the_sympy_expressions_numerically():
    # The library's numpy code against the (proved) sympy expressions, at seeded random points.
    m = 3
    zs, ds, sse, nll_y, _ = _symbolic_losses(m)
    z = rng.normal(size=m)
    d = np.array([0.0, 1.0, 0.3])
    subs = dict(zip(zs, z, strict=True)) | dict(zip(ds, d, strict=True))
    for expr, value, deriv in [
        (sse, losses.sse, losses.sse_derivative),
        (nll_y, losses.bernoulli_nll, losses.bernoulli_nll_derivative),
    ]:
        assert float(expr.subs(subs)) == pytest.approx(value(z, d), rel=1e-12)
        grad = [float(sp.diff(expr, zi).subs(subs)) for zi in zs]
        np.testing.assert_allclose(deriv(z, d), grad, rtol=1e-12, atol=1e-14)


def test_bernoulli_is_stable_at_z_1000():
    z = np.array([1000.0, -1000.0, 1000.0, -1000.0])
    d = np.array([1.0, 0.0, 0.0, 1.0])
    # Overflow, log(0) and 0/0 would raise; underflow of e^(−1000) to 0 is exact rounding.
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        value = losses.bernoulli_nll(z, d)
        deriv = losses.bernoulli_nll_derivative(z, d)
    # Right labels cost nothing, wrong ones cost |z|.
    assert value == 2000.0
    np.testing.assert_array_equal(deriv, [0.0, 0.0, 1.0, -1.0])
    assert losses.bernoulli_nll([1000.0], [1.0]) == 0.0
    assert np.isfinite(losses.bernoulli_nll([1e300, -1e300], [0.0, 1.0]))


def test_column_vectors_are_accepted():
    y, d = rng.normal(size=(4, 1)), rng.normal(size=4)
    assert losses.sse(y, d) == pytest.approx(losses.sse(y[:, 0], d))
    assert losses.sse_derivative(y, d).shape == (4,)


@pytest.mark.parametrize(
    "call, match",
    [
        (
            lambda: losses.sse(np.zeros(3), np.zeros(4)),
            r"d must be a vector of length m = 3 .*got shape 4",
        ),
        (lambda: losses.sse_derivative(np.zeros((2, 3)), np.zeros(6)), r"y must be a vector"),
        (lambda: losses.sse(np.zeros(3), np.zeros((3, 2))), r"d must be a vector"),
        (
            lambda: losses.bernoulli_nll(np.zeros(3), np.zeros(2)),
            r"d must be a vector of length m = 3 .*got shape 2",
        ),
        (lambda: losses.bernoulli_nll(np.zeros(2), [0.0, 2.0]), r"labels in \{0, 1\}"),
        (lambda: losses.bernoulli_nll_derivative(np.zeros(2), [-1.0, 0.0]), r"labels"),
        (lambda: losses.sse([np.nan, 0.0], [0.0, 0.0]), r"y contains NaN"),
        (lambda: losses.bernoulli_nll([np.inf], [0.0]), r"z contains NaN or infinite"),
        (lambda: losses.get_loss("hinge"), r"unknown loss 'hinge'"),
    ],
)
def test_bad_input_is_refused_naming_the_symbol(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_get_loss_names_and_aliases():
    assert losses.get_loss("SSE") is losses.LOSSES["sse"]
    assert losses.get_loss("bce") is losses.get_loss("bernoulli_nll") is losses.LOSSES["bernoulli"]
    assert losses.get_loss(losses.LOSSES["sse"]) is losses.LOSSES["sse"]
    assert losses.get_loss("bernoulli").on == "z" and losses.get_loss("sse").on == "y"
