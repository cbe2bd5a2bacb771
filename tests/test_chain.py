"""Matrix-chain costs: hand-checked examples, the DP optimum against brute force, and the
network's gradient chain in forward and reverse order."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lecturekit import chain


def test_textbook_three_matrix_example():
    # A 10×100, B 100×5, C 5×50: (AB)C = 10·100·5 + 10·5·50, A(BC) = 100·5·50 + 10·100·50
    dims = [10, 100, 5, 50]
    assert chain.chain_cost(dims, ((0, 1), 2)) == 7_500
    assert chain.chain_cost(dims, (0, (1, 2))) == 75_000
    assert chain.optimal_order(dims) == (7_500, ((0, 1), 2))


def test_cost_counts_multiply_adds_of_real_products():
    # count the scalar multiplications of a naive triple loop, product by product
    rng = np.random.default_rng(0)
    dims = [3, 4, 2, 5]
    mats = [rng.normal(size=(dims[i], dims[i + 1])) for i in range(3)]
    counter = {"n": 0}

    def mult(A, B):
        counter["n"] += A.shape[0] * A.shape[1] * B.shape[1]
        return A @ B

    def evaluate(order):
        if not isinstance(order, tuple):
            return mats[order]
        return mult(evaluate(order[0]), evaluate(order[1]))

    for order in chain.all_orders(3):
        counter["n"] = 0
        value = evaluate(order)
        np.testing.assert_allclose(value, mats[0] @ mats[1] @ mats[2])
        assert counter["n"] == chain.chain_cost(dims, order)


@pytest.mark.parametrize("k", range(1, 8))
def test_number_of_orders_is_catalan(k):
    orders = chain.all_orders(k)
    assert len(orders) == math.comb(2 * (k - 1), k - 1) // k
    assert len(set(orders)) == len(orders)


@pytest.mark.parametrize("seed", range(40))
def test_dp_matches_brute_force_on_random_chains(seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(1, 8))
    dims = [int(d) for d in rng.integers(1, 60, size=k + 1)]
    brute = min(chain.chain_cost(dims, o) for o in chain.all_orders(k))
    cost, order = chain.optimal_order(dims)
    assert cost == brute
    assert chain.chain_cost(dims, order) == cost


def test_left_and_right_orders_and_names():
    assert chain.left_to_right(4) == (((0, 1), 2), 3)
    assert chain.right_to_left(4) == (0, (1, (2, 3)))
    assert chain.to_string((((0, 1), 2), 3)) == "((AB)C)D"
    assert chain.to_string((0, (1, (2, 3)))) == "A(B(CD))"
    assert chain.to_string(((0, 1), 2), names=["u", "V", "W"]) == "(uV)W"
    assert chain.to_string(0) == "A"


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="once each"):
        chain.chain_cost([2, 3, 4], ((1, 0)))
    with pytest.raises(ValueError, match="once each"):
        chain.chain_cost([2, 3, 4, 5], ((0, 1)))
    with pytest.raises(ValueError, match="two parts"):
        chain.chain_cost([2, 3, 4, 5], (0, 1, 2))
    with pytest.raises(ValueError, match="positive"):
        chain.optimal_order([2, 0, 4])
    with pytest.raises(ValueError, match="length"):
        chain.optimal_order([2])
    with pytest.raises(ValueError, match="p must be at least 1; got 0"):
        chain.gradient_chain_dims(5, 2, 0)
    with pytest.raises(ValueError, match=r"n must be an integer; got 2\.5"):
        chain.gradient_chain_dims(5, 2.5, 3)


@pytest.mark.parametrize(("m", "n", "p"), [(1, 1, 1), (5, 2, 3), (100, 1, 20), (1000, 10, 64)])
def test_gradient_chain_closed_forms(m, n, p):
    nbar = n + 1
    c = chain.gradient_chain_costs(m, n, p)
    assert c.dims == [1, m, m * p, m * p, nbar * p]
    assert c.reverse == m * m * p + m * m * p * p + m * nbar * p * p
    assert c.forward == m * m * nbar * p**3 + m * m * nbar * p**2 + m * nbar * p
    assert c.structured_reverse == m + 2 * m * p + m * nbar * p
    assert c.structured_forward == 2 * m * p + 2 * m * nbar * p
    # reverse beats forward either way; beyond scalars, structure beats any dense order
    assert c.structured_reverse <= c.structured_forward
    assert c.reverse <= c.forward
    if m * p > 1:
        assert c.structured_forward < c.optimal


@pytest.mark.parametrize("m", [1, 2, 7, 50])
@pytest.mark.parametrize("n", [1, 3, 20])
@pytest.mark.parametrize("p", [1, 4, 30])
def test_reverse_order_is_optimal_for_the_gradient_chain(m, n, p):
    c = chain.gradient_chain_costs(m, n, p)
    assert c.optimal == c.reverse
    assert chain.chain_cost(c.dims, c.optimal_order) == c.optimal


def test_evaluate_gives_the_same_product_in_every_order():
    rng = np.random.default_rng(5)
    dims = [3, 1, 4, 2, 5]
    mats = [rng.normal(size=(dims[i], dims[i + 1])) for i in range(4)]
    expected = mats[0] @ mats[1] @ mats[2] @ mats[3]
    for order in chain.all_orders(4):
        np.testing.assert_allclose(chain.evaluate(mats, order), expected, rtol=1e-12)
    with pytest.raises(ValueError, match="cannot be multiplied"):
        chain.evaluate([mats[0], mats[2]], (0, 1))
    with pytest.raises(ValueError, match="once each"):
        chain.evaluate(mats, ((0, 1), 2))
