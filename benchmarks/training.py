"""Benchmark: how many iterations and how much wall time GD, Adam and LM need for the same loss.

Problem: the noisy sine ``lecturekit.data.make_sine(m, σ)`` fitted by the one-hidden-layer
network ``y = [1 tanh(X̄ W̄ʰ)] w̄ᵒ`` with p hidden units, all methods starting from the same
``init_weights(1, p, seed)``, no regularisation. The training loss is ``ℓ = ½‖y − d‖²``; the
targets are multiples of the noise level ``½σ²m`` (the value ``ℓ`` takes at the true curve on
average; the discrepancy principle stops there), 1.5×, 1.1× and 1× by default.

Methods:

* gradient descent: ``lecturekit.train.fit`` full batch, ``optimizer="sgd"``;
* Adam-style SGD: ``lecturekit.train.fit`` with mini-batches and ``optimizer="adam"``;
* Levenberg–Marquardt: ``lecturekit.inverse.fit_levenberg_marquardt``.

Every method runs until the tightest target is reached or its budget is used up; the first
iteration at which each target is met is read off its loss history. "Iterations" are epochs
for GD (one step each), epochs and weight updates for Adam, and trial steps for LM (each one
linear solve; rejected ones included). Wall time is the median over ``--repeat`` interleaved
runs (the machine is shared, so single timings are noisy); train.fit's clock excludes its
per-epoch loss evaluations, LM's includes the residual evaluations it needs anyway.

Run: ``python benchmarks/training.py`` (one to three minutes; ``--quick``: smaller GD budget,
``--sweep`` to also try other learning rates). The coverage simulation of the confidence band is
``python benchmarks/coverage.py``.
"""

from __future__ import annotations

import argparse
import platform
import statistics

import numpy as np

from lecturekit import data, inverse, network, train


def run_gd(X, d, Wh, wo, target, lr, epochs, batch_size=None, optimizer="sgd"):
    """Loss history ``ℓ_k = ½‖y − d‖²`` per epoch (train.fit reports ℓ/m), times, updates."""
    m = X.shape[0]
    res = train.fit(
        X,
        d,
        Wh,
        wo,
        lr=lr,
        epochs=epochs,
        batch_size=batch_size,
        optimizer=optimizer,
        callback=lambda epoch, Wh_, wo_, J: m * J <= target,
    )
    per_epoch = res.steps / max(res.epochs, 1)
    return m * res.history, res.times, per_epoch * np.arange(res.history.size)


def run_lm(X, d, Wh, wo, target, max_iter):
    """Loss history per trial step, times, and Jacobian evaluations so far."""
    res = inverse.fit_levenberg_marquardt(X, d, Wh, wo, target_loss=target, max_iter=max_iter)
    accepted = np.concatenate([[0], np.cumsum(np.diff(res.history) < 0)])
    return res.history, res.times, 1 + accepted


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--m", type=int, default=40, help="data points")
    ap.add_argument("--noise", type=float, default=0.1, help="noise standard deviation σ")
    ap.add_argument("--p", type=int, default=5, help="hidden units")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--targets",
        type=float,
        nargs="+",
        default=[1.5, 1.1, 1.0],
        help="targets as multiples of the noise level ½σ²m",
    )
    ap.add_argument("--gd-lr", type=float, default=0.1)
    ap.add_argument("--gd-epochs", type=int, default=100_000)
    ap.add_argument("--adam-lr", type=float, default=0.03)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--adam-epochs", type=int, default=20_000)
    ap.add_argument("--lm-iter", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="GD budget 20 000 epochs, 1 repeat")
    ap.add_argument("--sweep", action="store_true", help="also report other learning rates")
    args = ap.parse_args(argv)
    if args.quick:
        args.gd_epochs, args.repeat = min(args.gd_epochs, 20_000), 1

    X, d = data.make_sine(args.m, args.noise, seed=args.seed)
    Wh, wo = network.init_weights(1, args.p, seed=args.seed + 1)
    level = 0.5 * args.noise**2 * args.m
    targets = sorted((t * level for t in args.targets), reverse=True)
    tight = targets[-1]
    print(
        f"noisy sine: m = {args.m}, σ = {args.noise}, p = {args.p} hidden (tanh), "
        f"P = {3 * args.p + 1} weights; noise level ½σ²m = {level:.4g}"
    )
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"{platform.machine()}; wall times are medians of {args.repeat} interleaved runs\n"
    )

    methods = {
        f"GD (lr {args.gd_lr:g})": lambda: run_gd(X, d, Wh, wo, tight, args.gd_lr, args.gd_epochs),
        f"Adam (lr {args.adam_lr:g}, batch {args.batch_size})": lambda: run_gd(
            X, d, Wh, wo, tight, args.adam_lr, args.adam_epochs, args.batch_size, "adam"
        ),
        "Levenberg–Marquardt": lambda: run_lm(X, d, Wh, wo, tight, args.lm_iter),
    }
    if args.sweep:
        for lr in (0.03, 0.3):
            methods[f"GD (lr {lr:g})"] = lambda lr=lr: run_gd(
                X, d, Wh, wo, tight, lr, args.gd_epochs
            )
        for lr in (0.01, 0.1):
            methods[f"Adam (lr {lr:g}, batch {args.batch_size})"] = lambda lr=lr: run_gd(
                X, d, Wh, wo, tight, lr, args.adam_epochs, args.batch_size, "adam"
            )

    reach = {name: {t: [] for t in targets} for name in methods}
    iters, counts, final, used = {}, {}, {}, {}
    for _ in range(args.repeat):
        for name, run in methods.items():  # interleaved: load hits every method alike
            history, times, count = run()
            final[name], used[name] = history[-1], times[-1]
            for t in targets:
                k, sec = inverse.first_reach(history, times, t)
                reach[name][t].append(sec)
                if iters.setdefault((name, t), k) != k:
                    raise RuntimeError(f"{name} is not deterministic: {k} vs {iters[name, t]}")
                counts[name, t] = None if k is None else int(round(count[k]))

    lm = "Levenberg–Marquardt"
    for t in targets:
        print(f"target ℓ ≤ {t:.4g} ({t / level:g} × noise level)")
        print(
            f"  {'method':32s} {'updates':>9s} {'(epochs or Jacobians)':>22s} {'time [s]':>9s} "
            f"{'update ratio':>13s} {'time ratio':>11s}"
        )
        k_lm = iters[lm, t]
        s_lm = statistics.median(reach[lm][t]) if k_lm is not None else None
        for name in methods:
            k = iters[name, t]
            if name == lm:
                n_upd, other = k, f"{counts[name, t]} Jacobians" if k is not None else ""
            elif name.startswith("Adam"):
                n_upd, other = counts[name, t], f"{k} epochs" if k is not None else ""
            else:
                n_upd, other = k, f"{k} epochs" if k is not None else ""
            if k is None:
                print(
                    f"  {name:32s} not reached (final ℓ = {final[name]:.4g} after "
                    f"{used[name]:.2f} s)"
                    + (f": > {used[name] / s_lm:.0f}× LM's time" if s_lm else "")
                )
                continue
            sec = statistics.median(reach[name][t])
            ratio_k = f"{n_upd / k_lm:.0f}×" if k_lm else "—"
            ratio_s = f"{sec / s_lm:.0f}×" if s_lm else "—"
            print(f"  {name:32s} {n_upd:9d} {other:>22s} {sec:9.4f} {ratio_k:>13s} {ratio_s:>11s}")
        print()
    print(
        "Updates: GD steps (one per epoch), Adam mini-batch steps, LM trial steps (one linear "
        "solve each, rejected ones included). Ratios are relative to Levenberg–Marquardt."
    )


if __name__ == "__main__":
    main()
