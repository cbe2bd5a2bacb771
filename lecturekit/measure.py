"""Measure time and memory of the ways to compute the network's gradient.

Three ways to get ``∂ℓ/∂W̄ʰ`` for ``ℓ = ½‖y − d‖²``, in the order the book meets them:

* ``"kron"``: form ``D_W̄ʰ y = [wᵒᵀ ⊗ diag(g′)] · diag(f′(vec A)) · (I_p ⊗ X̄)`` literally
  (:func:`lecturekit.jacobians.dy_dWh` with ``method="kron"``), then ``D_y ℓ · D_W̄ʰ y``;
* ``"structured"``: form the same m × n̄p Jacobian without Kronecker or diagonal matrices,
  then multiply by ``D_y ℓ`` (forward order with the structure exploited);
* ``"reverse"``: the autodiff engine's reverse sweep (:mod:`lecturekit.autodiff`), which only
  ever multiplies row vectors by Jacobians.

Timings are wall-clock minima over a few repeats (the minimum is the least disturbed by other
work on the machine); memory is the peak of numpy allocations seen by :mod:`tracemalloc`
during one call, above what was allocated before it.
"""

from __future__ import annotations

import time
import tracemalloc
from typing import NamedTuple

import numpy as np

from . import autodiff
from .activations import tanh
from .jacobians import JacobianTooLarge, dy_dWh
from .network import forward, init_weights, with_ones
from .vectorise import closure, unvec

__all__ = [
    "time_call",
    "peak_memory",
    "gradient_Wh",
    "sweep_gradient",
    "SweepRow",
    "torch_loss_and_gradient",
    "compare_with_torch",
    "TorchRow",
    "TORCH_INSTALL",
    "gradient_passes",
    "profile_gradient",
]

#: How to install the optional PyTorch comparison.
TORCH_INSTALL = ".venv/bin/pip install -r requirements-torch.txt"

METHODS = ("kron", "structured", "reverse")


def time_call(fn, repeat=3, min_time=0.005):
    """Best wall-clock seconds per call of ``fn()``.

    Each of ``repeat`` samples calls ``fn`` often enough to last about ``min_time`` seconds,
    so that very fast calls are not lost in the timer's resolution.
    """
    t0 = time.perf_counter()
    fn()
    once = max(time.perf_counter() - t0, 1e-7)
    number = max(1, int(min_time / once))
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t0) / number)
    return best


def peak_memory(fn):
    """Peak bytes allocated while ``fn()`` runs, above the level when it started (tracemalloc).

    numpy reports its array buffers to :mod:`tracemalloc`, so this counts the arrays a method
    creates (intermediates included), not memory that existed before the call.
    """
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        fn()
        return max(0, tracemalloc.get_traced_memory()[1] - base)
    finally:
        if started:
            tracemalloc.stop()


def gradient_Wh(X, d, Wh, wo, method, f="tanh", g="identity", max_bytes=None):
    """``∂ℓ/∂W̄ʰ`` (shape of W̄ʰ) for ``ℓ = ½‖y − d‖²`` by one of the three methods.

    ``"kron"`` and ``"structured"`` implement ``unvec(D_y ℓ · D_W̄ʰ y)`` with
    ``D_y ℓ = (y − d)ᵀ``; ``"reverse"`` runs the autodiff engine. ``max_bytes`` limits the
    literal Kronecker formula (it raises :class:`~lecturekit.jacobians.JacobianTooLarge`).
    """
    if method == "reverse":
        return autodiff.loss_and_gradient(X, d, Wh, wo, f, g)[1]
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}; got {method!r}")
    y = forward(X, Wh, wo, f, g).y
    J = dy_dWh(X, Wh, wo, f, g, method=method, max_bytes=max_bytes)
    return unvec((y - np.asarray(d, dtype=float).reshape(-1)) @ J, np.shape(Wh))


class SweepRow(NamedTuple):
    """One measurement of :func:`sweep_gradient`; ``seconds``/``peak_bytes`` are NaN if refused."""

    method: str
    m: int
    seconds: float
    peak_bytes: float


def sweep_gradient(
    ms, n=2, p=8, methods=METHODS, repeat=3, kron_max_bytes=16 * 2**20, seed=0, min_time=0.02
):
    """Time and peak memory of each method as the number of observations m grows.

    Parameters
    ----------
    ms : iterable of int
        Numbers of observations.
    n, p : int
        Inputs and hidden units (fixed).
    methods : sequence of str
        Any of ``"kron"``, ``"structured"``, ``"reverse"``.
    repeat : int
        Timing samples per point (the minimum is kept).
    kron_max_bytes : int
        Memory budget of the literal Kronecker formula: beyond it the method is refused
        (recorded as NaN), as it would be in practice.
    seed : int
        Seed of the random data and weights.
    min_time : float
        Seconds each timing sample lasts at least (fast calls are repeated within a sample).

    Returns
    -------
    list of SweepRow
    """
    rows = []
    for m in ms:
        rng = np.random.default_rng(seed)
        X, d = rng.normal(size=(m, n)), rng.normal(size=m)
        Wh, wo = init_weights(n, p, seed=seed)
        for method in methods:

            def call(method=method, args=(X, d, Wh, wo)):
                return gradient_Wh(*args, method, max_bytes=kron_max_bytes)

            try:
                mem = peak_memory(call)
            except JacobianTooLarge:
                rows.append(SweepRow(method, int(m), np.nan, np.nan))
                continue
            seconds = time_call(call, repeat, min_time)
            rows.append(SweepRow(method, int(m), seconds, float(mem)))
    return rows


def _torch():
    try:
        import torch
    except ImportError as err:
        raise ImportError(f"PyTorch is not installed; install it with `{TORCH_INSTALL}`") from err
    return torch


def torch_loss_and_gradient(X, d, Wh, wo, f="tanh", g="identity"):
    """The same ``(ℓ, ∂ℓ/∂W̄ʰ, ∂ℓ/∂w̄ᵒ)`` by PyTorch autograd in float64.

    Builds ``ℓ = ½ Σ (g([1 f([1 X] W̄ʰ)] w̄ᵒ) − d)²`` from torch operations and calls
    ``backward()``. Raises ImportError (with the install command) when torch is absent.
    """
    torch = _torch()
    acts = {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu}
    acts["identity"] = lambda t: t
    for name, act in (("f", f), ("g", g)):
        if act not in acts:
            raise ValueError(f"{name} must be one of {sorted(acts)}; got {act!r}")
    X = torch.as_tensor(np.asarray(X, dtype=float).reshape(len(X), -1))
    ones = torch.ones(X.shape[0], 1, dtype=torch.float64)
    W = torch.tensor(np.asarray(Wh, dtype=float), requires_grad=True)
    w = torch.tensor(np.asarray(wo, dtype=float).reshape(-1), requires_grad=True)
    H = acts[f](torch.cat([ones, X], dim=1) @ W)
    y = acts[g](torch.cat([ones, H], dim=1) @ w)
    loss = 0.5 * ((y - torch.as_tensor(np.asarray(d, dtype=float).reshape(-1))) ** 2).sum()
    loss.backward()
    return loss.item(), W.grad.numpy(), w.grad.numpy()


class TorchRow(NamedTuple):
    """One size of :func:`compare_with_torch` (seconds per gradient; ratios engine/torch)."""

    m: int
    n: int
    p: int
    autodiff: float
    by_hand: float
    torch: float
    max_rel_diff: float


def compare_with_torch(sizes, repeat=3, threads=2, seed=0):
    """Time the gradient three ways at each (m, n, p): the engine, the hand-derived reverse
    order (``lecturekit.train.loss_and_gradient``) and PyTorch autograd (``threads`` threads).

    Also records the largest relative difference between the engine's and PyTorch's
    gradients. Raises ImportError (with the install command) when torch is absent.

    Returns
    -------
    list of TorchRow
    """
    from .train import loss_and_gradient as by_hand

    torch = _torch()
    old_threads = torch.get_num_threads()
    torch.set_num_threads(threads)
    rows = []
    try:
        for m, n, p in sizes:
            rng = np.random.default_rng(seed)
            X, d = rng.normal(size=(m, n)), rng.normal(size=m)
            Wh, wo = init_weights(n, p, seed=seed)
            ours = autodiff.loss_and_gradient(X, d, Wh, wo)
            theirs = torch_loss_and_gradient(X, d, Wh, wo)
            diff = max(
                float(np.max(np.abs(a - b)) / np.max(np.abs(b)))
                for a, b in zip(ours[1:], theirs[1:], strict=True)
            )
            args = (X, d, Wh, wo)
            t_ad = time_call(lambda a=args: autodiff.loss_and_gradient(*a), repeat)
            t_hand = time_call(lambda a=args: by_hand(*a), repeat)
            t_torch = time_call(lambda a=args: torch_loss_and_gradient(*a), repeat)
            rows.append(TorchRow(m, n, p, t_ad, t_hand, t_torch, diff))
    finally:
        torch.set_num_threads(old_threads)
    return rows


def gradient_passes(X, d, Wh, wo):
    """The passes of one loss gradient (tanh hidden layer, identity output, ``ℓ = ½‖y − d‖²``).

    The formulas of :func:`lecturekit.train.loss_and_gradient`, one callable per pass, each
    reading the arrays the passes before it made (computed once here):

    ``A = X̄ W̄ʰ``, ``H = tanh A``, ``z = [1 H] w̄ᵒ`` with ``δz = z − d``,
    ``∂ℓ/∂w̄ᵒ = H̄ᵀ δz``, ``δA = (δz wᵒᵀ) ⊙ (1 − H ⊙ H)``, ``∂ℓ/∂W̄ʰ = X̄ᵀ δA``,

    each evaluated as the package evaluates it, so that the profile times the code that runs:
    ``δA`` multiplied into the new array ``f′(A) = 1 − H ⊙ H`` in place (one m×p array), and
    ``X̄ᵀ δA`` as the transpose of ``δAᵀ X̄``.

    Returns
    -------
    dict of str to callable
        In the order of the formulas; each call returns its pass's result.
    """
    Xbar = closure(np.asarray(X, dtype=float))
    A = Xbar @ Wh
    H = np.tanh(A)
    Hbar = with_ones(H)
    dz = Hbar @ wo - d

    def delta_A():  # as loss_and_gradient: into the new array f′(A), in place
        dA = tanh.df_from(A, H)
        dA *= wo[1:]
        dA *= dz[:, None]
        return dA

    dA = delta_A()
    return {
        "A = X̄ W̄ʰ (product)": lambda: Xbar @ Wh,
        "H = tanh A": lambda: np.tanh(A),
        "δz = [1 H] w̄ᵒ − d": lambda: with_ones(H) @ wo - d,
        "H̄ᵀ δz": lambda: Hbar.T @ dz,
        "δA = (δz wᵒᵀ) ⊙ (1 − H ⊙ H)": delta_A,
        "X̄ᵀ δA (product)": lambda: (dA.T @ Xbar).T,
    }


def profile_gradient(m, n, p, repeats=None, seed=0):
    """Median seconds of each pass of :func:`gradient_passes` at size (m, n, p).

    The passes are timed in turn within each repetition (interleaved, so that load on the
    machine affects them alike); ``repeats`` defaults to enough for about a second in all.
    Data and weights are seeded normal draws.

    Returns
    -------
    dict of str to float
        Pass name to median seconds, in the order of the formulas.
    """
    rng = np.random.default_rng(seed)
    X, d = rng.normal(size=(m, n)), rng.normal(size=m)
    Wh, wo = init_weights(n, p, seed=seed + 1)
    fns = gradient_passes(X, d, Wh, wo)
    if repeats is None:
        repeats = max(5, min(200, int(3e7 / (m * p * (n + 10)))))
    times = {k: [] for k in fns}
    for _ in range(repeats):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t0)
    return {k: float(np.median(v)) for k, v in times.items()}
