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

from lecturekit import measure, network, train

SIZES = [(100, 1, 20), (1000, 10, 64), (4096, 64, 256), (16384, 128, 512)]


def main(sizes):
    print(f"numpy {np.__version__}, load average at start: {os.getloadavg()}")
    for m, n, p in sizes:
        profile = measure.profile_gradient(m, n, p)
        rng = np.random.default_rng(0)
        X, d = rng.normal(size=(m, n)), rng.normal(size=m)
        Wh, wo = network.init_weights(n, p, seed=1)
        whole = []
        for _ in range(5):
            t0 = time.perf_counter()
            train.loss_and_gradient(X, d, Wh, wo)
            whole.append(time.perf_counter() - t0)
        parts = sum(profile.values())
        print(f"\n(m, n, p) = ({m}, {n}, {p})")
        for k, v in profile.items():
            print(f"  {k:32s} {v * 1e3:9.3f} ms  {100 * v / parts:5.1f} %")
        print(f"  {'whole gradient':32s} {statistics.median(whole) * 1e3:9.3f} ms")
    print(f"\nload average at end: {os.getloadavg()}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="only the two small sizes")
    main(SIZES[:2] if ap.parse_args().quick else SIZES)
