"""Shared test helpers: optional dependencies skip locally but must be present in CI; a seeded
network problem."""

from __future__ import annotations

import importlib
import os

import pytest

IN_CI = bool(os.environ.get("CI"))


def require(module: str, how: str):
    """Import ``module`` or skip with instructions; under CI (``CI`` set) fail instead."""
    try:
        return importlib.import_module(module)
    except ImportError:
        msg = f"{module} is not installed; {how}"
        if IN_CI:
            pytest.fail(f"CI must run this test: {msg}")
        pytest.skip(msg)


def require_torch():
    """PyTorch, the CPU build pinned in requirements-torch.txt."""
    return require("torch", "install it with `.venv/bin/pip install -r requirements-torch.txt`")


def seeded_network(m: int, n: int, p: int, seed: int):
    """A seeded problem for the one-hidden-layer network: ``X`` (m×n, standard normal, drawn
    with ``seed``) and ``W̄ʰ``, ``w̄ᵒ`` from ``network.init_weights(n, p, seed=seed)``."""
    import numpy as np

    from lecturekit import network

    X = np.random.default_rng(seed).normal(size=(m, n))
    Wh, wo = network.init_weights(n, p, seed=seed)
    return X, Wh, wo


@pytest.fixture
def first_frame_only(monkeypatch):
    """Kernel-free explorers draw only their first frame (the starting values) in this test;
    yields the list that then holds the whole grid of frame keys the explorer would draw."""
    from lecturekit import static_explorer

    grid = []
    every_key = static_explorer.frame_keys

    def first_key_only(controls, crossed=()):
        grid[:] = every_key(controls, crossed)
        return grid[:1]

    monkeypatch.setattr(static_explorer, "frame_keys", first_key_only)
    return grid
