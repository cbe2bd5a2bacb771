"""Activations: values, derivatives against sympy and finite differences, stability."""

import warnings

import numpy as np
import pytest
import sympy as sp

from lecturekit import activations
from lecturekit.activations import ACTIVATIONS, get_activation

NAMES = ["identity", "heaviside", "sigmoid", "tanh", "relu", "softplus"]
SMOOTH = [n for n in NAMES if get_activation(n).smooth]
# points away from the kinks of relu/heaviside
Z = np.array([-3.0, -1.2, -0.3, 0.4, 0.9, 2.5])


@pytest.mark.parametrize("name", NAMES)
def test_numeric_matches_sympy(name):
    a = get_activation(name)
    z = activations.z
    d1, d2 = sp.diff(a.expr, z), sp.diff(a.expr, z, 2)
    for expr, fun in [(a.expr, a.f), (d1, a.df), (d2, a.d2f)]:
        exact = np.array([float(expr.subs(z, v).evalf()) for v in Z])
        np.testing.assert_allclose(fun(Z), exact, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", SMOOTH)
def test_derivatives_match_complex_step(name):
    a = get_activation(name)
    h = 1e-30
    np.testing.assert_allclose(a.df(Z), a.f(Z + 1j * h).imag / h, rtol=1e-12)
    np.testing.assert_allclose(a.d2f(Z), (a.df(Z + 1e-6) - a.df(Z - 1e-6)) / 2e-6, atol=1e-8)


@pytest.mark.parametrize("name", NAMES)
def test_stable_at_large_inputs(name):
    a = get_activation(name)
    z = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for fun in (a.f, a.df, a.d2f):
            assert np.all(np.isfinite(fun(z)))
            assert np.all(np.isfinite(fun(z.astype(complex)))) if a.smooth else True


def test_sigmoid_limits_exact():
    s = get_activation("sigmoid")
    np.testing.assert_array_equal(s.f(np.array([-1000.0, 1000.0])), [0.0, 1.0])
    assert s.f(np.array([-30.0]))[0] == pytest.approx(np.exp(-30) / (1 + np.exp(-30)), rel=1e-14)


def test_aliases_and_passthrough():
    assert get_activation("logistic") is ACTIVATIONS["sigmoid"]
    assert get_activation("LINEAR") is ACTIVATIONS["identity"]
    assert get_activation(activations.tanh) is activations.tanh


def test_unknown_activation_lists_known():
    with pytest.raises(ValueError) as err:
        get_activation("swish")
    for name in NAMES:
        assert name in str(err.value)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_df_from_returns_a_new_array_the_backward_pass_may_overwrite(name):
    act = ACTIVATIONS[name]
    A = np.linspace(-2.0, 2.0, 12).reshape(3, 4)
    H = act.f(A)
    fp = act.df_from(A, H)
    assert fp.shape == A.shape and fp.dtype == np.float64 and fp.flags.writeable
    assert not np.shares_memory(fp, A) and not np.shares_memory(fp, H)
    np.testing.assert_allclose(fp, act.df(A), rtol=1e-12, atol=1e-15)
