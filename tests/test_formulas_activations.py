"""The one activation table against sympy: f, f′, f″ and f‴ of each entry at sample points."""

import numpy as np
import pytest
import sympy as sp

from lecturekit.activations import ACTIVATIONS
from lecturekit.formulas.activations import TABLE

Z = np.array([-30.0, -3.0, -0.7, -0.1, 0.2, 0.9, 2.5, 30.0])  # no kink at 0 for relu/heaviside


@pytest.mark.parametrize("name", sorted(TABLE))
def test_each_derivative_is_the_sympy_derivative(name):
    expr, z = ACTIVATIONS[name].expr, sp.Symbol("z", real=True)
    entry = TABLE[name]
    for order, fun in enumerate([entry.f, entry.d1, entry.d2, entry.d3]):
        exact = sp.lambdify(z, sp.diff(expr, z, order), modules=["numpy", "sympy"])
        want = np.array([float(exact(v)) for v in Z])
        np.testing.assert_allclose(fun(Z), want, rtol=1e-12, atol=1e-14, err_msg=f"{name} {order}")


@pytest.mark.parametrize("name", sorted(TABLE))
def test_stack_is_the_four_functions(name):
    entry = TABLE[name]
    stack = entry.stack(Z)
    for got, fun in zip(stack, [entry.f, entry.d1, entry.d2, entry.d3], strict=True):
        np.testing.assert_allclose(got, fun(Z), rtol=1e-14, atol=0)
    assert entry.stack(Z, third=False)[3] is None


@pytest.mark.parametrize("name", ["identity", "sigmoid", "tanh", "softplus"])
def test_analytic_entries_pass_a_complex_step(name):
    h, z = 1e-30, np.array([-2.0, 0.3, 4.0])
    entry = TABLE[name]
    np.testing.assert_allclose(entry.f(z + 1j * h).imag / h, entry.d1(z), rtol=1e-12)


def test_the_kit_reads_the_table():
    for name, entry in TABLE.items():
        act = ACTIVATIONS[name]
        assert (act.f, act.df, act.d2f) == (entry.f, entry.d1, entry.d2)
