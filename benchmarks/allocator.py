"""Benchmark: what the memory allocator costs numpy's temporaries, measured side by side.

Every numpy expression allocates its result afresh. glibc's ``malloc`` serves a large block
with pages the kernel maps and zeroes when they are first written, and gives freed memory at the
top of its heap back to the system once more than its trim threshold is free; a loop that
allocates and frees the same temporaries at every pass then pays those page faults at every
pass. glibc's tunables ``glibc.malloc.top_pad``, ``trim_threshold`` and ``mmap_threshold``
(GNU C Library manual, "Memory Allocation Tunables"; ``mallopt(3)``) make it keep freed memory
for the next allocation instead.

glibc also raises its thresholds by itself once a process frees a large block, so the cost
depends on what the process did before. This script therefore runs each computation in fresh
child processes, with glibc's default settings and with ``KEEP`` below, alternating between the
two, and prints the median seconds of each and their ratio. lecturekit leaves the allocator of
the process it runs in alone, and every other table of the Benchmarks page is measured with the
defaults.

Run: ``python benchmarks/allocator.py`` (``--quick``: fewer repetitions and sizes).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

# Keep up to 64 MiB beyond each heap extension, trim only above 256 MiB free, and serve
# blocks up to 32 MiB (glibc's largest dynamic mmap threshold on 64-bit) from the heap.
KEEP = (
    "glibc.malloc.top_pad=67108864:glibc.malloc.trim_threshold=268435456:"
    "glibc.malloc.mmap_threshold=33554432"
)
# The sizes (m, n, p) of benchmarks/gradient.py (a test checks that they agree).
SIZES = [(100, 1, 20), (1000, 10, 64), (4096, 64, 256), (16384, 128, 512)]


def _median_seconds(fn, repeat):
    fn()  # the first call pays for imports and first touches alike in both settings
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def gradient_problem(m, n, p):
    """``gradient.problem(m, n, p)``'s data and weights, without importing gradient.py: it
    imports PyTorch and JAX, whose allocations would move glibc's thresholds before the timing
    (a test checks that the two agree)."""
    from lecturekit import network

    rng = np.random.default_rng(0)
    X, d = rng.standard_normal((m, n)), rng.standard_normal(m)
    Wh, wo = network.init_weights(n, p, seed=1)
    return X, d, Wh, wo


def computations(quick):
    """Name ↦ (what to import and build, returning the call to time; repetitions)."""
    repeat = 20 if quick else 100

    def temporary():
        t = np.random.default_rng(0).uniform(-1, 1, (1000, 64))
        return lambda: 1.0 - t * t

    def lecturekit_gradient(m, n, p):
        from lecturekit import train

        X, d, Wh, wo = gradient_problem(m, n, p)
        return lambda: train.loss_and_gradient(X, d, Wh, wo)

    def torch_gradient(m, n, p):
        import gradient  # imports PyTorch (and the other optional peers)

        if gradient.torch is None:
            return None
        gradient.torch.set_num_threads(2)  # as in benchmarks/gradient.py
        return gradient.torch_fns(*gradient.problem(m, n, p))[0]

    def burgers_gradient():
        import burgers

        from lecturekit.pinn import PINN
        from lecturekit.pinn.finish import single_threaded_blas

        Xc, conditions = burgers.problem(0)
        loss = PINN(burgers.layers(), seed=0).loss(burgers.residual, Xc, conditions)
        theta = loss.theta0.copy()

        def call():
            with single_threaded_blas():  # as in the Adam phase
                loss(theta)

        return call

    table = {"the temporary 1 − t⊙t, t 1000×64": (temporary, repeat * 5)}
    for m, n, p in SIZES[:2] if quick else SIZES:
        size = f"(m, n, p) = ({m}, {n}, {p})"
        table[f"lecturekit's loss gradient, {size}"] = (
            lambda m=m, n=n, p=p: lecturekit_gradient(m, n, p),
            repeat,
        )
        table[f"PyTorch's loss gradient, {size}"] = (
            lambda m=m, n=n, p=p: torch_gradient(m, n, p),
            repeat,
        )
    table["Burgers PINN loss gradient, M = 10,100, P = 3,021"] = (
        burgers_gradient,
        5 if quick else 20,
    )
    return table


def child(name, quick):
    """Median seconds of one computation, in this fresh process, as JSON (null if absent)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    build, repeat = computations(quick)[name]
    fn = build()
    print(json.dumps(None if fn is None else _median_seconds(fn, repeat)))


def run_child(name, keep, quick):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "GLIBC_TUN"))}
    if keep:
        env["GLIBC_TUNABLES"] = KEEP
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    cmd = [sys.executable, __file__, "--child", name] + (["--quick"] if quick else [])
    done = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(quick):
    if platform.libc_ver()[0] != "glibc":
        print(f"not glibc ({platform.libc_ver()[0] or 'unknown C library'}): nothing to measure")
        return
    print(f"glibc {platform.libc_ver()[1]}, numpy {np.__version__}; freed memory kept: {KEEP}")
    rounds = 2 if quick else 3
    print()
    print("| computation | glibc's defaults | freed memory kept | ratio (kept / defaults) |")
    print("|---|---|---|---|")
    for name in computations(quick):
        # each measurement in a fresh process (the allocator's thresholds move with its
        # history), the two settings alternating so that the machine's load meets both alike
        runs = {False: [], True: []}
        for _ in range(rounds):
            for keep in (False, True):
                runs[keep].append(run_child(name, keep, quick))
        if None in runs[False]:
            continue  # PyTorch not installed
        default, kept = (statistics.median(runs[k]) for k in (False, True))
        print(f"| {name} | {_show(default)} | {_show(kept)} | {kept / default:.2f} |")
    print(f"\nMedians over {rounds} alternating fresh processes of each setting.")


def _show(seconds):
    return f"{seconds * 1e3:.3g} ms" if seconds < 1 else f"{seconds:.3g} s"


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repetitions and sizes")
    ap.add_argument("--child", metavar="NAME", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.quick)
    else:
        main(args.quick)
