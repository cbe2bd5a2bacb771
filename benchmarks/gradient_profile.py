"""Benchmark: where the time of one loss gradient goes, pass by pass.

``train.loss_and_gradient`` for ``y = [1 tanh(X̄ W̄ʰ)] w̄ᵒ``, ``ℓ = ½‖y − d‖²`` is two matrix
products of the size of the network (``A = X̄ W̄ʰ`` forward, ``∂ℓ/∂W̄ʰ = X̄ᵀ δA`` backward), one
tanh and a few element-wise passes over m×p arrays. This script times each pass on its own
(medians of interleaved repetitions) and prints its share of the sum, at the sizes of
``benchmarks/gradient.py``.

Run: ``python benchmarks/gradient_profile.py`` (``--quick`` for the two small sizes only).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

from lecturekit import network, train
from lecturekit.vectorise import closure

SIZES = [(100, 1, 20), (1000, 10, 64), (4096, 64, 256), (16384, 128, 512)]


def passes(X, d, Wh, wo):
    """The passes of one gradient, each a function of the arrays the previous ones made."""
    Xbar = closure(X)
    A = Xbar @ Wh
    H = np.tanh(A)
    Hbar = network.with_ones(H)
    z = Hbar @ wo
    dz = z - d
    dA = np.outer(dz, wo[1:]) * (1.0 - H * H)
    return {
        "X̄ W̄ʰ (product)": lambda: Xbar @ Wh,
        "tanh": lambda: np.tanh(A),
        "H̄ = [1 H], z = H̄ w̄ᵒ, δz": lambda: network.with_ones(H) @ wo - d,
        "H̄ᵀ δz": lambda: dz @ Hbar,
        "δA = (δz wᵒᵀ) ⊙ (1 − H ⊙ H)": lambda: np.outer(dz, wo[1:]) * (1.0 - H * H),
        "X̄ᵀ δA (product)": lambda: (dA.T @ Xbar).T,
        "whole gradient": lambda: train.loss_and_gradient(X, d, Wh, wo),
    }


def main(sizes):
    print(f"numpy {np.__version__}, load average at start: {os.getloadavg()}")
    for m, n, p in sizes:
        rng = np.random.default_rng(0)
        X, d = rng.normal(size=(m, n)), rng.normal(size=m)
        Wh, wo = network.init_weights(n, p, seed=1)
        fns = passes(X, d, Wh, wo)
        reps = max(5, min(200, int(3e7 / (m * p * (n + 10)))))
        times = {k: [] for k in fns}
        for _ in range(reps):
            for k, fn in fns.items():
                t0 = time.perf_counter()
                fn()
                times[k].append(time.perf_counter() - t0)
        med = {k: statistics.median(v) for k, v in times.items()}
        parts = sum(v for k, v in med.items() if k != "whole gradient")
        print(f"\n(m, n, p) = ({m}, {n}, {p}), {reps} repetitions")
        for k, v in med.items():
            share = "" if k == "whole gradient" else f"{100 * v / parts:5.1f} %"
            print(f"  {k:32s} {v * 1e3:9.3f} ms  {share}")
    print(f"\nload average at end: {os.getloadavg()}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="only the two small sizes")
    main(SIZES[:2] if ap.parse_args().quick else SIZES)
