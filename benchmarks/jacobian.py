"""D_W̄ʰ y: the structured formula against the lecture's literal Kronecker product.

Prints, measured side by side in one run, the time and peak memory of both methods at
(m, n, p) = (200, 10, 32), their ratio and their largest difference; then asks the Kronecker
method for a size where it would need more than the package's memory limit (1 GiB) and shows
that it refuses before allocating, and the structured method for a size whose Jacobian alone
would exceed it.

    .venv/bin/python benchmarks/jacobian.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np

from lecturekit import init_weights
from lecturekit.jacobians import KRON_MAX_BYTES, JacobianTooLarge, dy_dWh, kron_bytes


def measure(method, args, repeats):
    """Best-of-``repeats`` wall time and the peak traced memory of one call."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        dy_dWh(*args, method=method)
        times.append(time.perf_counter() - t0)
    tracemalloc.start()
    result = dy_dWh(*args, method=method)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return min(times), peak, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    opts = parser.parse_args()

    m, n, p = 200, 10, 32
    rng = np.random.default_rng(0)
    X = rng.normal(size=(m, n))
    Wh, wo = init_weights(n, p, seed=0)
    args = (X, Wh, wo, "tanh", "identity")

    # alternate the two methods so that machine noise hits both alike
    rows = {"structured": [], "kron": []}
    for _ in range(opts.repeats):
        for method in rows:
            rows[method].append(measure(method, args, 1))
    best = {k: min(r[0] for r in v) for k, v in rows.items()}
    peak = {k: max(r[1] for r in v) for k, v in rows.items()}
    diff = float(np.abs(rows["structured"][0][2] - rows["kron"][0][2]).max())

    print(f"D_W̄ʰ y at (m, n, p) = ({m}, {n}, {p}), best of {opts.repeats}")
    print(f"{'method':<12}{'time [ms]':>12}{'peak memory [MiB]':>20}")
    for k in rows:
        print(f"{k:<12}{best[k] * 1e3:>12.3f}{peak[k] / 2**20:>20.2f}")
    print(f"speed-up structured vs kron: {best['kron'] / best['structured']:.0f}x (target >= 100x)")
    print(f"memory ratio kron / structured: {peak['kron'] / peak['structured']:.0f}x")
    print(f"max |structured - kron| = {diff:.1e} (target <= 1e-12)")

    big = (2000, 10, 32)
    print(f"\nkron at (m, n, p) = {big} would need {kron_bytes(*big) / 2**30:.1f} GiB:")
    Xb = rng.normal(size=big[:2])
    Whb, wob = init_weights(big[1], big[2], seed=0)
    try:
        dy_dWh(Xb, Whb, wob, method="kron")
        print("  ERROR: it did not refuse")
        raise SystemExit(1)
    except JacobianTooLarge as err:
        print(f"  refused: {err}")
    t, pk, _ = measure("structured", (Xb, Whb, wob), 3)
    print(f"  structured at that size: {t * 1e3:.2f} ms, {pk / 2**20:.1f} MiB")

    # the structured Jacobian itself is m × n̄p: at (m, n, p) = (200 000, 100, 64) it is 9.6 GiB
    huge = (200_000, 100, 64)
    print(f"\nstructured at (m, n, p) = {huge}, limit {KRON_MAX_BYTES / 2**30:.0f} GiB:")
    Xh = np.zeros(huge[:2])
    Whh, woh = init_weights(huge[1], huge[2], seed=0)
    refused = False
    try:
        dy_dWh(Xh, Whh, woh)
    except JacobianTooLarge as err:
        refused = True
        print(f"  refused: {err}")
    ok = best["kron"] / best["structured"] >= 100 and diff <= 1e-12 and refused
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
