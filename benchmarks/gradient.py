"""Benchmark: the loss gradient of the one-hidden-layer network, three ways.

Network and loss: ``y = [1 tanh(X̄ W̄ʰ)] w̄ᵒ`` (identity output), ``ℓ = ½‖y − d‖²``, float64.
At each size (m, n, p) it times

* ``lecturekit.train.loss_and_gradient`` (reverse order by hand) and ``train.loss_value``,
* the autodiff engine ``lecturekit.autodiff`` (if present), building the graph on tensors,
* PyTorch autograd with two threads (if installed),
* JAX with ``jit`` (if installed; float64 switched on) and HIPS autograd (if installed),

each as gradient (forward + backward) and loss alone (forward), interleaved in one run so that
load on the machine affects all of them alike, and reports medians, time ratios and the
gradient/loss cost ratio (the cheap-gradient principle says at most about 3).

Run: ``python benchmarks/gradient.py`` (``--quick`` for the two small sizes only).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import statistics
import time

import numpy as np

from lecturekit import network, train

SIZES = [(100, 1, 20), (1000, 10, 64), (4096, 64, 256), (16384, 128, 512)]

try:
    from lecturekit import autodiff as ad
except ImportError:
    ad = None

try:
    import torch
except ImportError:
    torch = None

try:  # optional peers (requirements-bench.txt)
    import jax

    jax.config.update("jax_enable_x64", True)  # float64, as every other engine here
    import jax.numpy as jnp
except ImportError:
    jax = None

try:
    import autograd
    import autograd.numpy as anp
except ImportError:
    autograd = None


def problem(m, n, p, seed=0):
    """Seeded data and weights for one size."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, n))
    d = rng.standard_normal(m)
    Wh, wo = network.init_weights(n, p, seed=seed + 1)
    return X, d, Wh, wo


def lecturekit_fns(X, d, Wh, wo):
    def grad():
        return train.loss_and_gradient(X, d, Wh, wo)

    def loss():
        return train.loss_value(X, d, Wh, wo)

    return grad, loss


def autodiff_fns(X, d, Wh, wo):
    def build(requires_grad):
        W = ad.Tensor(Wh, requires_grad=requires_grad)
        w = ad.Tensor(wo, requires_grad=requires_grad)
        Hbar = ad.closure(ad.tanh(ad.closure(ad.Tensor(X)) @ W))
        r = Hbar @ w - ad.Tensor(d)
        return 0.5 * ad.sum(r * r), W, w

    def grad():
        value, W, w = build(True)
        value.backward()
        return float(value.data), W.grad, w.grad

    def loss():
        return float(build(False)[0].data)

    return grad, loss


def torch_fns(X, d, Wh, wo):
    Xbar_t = torch.from_numpy(np.hstack([np.ones((X.shape[0], 1)), X]))
    d_t = torch.from_numpy(d)
    W0, w0 = torch.from_numpy(Wh), torch.from_numpy(wo)

    def forward(W, w):
        H = torch.tanh(Xbar_t @ W)
        z = H @ w[1:] + w[0]
        return 0.5 * torch.sum((z - d_t) ** 2)

    def grad():
        W = W0.clone().requires_grad_(True)
        w = w0.clone().requires_grad_(True)
        value = forward(W, w)
        value.backward()
        return float(value.detach()), W.grad.numpy(), w.grad.numpy()

    def loss():
        with torch.no_grad():
            return float(forward(W0, w0))

    return grad, loss


def jax_fns(X, d, Wh, wo):
    Xbar, dj = jnp.asarray(np.hstack([np.ones((X.shape[0], 1)), X])), jnp.asarray(d)

    def forward(W, w):
        z = jnp.tanh(Xbar @ W) @ w[1:] + w[0]
        return 0.5 * jnp.sum((z - dj) ** 2)

    value_and_grad = jax.jit(jax.value_and_grad(forward, argnums=(0, 1)))
    value = jax.jit(forward)
    W0, w0 = jnp.asarray(Wh), jnp.asarray(wo)

    def grad():
        v, (gW, gw) = value_and_grad(W0, w0)
        return float(v), np.asarray(gW), np.asarray(gw)  # np.asarray waits for the result

    def loss():
        return float(value(W0, w0))

    return grad, loss


def autograd_fns(X, d, Wh, wo):
    Xbar = np.hstack([np.ones((X.shape[0], 1)), X])

    def forward(W, w):
        z = anp.dot(anp.tanh(anp.dot(Xbar, W)), w[1:]) + w[0]
        return 0.5 * anp.sum((z - d) ** 2)

    value_and_grad = autograd.value_and_grad(forward, argnum=[0, 1])

    def grad():
        v, (gW, gw) = value_and_grad(Wh, wo)
        return float(v), gW, gw

    def loss():
        return float(forward(Wh, wo))

    return grad, loss


def calls_per_sample(fn, target=0.05):
    """How many calls make one timed sample last about ``target`` seconds."""
    t0 = time.perf_counter()
    fn()
    once = max(time.perf_counter() - t0, 1e-7)
    return max(1, int(target / once))


def rel_err(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


def bench_size(m, n, p, repeats):
    X, d, Wh, wo = problem(m, n, p)
    engines = {"lecturekit": lecturekit_fns(X, d, Wh, wo)}
    if ad is not None:
        engines["autodiff"] = autodiff_fns(X, d, Wh, wo)
    if torch is not None:
        engines["torch"] = torch_fns(X, d, Wh, wo)
    if jax is not None:
        engines["jax"] = jax_fns(X, d, Wh, wo)
    if autograd is not None:
        engines["autograd"] = autograd_fns(X, d, Wh, wo)

    # The three gradients must agree before their times mean anything.
    ref = engines["lecturekit"][0]()
    errs = {}
    for name, (grad, _) in engines.items():
        out = grad()
        errs[name] = max(rel_err(out[0], ref[0]), rel_err(out[1], ref[1]), rel_err(out[2], ref[2]))

    fns = [
        (name, kind, fn)
        for name, pair in engines.items()
        for kind, fn in zip("GL", pair, strict=True)
    ]
    for _, _, fn in fns:  # warm-up (thread pools, allocator)
        fn()
    number = {(name, kind): calls_per_sample(fn) for name, kind, fn in fns}
    samples = {(name, kind): [] for name, kind, _ in fns}
    for rep in range(repeats):
        # Interleave, and rotate the order, so slow spells on a shared machine hit all alike.
        order = fns[rep % len(fns) :] + fns[: rep % len(fns)]
        for name, kind, fn in order:
            k = number[name, kind]
            fn()  # untimed: lets the previous engine's worker threads go idle first
            t0 = time.perf_counter()
            for _ in range(k):
                fn()
            samples[name, kind].append((time.perf_counter() - t0) / k)
    med = {key: statistics.median(v) for key, v in samples.items()}
    return med, errs


def fmt_time(t):
    return f"{t * 1e3:9.3f} ms" if t >= 1e-3 else f"{t * 1e6:9.1f} µs"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only the two small sizes")
    parser.add_argument("--repeats", type=int, default=7, help="interleaved samples per timing")
    args = parser.parse_args(argv)

    print(f"numpy {np.__version__}, python {platform.python_version()}, float64")
    # Timings on a shared machine depend on its load; print it so runs can be compared.
    print("load average (1, 5, 15 min) at start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    if ad is None:
        print("lecturekit.autodiff is missing: the autodiff engine is not measured.")
    if torch is None:
        print(
            "PyTorch is not installed: skipping it "
            "(install with `pip install -r requirements-torch.txt`)."
        )
    else:
        torch.set_num_threads(2)
        print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    for name, dist, mod in (("JAX", "jax", jax), ("HIPS autograd", "autograd", autograd)):
        if mod is None:
            print(f"{name} is not installed: skipping it (pip install -r requirements-bench.txt).")
        else:  # autograd has no __version__: the installed distribution's
            print(f"{name} {importlib.metadata.version(dist)}")
    sizes = SIZES[:2] if args.quick else SIZES

    rows = []
    for m, n, p in sizes:
        med, errs = bench_size(m, n, p, args.repeats)
        rows.append(((m, n, p), med, errs))
        print(f"\n(m, n, p) = ({m}, {n}, {p})")
        for (name, kind), t in med.items():
            what = "gradient" if kind == "G" else "loss    "
            extra = f"  (max rel. diff. to lecturekit {errs[name]:.1e})" if kind == "G" else ""
            print(f"  {name:10s} {what} {fmt_time(t)}{extra}")

    head = f"{'(m, n, p)':>18s} | {'lk/torch':>8s} | {'ad/lk':>6s} | {'ad/torch':>8s} |"
    head += f" {'grad/loss lk':>12s} | {'ad':>5s} | {'torch':>5s}"
    print("\nTime ratios (gradient; < 1 means the first is faster) and gradient/loss costs")
    print(head)
    print("-" * len(head))
    for size, med, _ in rows:
        lk = med["lecturekit", "G"]
        ta = med.get(("autodiff", "G"))
        tt = med.get(("torch", "G"))

        def r(a, b):
            return f"{a / b:.2f}" if a is not None and b is not None else "–"

        line = f"{str(size):>18s} | {r(lk, tt):>8s} | {r(ta, lk):>6s} | {r(ta, tt):>8s} |"
        line += f" {r(lk, med['lecturekit', 'L']):>12s}"
        line += f" | {r(ta, med.get(('autodiff', 'L'))):>5s}"
        line += f" | {r(tt, med.get(('torch', 'L'))):>5s}"
        print(line)
    peers = [k for k in ("jax", "autograd") if any((k, "G") in med for _, med, _ in rows)]
    if peers:
        print("\nGradient time of the optional peers relative to lecturekit (< 1: peer faster)")
        for size, med, _ in rows:
            lk = med["lecturekit", "G"]
            ratios = ", ".join(f"{k} {med[k, 'G'] / lk:.2f}" for k in peers)
            print(f"{str(size):>18s} | {ratios}")
    print("load average (1, 5, 15 min) at end:   {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
