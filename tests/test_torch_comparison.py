"""The engine against PyTorch autograd (float64): same network, same data, same gradients.

Skips with install instructions when torch is absent locally; fails under CI (see conftest).
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import require_torch

from lecturekit import autodiff as ad
from lecturekit.network import init_weights


@pytest.fixture(scope="module")
def torch():
    return require_torch()


def _data(m=50, n=3, p=8, seed=5):
    rng = np.random.default_rng(seed)
    X, d = rng.normal(size=(m, n)), rng.normal(size=m)
    Wh, wo = init_weights(n, p, seed=seed)
    return X, d, Wh, wo


@pytest.mark.parametrize(("f", "g"), [("tanh", "identity"), ("relu", "sigmoid")])
def test_network_gradient_matches_torch(torch, f, g):
    X, d, Wh0, wo0 = _data()
    act = {"tanh": ad.tanh, "relu": ad.relu, "sigmoid": ad.sigmoid, "identity": lambda t: t}
    tact = {
        "tanh": torch.tanh,
        "relu": torch.relu,
        "sigmoid": torch.sigmoid,
        "identity": lambda t: t,
    }

    Wh, wo = ad.Tensor(Wh0, requires_grad=True), ad.Tensor(wo0, requires_grad=True)
    y = act[g](ad.closure(act[f](ad.closure(X) @ Wh)) @ wo)
    loss = 0.5 * ad.sum((y - d) ** 2)
    loss.backward()

    tX, td = torch.from_numpy(X), torch.from_numpy(d)
    tWh = torch.tensor(Wh0, dtype=torch.float64, requires_grad=True)
    two = torch.tensor(wo0, dtype=torch.float64, requires_grad=True)
    ones = torch.ones(X.shape[0], 1, dtype=torch.float64)
    H = tact[f](torch.cat([ones, tX], dim=1) @ tWh)
    ty = tact[g](torch.cat([ones, H], dim=1) @ two)
    tloss = 0.5 * ((ty - td) ** 2).sum()
    tloss.backward()

    np.testing.assert_allclose(loss.item(), tloss.item(), rtol=1e-13)
    np.testing.assert_allclose(Wh.grad, tWh.grad.numpy(), rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(wo.grad, two.grad.numpy(), rtol=1e-11, atol=1e-13)


def test_broadcasting_and_reductions_match_torch(torch):
    rng = np.random.default_rng(9)
    A0, b0, c0 = rng.normal(size=(4, 3)), rng.normal(size=3), rng.uniform(1, 2, size=(4, 1))
    A, b, c = (ad.Tensor(v, requires_grad=True) for v in (A0, b0, c0))
    out = ad.mean(ad.sin(A * b) / c, axis=0) @ ad.exp(b) + ad.sum(ad.log(c) ** 3)
    out.backward()

    tA, tb, tc = (torch.tensor(v, requires_grad=True) for v in (A0, b0, c0))
    tout = (torch.sin(tA * tb) / tc).mean(dim=0) @ torch.exp(tb) + (torch.log(tc) ** 3).sum()
    tout.backward()
    for mine, theirs in ((A, tA), (b, tb), (c, tc)):
        np.testing.assert_allclose(mine.grad, theirs.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_measure_torch_helpers(torch):
    from lecturekit import measure, train

    X, d, Wh, wo = _data(m=30, n=2, p=5)
    ref = train.loss_and_gradient(X, d, Wh, wo, "sigmoid", "identity")
    got = measure.torch_loss_and_gradient(X, d, Wh, wo, "sigmoid", "identity")
    for a, b in zip(got, ref, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    threads = torch.get_num_threads()
    rows = measure.compare_with_torch([(20, 1, 3), (50, 2, 4)], repeat=1)
    assert torch.get_num_threads() == threads  # restored
    assert [(r.m, r.n, r.p) for r in rows] == [(20, 1, 3), (50, 2, 4)]
    for r in rows:
        assert r.max_rel_diff < 1e-12
        assert min(r.autodiff, r.by_hand, r.torch) > 0
