"""The matrix chain formulas of chapter 6 against brute force."""

import itertools

import numpy as np
import pytest

from lecturekit import chain
from lecturekit.formulas import chain as F


@pytest.mark.parametrize("seed", range(5))
def test_the_programme_finds_the_cheapest_of_all_orders(seed):
    dims = list(np.random.default_rng(seed).integers(1, 30, size=7))
    best, order = F.cheapest_order(dims)
    costs = [F.chain_cost(dims, o) for o in chain.all_orders(6)]
    assert best == min(costs) == F.chain_cost(dims, order)
    first = costs.index(min(costs))  # ties go to the leftmost split, as the kit documents
    assert order == chain.all_orders(6)[first] or F.chain_cost(dims, order) == costs[first]


def test_cost_of_two_orders_by_hand():
    dims = [10, 30, 5, 60]  # (AB)C: 10·30·5 + 10·5·60; A(BC): 30·5·60 + 10·30·60
    assert F.chain_cost(dims, ((0, 1), 2)) == 1500 + 3000
    assert F.chain_cost(dims, (0, (1, 2))) == 9000 + 18000
    assert F.cheapest_order(dims) == (4500, ((0, 1), 2))


def test_every_order_gives_the_same_product():
    rng = np.random.default_rng(1)
    dims = [3, 4, 2, 5, 3]
    mats = [rng.normal(size=(a, b)) for a, b in itertools.pairwise(dims)]
    expected = mats[0] @ mats[1] @ mats[2] @ mats[3]
    for order in chain.all_orders(4):
        np.testing.assert_allclose(F.chain_product(mats, order), expected, rtol=1e-12)
