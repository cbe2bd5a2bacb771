"""Closure, vec and the vec–Kronecker identity."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lecturekit as lk


def test_closure_adds_leading_ones():
    X = np.arange(6.0).reshape(3, 2)
    Xbar = lk.closure(X)
    assert Xbar.shape == (3, 3)
    np.testing.assert_array_equal(Xbar[:, 0], 1.0)
    np.testing.assert_array_equal(Xbar[:, 1:], X)


def test_closure_of_vector_is_one_feature():
    np.testing.assert_array_equal(lk.closure([2.0, 3.0]), [[1, 2], [1, 3]])


def test_vec_is_column_major():
    A = np.array([[1, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(lk.vec(A), [1, 4, 2, 5, 3, 6])


@given(st.integers(1, 5), st.integers(1, 5), st.integers(0, 2**31 - 1))
def test_unvec_inverts_vec(m, n, seed):
    A = np.random.default_rng(seed).normal(size=(m, n))
    np.testing.assert_array_equal(lk.unvec(lk.vec(A), A.shape), A)


@settings(max_examples=40)
@given(
    st.integers(1, 4),
    st.integers(1, 4),
    st.integers(1, 4),
    st.integers(1, 4),
    st.integers(0, 2**31 - 1),
)
def test_vec_of_product_identity(k, m, n, l, seed):
    rng = np.random.default_rng(seed)
    A, X, B = rng.normal(size=(k, m)), rng.normal(size=(m, n)), rng.normal(size=(n, l))
    lhs, rhs = lk.vec_of_product(A, X, B)
    np.testing.assert_allclose(lhs, rhs, rtol=1e-12, atol=1e-12)
    # the identity is the statement that Bᵀ⊗A is the Jacobian of X ↦ AXB
    J = lk.checks.fd_jacobian(lambda Y: A @ Y @ B, X, method="complex")
    np.testing.assert_allclose(J, lk.kron_vec_matrix(A, B), atol=1e-12)


def test_vec_of_product_shape_error():
    with pytest.raises(ValueError, match="A's columns = X's rows"):
        lk.vec_of_product(np.ones((2, 3)), np.ones((2, 2)), np.ones((2, 2)))


def test_unvec_length_error():
    with pytest.raises(ValueError, match="length 6 for shape 2×3"):
        lk.unvec(np.ones(5), (2, 3))


def test_closure_refuses_nan():
    with pytest.raises(ValueError, match="NaN or infinite"):
        lk.closure([[1.0, np.nan]])


def test_every_module_is_reachable_from_the_package():
    import importlib
    import pkgutil

    names = {m.name for m in pkgutil.iter_modules(lk.__path__) if not m.name.startswith("_")}
    assert names <= set(lk.__all__), f"not exported: {sorted(names - set(lk.__all__))}"
    for name in names:
        assert getattr(lk, name) is importlib.import_module(f"lecturekit.{name}")


@pytest.mark.parametrize(
    "shape, match",
    [((2.5, 2.4), r"shape\[0\] must be an integer; got 2\.5"), ((2, -3), "at least 0")],
)
def test_unvec_refuses_a_shape_that_is_not_integers(shape, match):
    # int(2.5) × int(2.4) = 4 entries would silently fit a vector of length 4
    with pytest.raises(ValueError, match=match):
        lk.unvec(np.ones(4), shape)


@pytest.mark.parametrize(
    "A, error, match",
    [
        (["a", "b"], TypeError, "A must be numeric"),
        ([[1.0, np.nan]], ValueError, "NaN or infinite"),
        ([np.inf], ValueError, "NaN or infinite"),
    ],
)
def test_vec_refuses_strings_and_nan(A, error, match):
    with pytest.raises(error, match=match):
        lk.vec(A)


def test_kron_vec_matrix_refuses_a_product_beyond_memory_before_forming_it():
    from lecturekit.jacobians import JacobianTooLarge

    # Bᵀ ⊗ A would be (2000·2000)×(2000·2000) = 116 TiB (119 209 GiB); A and B are 31 MiB each
    A = B = np.zeros((2000, 2000))
    with pytest.raises(JacobianTooLarge, match=r"Bᵀ ⊗ A \(4000000×4000000, 119209\.\d+ GiB\)"):
        lk.kron_vec_matrix(A, B)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(scale=np.nan), "scale .* must be finite"),
        (dict(scale=-1.0), "scale .* must be ≥ 0"),
        (dict(n=2.5), r"n \(the number of inputs\) must be an integer"),
        (dict(p=0), r"p \(the number of hidden units\) must be at least 1"),
    ],
)
def test_init_weights_refuses_bad_arguments(kwargs, match):
    args = dict(n=2, p=3) | kwargs
    with pytest.raises(ValueError, match=match):
        lk.init_weights(**args)
