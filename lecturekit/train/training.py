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
from .loop import descend
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
    epochs, lam, batch_size = _check_sizes(Xbar.shape[0], epochs, lam, batch_size)
    opt = make_optimiser(optimizer, lr, momentum, betas, eps)
    if not (progress is True or progress is False or progress == "auto"):
        raise ValueError(f'progress must be True, False or "auto"; got {progress!r}')
    function(callback, "callback", "callback(epoch, Wh, wo, J)", optional=True)

    run = _Run(_objective(Xbar, d, f, g, lossf, lam), [Wh.copy(), wo.copy()], lr)
    m, rng = Xbar.shape[0], np.random.default_rng(seed)
    # Full batch: each step evaluates J at the previous epoch's weights anyway, so without a
    # callback only the final epoch needs a separate evaluation.
    reuse = batch_size == m and callback is None
    bar = _progress_bar(epochs) if progress is True else None
    for epoch in range(1, epochs + 1):
        batches = _batches(rng, m, batch_size)
        cause, J_epoch = run.epoch(
            epoch, opt, batches, reuse, evaluate=not reuse or epoch == epochs
        )
        run.warn_growth()
        if cause is not None:
            break
        run.record(J_epoch)
        run.warn_growth()
        bar = _show_progress(bar, progress, epoch, epochs, run.elapsed, J_epoch)
        if callback is not None and callback(epoch, run.params[0], run.params[1], J_epoch):
            break
    if bar is not None:
        bar.close()
    if cause is not None:
        run.roll_back(cause, epoch, reuse)
    elif np.isnan(run.history[-1]):
        run.history[-1] = run.evaluate()  # a reused-evaluation slot the run did not reach
    return run.result(diverged=cause is not None)


def _check_sizes(m, epochs, lam, batch_size):
    """``epochs``, λ and the batch size, checked (None means the full batch, m)."""
    if m == 0:
        raise ValueError("fit needs at least one observation; X has m = 0 rows")
    epochs = integer(epochs, "epochs", minimum=1)
    lam = real(lam, "lam (the Tikhonov weight λ)", minimum=0.0)
    batch_size = integer(m if batch_size is None else batch_size, "batch_size", minimum=1)
    if batch_size > m:
        raise ValueError(
            f"batch_size must be at most m = {m} (the rows of X); got {batch_size}. "
            "Use batch_size=None for full-batch gradient descent."
        )
    return epochs, lam, batch_size


def _batches(rng, m, batch_size):
    """One epoch's batches of rows: [None] (all m rows, in order) or a fresh permutation's."""
    if batch_size == m:
        return [None]
    order = rng.permutation(m)
    return [order[start : start + batch_size] for start in range(0, m, batch_size)]


def _objective(Xbar, d, f, g, lossf, lam):
    """``(params, rows, need_grad) ↦ (J_B, G)``: ``ℓ_B / b + (λ/2m)‖w̄‖²`` and its gradient.

    The value is inf (and G None) when the forward pass overflows.
    """
    m = Xbar.shape[0]

    def objective(params, rows, need_grad=True):
        Xb = Xbar if rows is None else Xbar[rows]
        db = d if rows is None else d[rows]
        try:
            value, dWh, dwo = _loss_and_grad(Xb, db, *params, f, g, lossf, need_grad)
        except _Overflow:
            return np.inf, None
        b = Xb.shape[0]
        J = value / b + (0.5 * lam / m * _penalty(*params) if lam else 0.0)
        if not need_grad:
            return J, None
        grads = [dWh / b, dwo / b]
        if lam:
            grads = [G + (lam / m) * q for G, q in zip(grads, params, strict=True)]
        return J, grads

    return objective


def _show_progress(bar, progress, epoch, epochs, elapsed, J):
    """Advance the bar (or open it, for ``"auto"``, when epoch 1 took long enough)."""
    if bar is None and progress == "auto" and epoch == 1 and elapsed * epochs > 5.0:
        return _progress_bar(epochs, initial=1)
    if bar is not None:
        if np.isfinite(J):  # shown at the bar's next redraw, not redrawn now
            bar.set_postfix(J=f"{J:.4g}", refresh=False)
        bar.update(1)
    return bar


class _Run:
    """The state of one :func:`fit`: weights, step count, history, times, and the weights at
    the start of this epoch and the one before (the update that caused a divergence may be the
    last one of the previous epoch, and the run returns to the start of that update's epoch).
    """

    def __init__(self, objective, params, lr):
        self.objective, self.params, self.lr = objective, params, lr
        self.history = [self.evaluate()]
        if not np.isfinite(self.history[0]):
            raise _overflow_error()
        self.times, self.steps, self.elapsed = [0.0], 0, 0.0
        self.starts = [None, ([q.copy() for q in params], 0)]
        self.growth = None  # the growth warning, once due; "warned" once shown

    def evaluate(self):
        """J on the whole training set at the current weights (inf on overflow)."""
        with np.errstate(over="ignore", invalid="ignore"):
            return self.objective(self.params, None, need_grad=False)[0]

    def epoch(self, epoch, opt, batches, reuse, evaluate):
        """One pass over ``batches``; returns (cause of a divergence or None, J after it).

        ``cause`` is (update that produced the bad values, its epoch, what was not finite).
        With ``reuse`` the first step's J is the previous epoch's value, and J after this
        epoch is NaN unless ``evaluate``: the next epoch's first step fills it in.
        """
        t0 = time.perf_counter()
        if epoch > 1:
            self.starts = [self.starts[1], ([q.copy() for q in self.params], self.steps)]
        before_step = (lambda J: self._previous_epoch_is(epoch - 1, J)) if reuse else None
        with np.errstate(over="ignore", invalid="ignore"):
            made, what = descend(
                self.params,
                opt,
                lambda rows: self.objective(self.params, rows),
                batches,
                before_step,
            )
            self.steps += made
            cause, J = None, np.nan
            if what is not None:  # no update made this epoch: the bad one was the last epoch's
                cause = (self.steps, epoch if made else epoch - 1, what)
            elif evaluate:
                J = self.evaluate()
                if not np.isfinite(J):
                    cause = (self.steps, epoch, "objective")
        self.elapsed += time.perf_counter() - t0
        return cause, J

    def _previous_epoch_is(self, epoch, J):
        if epoch > 0:
            self.history[-1] = J
            self._watch_growth(epoch, J)

    def record(self, J):
        """Append the epoch's J and time (J may be the NaN of a reused evaluation)."""
        self.history.append(J)
        self.times.append(self.elapsed)
        if np.isfinite(J):
            self._watch_growth(len(self.history) - 1, J)

    def _watch_growth(self, epoch, J):
        # Due once, at the first epoch whose objective is GROWTH_WARNING times the start.
        J0 = self.history[0]
        if self.growth is None and J0 > 0 and J > GROWTH_WARNING * J0:
            self.growth = (
                f"training is diverging: the objective grew from J = {J0:.4g} to "
                f"{J:.4g} by epoch {epoch} (more than {GROWTH_WARNING:g} times its start); "
                f"lower the learning rate (lr = {self.lr:g})"
            )

    def warn_growth(self):
        """Show the growth warning if it has become due (once), at the caller of fit."""
        if self.growth not in (None, "warned"):
            warnings.warn(self.growth, RuntimeWarning, stacklevel=3)
            self.growth = "warned"

    def roll_back(self, cause, epoch, reuse):
        """Return to the start of the epoch of the bad update, and warn where it happened."""
        step, bad_epoch, what = cause
        if bad_epoch == 0:  # the initial weights: J was finite, its gradient is not
            raise ValueError(
                "the gradient of the objective at the initial weights is not finite: the "
                "weights are too large for float64"
            )
        kept = bad_epoch - 1
        self.params, self.steps = self.starts[1] if kept == epoch - 1 else self.starts[0]
        self.history, self.times = self.history[: kept + 1], self.times[: kept + 1]
        if reuse and np.isnan(self.history[-1]):
            self.history[-1] = self.evaluate()
        warnings.warn(
            f"training diverged at step {step} (epoch {bad_epoch}): after that update the "
            f"{what} {'are' if what == 'weights' else 'is'} not finite. Returning the weights "
            f"after epoch {kept} (J = {self.history[-1]:.4g}), the last with a finite "
            f"objective; lower the learning rate (lr = {self.lr:g})",
            RuntimeWarning,
            stacklevel=3,
        )

    def result(self, diverged):
        return TrainResult(
            Wh=self.params[0],
            wo=self.params[1],
            history=np.asarray(self.history, dtype=float),
            times=np.asarray(self.times),
            steps=self.steps,
            epochs=len(self.history) - 1,
            diverged=diverged,
        )
