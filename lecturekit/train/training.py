"""Training the network by gradient descent, mini-batch SGD, the heavy ball or Adam (chapter 5).

Gradient descent updates ``w̄ ← w̄ − η (D_w̄ J)ᵀ``: the derivative of a scalar is a row, and
the step needs its transpose, the column gradient (the lecture's update omits the transpose;
see the errata section labelled ``errata-gd-transpose`` in the book). The gradient comes from
:func:`lecturekit.train.gradient.loss_and_gradient`'s formulas, the steps from
:mod:`lecturekit.train.optimisers`.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass

import numpy as np

from .._validate import function, integer, real
from .gradient import _loss_and_grad, _Overflow, _overflow_error, _prepare
from .optimisers import make_optimiser


@dataclass
class TrainResult:
    """What :func:`fit` returns.

    Attributes
    ----------
    Wh, wo : ndarray
        Trained weights ``W̄ʰ`` (n̄×p) and ``w̄ᵒ`` (p̄).
    history : ndarray, shape (epochs + 1,)
        ``history[k]`` is the objective ``J`` (see :func:`fit`) on the whole training set after
        k epochs; ``history[0]`` is its value at the initial weights.
    times : ndarray, shape (epochs + 1,)
        Cumulative wall time in seconds after k epochs (``times[0] = 0``), excluding the
        evaluations recorded in ``history`` for mini-batch runs.
    steps : int
        Number of weight updates made (epochs × batches per epoch).
    epochs : int
        Epochs completed (fewer than requested if a callback stopped the run or it diverged).
    diverged : bool
        True if the objective, its gradient or the weights became non-finite (step size too
        large). The run then stops at that step and returns the weights at the start of the
        epoch of the step that caused it: the last ones whose objective on the whole training
        set was computed and finite. ``history``, ``times``, ``steps`` and ``epochs`` end
        there too, so ``history[-1]`` is the objective of the weights returned.
    """

    Wh: np.ndarray
    wo: np.ndarray
    history: np.ndarray
    times: np.ndarray
    steps: int
    epochs: int
    diverged: bool = False


#: How many times its starting value the objective may grow before :func:`fit` warns that the
#: run is diverging (a ratio, so the same whatever the units of d).
GROWTH_WARNING = 1e6

#: Seconds between two redraws of the progress bar: a notebook bar redrawn on every epoch
#: floods the browser (thousands of messages a second), and a person reads a few a second.
PROGRESS_INTERVAL = 0.5


def _progress_bar(epochs, initial=0):
    """A tqdm bar over the epochs that redraws at most once per :data:`PROGRESS_INTERVAL`."""
    from tqdm.auto import tqdm

    return tqdm(
        total=epochs,
        initial=initial,
        desc="epochs",
        unit="epoch",
        mininterval=PROGRESS_INTERVAL,
        maxinterval=max(PROGRESS_INTERVAL, 10.0),
    )


def _penalty(Wh, wo):
    # ‖w̄‖² over every weight, biases included (book/notation.md: one λ for the whole book).
    return float(np.sum(Wh**2) + wo @ wo)


def fit(
    X,
    d,
    Wh,
    wo,
    f="tanh",
    g="identity",
    loss="sse",
    lr=0.1,
    epochs=100,
    batch_size=None,
    optimizer="sgd",
    lam=0.0,
    seed=0,
    progress=False,
    callback=None,
    momentum=0.9,
    betas=(0.9, 0.999),
    eps=1e-8,
):
    """Train the network by gradient descent or mini-batch stochastic gradient descent.

    Minimises the book's Tikhonov-regularised objective per observation,

    ``J(w̄) = Φ_λ(w̄) / m = (ℓ(y(w̄); d) + ½λ‖w̄‖²) / m``,   ``‖w̄‖² = ‖W̄ʰ‖²_F + ‖w̄ᵒ‖²``,

    with λ = ``lam``, the one Tikhonov weight of the book (``book/notation.md``): every weight is
    penalised, biases included, so that for ``loss="sse"`` (ℓ = ½‖y − d‖²) ``Φ_λ`` is chapter 8's
    objective and has the same minimiser there. Dividing by m makes the learning rate
    independent of m and of the batch size: on a mini-batch B of b rows the step uses
    ``ℓ_B / b + (λ/2m)‖w̄‖²``, whose gradient is an unbiased estimate of ``(D_w̄ J)ᵀ``, and the
    penalty's part of it is ``(λ/m) w̄`` (the weights shrink by the factor 1 − ηλ/m per step).

    One epoch is one pass through the data. With ``batch_size=None`` (or m) every step uses
    all m rows in order: gradient descent, one step per epoch. Otherwise each epoch draws a
    fresh permutation of the rows from ``numpy.random.default_rng(seed)`` and steps through it
    in batches of ``batch_size`` (the last batch may be smaller).

    The step, with ``G = (D_w̄ J)ᵀ`` the column gradient (see ``errata-gd-transpose`` in the book
    for why the transpose is needed) and η = ``lr``:

    * ``"sgd"``: ``w̄ ← w̄ − η G``.
    * ``"momentum"`` (heavy ball): ``v ← β v + G``, ``w̄ ← w̄ − η v``, β = ``momentum``.
    * ``"adam"``: ``m₁ ← β₁ m₁ + (1 − β₁) G``, ``m₂ ← β₂ m₂ + (1 − β₂) G ⊙ G``,
      ``w̄ ← w̄ − η m̂₁ / (√m̂₂ + ε)`` with the bias corrections ``m̂ᵢ = mᵢ / (1 − βᵢᵗ)``. The
      penalty enters through G (L2-regularised Adam, not the decoupled AdamW).

    Parameters
    ----------
    X, d, Wh, wo, f, g, loss
        As in :func:`loss_and_gradient`; ``Wh`` and ``wo`` are the initial weights (not
        modified).
    lr : float
        Learning rate η > 0.
    epochs : int
        Number of passes through the data.
    batch_size : int, optional
        Rows per step, 1 ≤ batch_size ≤ m; None means full batch (gradient descent).
    optimizer : {"sgd", "momentum", "adam"}
    lam : float
        Tikhonov weight λ ≥ 0 (weight decay), on every weight and bias.
    seed : int
        Seed of the shuffling; the same seed reproduces the run exactly.
    progress : bool or "auto"
        Show a tqdm progress bar over epochs. ``"auto"`` shows it only when the first epoch
        suggests the run will take more than about five seconds. Off by default.
    callback : callable, optional
        ``callback(epoch, Wh, wo, J)`` after every epoch, with the current weights (do not
        modify them in place) and objective; returning True stops training.
    momentum : float
        β for ``"momentum"``, 0 ≤ β < 1.
    betas : (float, float)
        β₁, β₂ for ``"adam"``.
    eps : float
        ε for ``"adam"``.

    Returns
    -------
    TrainResult
    """
    Xbar, d, Wh, wo, f, g, lossf = _prepare(X, d, Wh, wo, f, g, loss)
    m = Xbar.shape[0]
    if m == 0:
        raise ValueError("fit needs at least one observation; X has m = 0 rows")
    epochs = integer(epochs, "epochs", minimum=1)
    lam = real(lam, "lam (the Tikhonov weight λ)", minimum=0.0)
    if batch_size is None:
        batch_size = m
    batch_size = integer(batch_size, "batch_size", minimum=1)
    if batch_size > m:
        raise ValueError(
            f"batch_size must be at most m = {m} (the rows of X); got {batch_size}. "
            "Use batch_size=None for full-batch gradient descent."
        )
    opt = make_optimiser(optimizer, lr, momentum, betas, eps)
    if not (progress is True or progress is False or progress == "auto"):
        raise ValueError(f'progress must be True, False or "auto"; got {progress!r}')
    function(callback, "callback", "callback(epoch, Wh, wo, J)", optional=True)

    params = [Wh.copy(), wo.copy()]
    rng = np.random.default_rng(seed)
    full = batch_size == m
    # Full batch: each step evaluates J at the previous epoch's weights anyway, so without a
    # callback only the final epoch needs a separate evaluation.
    reuse = full and callback is None

    def objective_and_grad(rows, need_grad=True):
        Xb = Xbar if rows is None else Xbar[rows]
        db = d if rows is None else d[rows]
        value, dWh, dwo = _loss_and_grad(Xb, db, *params, f, g, lossf, need_grad)
        b = Xb.shape[0]
        J = value / b + (0.5 * lam / m * _penalty(*params) if lam else 0.0)
        if not need_grad:
            return J, None
        grads = [dWh / b, dwo / b]
        if lam:
            grads = [G + (lam / m) * q for G, q in zip(grads, params, strict=True)]
        return J, grads

    def evaluate():
        try:
            return objective_and_grad(None, need_grad=False)[0]
        except _Overflow:
            return np.inf

    def finite(*arrays):
        return all(np.all(np.isfinite(a)) for a in arrays)

    with np.errstate(over="ignore", invalid="ignore"):
        history = [evaluate()]
    if not np.isfinite(history[0]):
        raise _overflow_error()
    times = [0.0]
    steps = 0
    # Divergence: the first step at which the objective, its gradient or the weights are not
    # finite. `cause` is (update that produced the bad weights, its epoch, what went wrong).
    cause = None
    last_update_epoch = 0
    # The weights, step count and history length at the start of this epoch and the one
    # before: the update that caused a divergence may be the last one of the previous epoch.
    starts = [None, ([q.copy() for q in params], 0)]
    elapsed = 0.0
    growth_warned = False

    def watch_growth(epoch, J):
        # Warn once, at the first epoch whose objective is GROWTH_WARNING times the start.
        nonlocal growth_warned
        if not growth_warned and history[0] > 0 and J > GROWTH_WARNING * history[0]:
            growth_warned = True
            warnings.warn(
                f"training is diverging: the objective grew from J = {history[0]:.4g} to "
                f"{J:.4g} by epoch {epoch} (more than {GROWTH_WARNING:g} times its start); "
                f"lower the learning rate (lr = {lr:g})",
                RuntimeWarning,
                stacklevel=3,
            )

    bar = _progress_bar(epochs) if progress is True else None
    for epoch in range(1, epochs + 1):
        t0 = time.perf_counter()
        order = None if full else rng.permutation(m)
        if epoch > 1:
            starts = [starts[1], ([q.copy() for q in params], steps)]
        with np.errstate(over="ignore", invalid="ignore"):
            for start in range(0, m, batch_size):
                rows = None if full else order[start : start + batch_size]
                try:
                    J, grads = objective_and_grad(rows)
                except _Overflow:
                    J, grads = np.inf, None
                if not np.isfinite(J) or not finite(*grads):
                    what = "objective" if not np.isfinite(J) else "gradient"
                    cause = (steps, last_update_epoch, what)
                    break
                if reuse and epoch > 1:
                    history[-1] = J  # this step's evaluation is the previous epoch's value
                    watch_growth(epoch - 1, J)
                opt.step(params, grads)
                steps += 1
                last_update_epoch = epoch
                if not finite(*params):
                    cause = (steps, epoch, "weights")
                    break
            if cause is None and (not reuse or epoch == epochs):
                J_epoch = evaluate()
                if not np.isfinite(J_epoch):
                    cause = (steps, epoch, "objective")
            else:
                J_epoch = np.nan
        elapsed += time.perf_counter() - t0
        if cause is not None:
            break
        history.append(J_epoch)
        times.append(elapsed)
        if np.isfinite(J_epoch):
            watch_growth(epoch, J_epoch)
        if bar is None and progress == "auto" and epoch == 1 and elapsed * epochs > 5.0:
            bar = _progress_bar(epochs, initial=1)
        elif bar is not None:
            if np.isfinite(J_epoch):  # shown at the bar's next redraw, not redrawn now
                bar.set_postfix(J=f"{J_epoch:.4g}", refresh=False)
            bar.update(1)
        if callback is not None and callback(epoch, params[0], params[1], J_epoch):
            break
    if bar is not None:
        bar.close()
    if cause is not None:
        step, bad_epoch, what = cause
        if bad_epoch == 0:  # the initial weights: J was finite, its gradient is not
            raise ValueError(
                "the gradient of the objective at the initial weights is not finite: the "
                "weights are too large for float64"
            )
        # Back to the start of the epoch of the bad update (weights after bad_epoch − 1).
        kept = bad_epoch - 1
        (params, steps) = starts[1] if kept == epoch - 1 else starts[0]
        history, times = history[: kept + 1], times[: kept + 1]
        if reuse and np.isnan(history[-1]):
            with np.errstate(over="ignore", invalid="ignore"):
                history[-1] = evaluate()
        warnings.warn(
            f"training diverged at step {step} (epoch {bad_epoch}): after that update the "
            f"{what} {'are' if what == 'weights' else 'is'} not finite. Returning the weights "
            f"after epoch {kept} (J = {history[-1]:.4g}), the last with a finite objective; "
            f"lower the learning rate (lr = {lr:g})",
            RuntimeWarning,
            stacklevel=2,
        )
    elif np.isnan(history[-1]):
        with np.errstate(over="ignore", invalid="ignore"):
            history[-1] = evaluate()  # a reused-evaluation slot the run did not reach
    return TrainResult(
        Wh=params[0],
        wo=params[1],
        history=np.asarray(history, dtype=float),
        times=np.asarray(times),
        steps=steps,
        epochs=len(history) - 1,
        diverged=cause is not None,
    )
