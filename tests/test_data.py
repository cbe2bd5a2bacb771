"""The seeded data generators: shapes, reproducibility, the underlying curves, bad input."""

import numpy as np
import pytest

from lecturekit import data


def test_sine_shapes_and_domain():
    X, d = data.make_sine(50, noise=0.2, seed=3, domain=(-1.0, 2.0))
    assert X.shape == (50, 1) and d.shape == (50,)
    assert X.dtype == np.float64 and d.dtype == np.float64
    assert np.all((X >= -1.0) & (X <= 2.0))
    assert np.all(np.diff(X[:, 0]) >= 0), "inputs are returned sorted"


def test_sine_without_noise_is_the_sine():
    X, d = data.make_sine(40, noise=0.0, seed=1)
    np.testing.assert_array_equal(d, np.sin(X[:, 0]))


def test_sine_noise_has_the_requested_spread():
    X, d = data.make_sine(20000, noise=0.3, seed=0)
    resid = d - np.sin(X[:, 0])
    assert abs(resid.std() - 0.3) < 0.01
    assert abs(resid.mean()) < 0.01


# `drawn`: the returned array another seed must change, the sine's targets d (its inputs and
# its noise are both drawn) and the moons' points X (their labels follow from the class sizes).
@pytest.mark.parametrize("make, drawn", [(data.make_sine, 1), (data.make_moons, 0)])
def test_same_seed_same_numbers_other_seed_other_numbers(make, drawn):
    a = make(30, 0.1, seed=7)
    b = make(30, 0.1, seed=7)
    c = make(30, 0.1, seed=8)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[drawn], c[drawn])


@pytest.mark.parametrize("m", [2, 7, 100])
def test_moons_shapes_and_class_sizes(m):
    X, labels = data.make_moons(m, noise=0.05, seed=0)
    assert X.shape == (m, 2) and labels.shape == (m,)
    assert set(np.unique(labels)) <= {0.0, 1.0}
    assert labels.sum() == m // 2 and (labels == 0).sum() == (m + 1) // 2


def test_moons_without_noise_lie_on_their_half_circles():
    X, labels = data.make_moons(200, noise=0.0, seed=2)
    upper, lower = X[labels == 0], X[labels == 1]
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0, atol=1e-12)
    assert np.all(upper[:, 1] >= 0)
    centre = np.array([1.0, 0.5])
    np.testing.assert_allclose(np.hypot(*(lower - centre).T), 1.0, atol=1e-12)
    assert np.all(lower[:, 1] <= 0.5)


def test_moons_are_shuffled():
    _, labels = data.make_moons(100, noise=0.1, seed=0)
    assert 0 < labels[:50].sum() < 50


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: data.make_sine(0), "m .*at least 1"),
        (lambda: data.make_sine(2.5), "m .*integer"),
        (lambda: data.make_sine(10, noise=-0.1), "noise"),
        (lambda: data.make_sine(10, noise=float("nan")), "noise"),
        (lambda: data.make_sine(10, domain=(1.0, 1.0)), "domain"),
        (lambda: data.make_moons(1), "m .*at least 2"),
        (lambda: data.make_moons(10, noise=float("inf")), "noise"),
    ],
)
def test_bad_arguments_are_refused_with_the_symbol(call, match):
    with pytest.raises(ValueError, match=match):
        call()
