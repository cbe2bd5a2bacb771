"""The loss gradient of the one-hidden-layer network, and gradient-descent training.

With ``A = X̄ W̄ʰ``, ``H = f(A)``, ``H̄ = [1 H]``, ``z = H̄ w̄ᵒ``, ``y = g(z)`` and a loss
``ℓ(y; d)``, the chain rule gives the derivative of the loss with respect to all the weights
``w̄ = [vec W̄ʰ; w̄ᵒ]`` as a row (numerator layout)::

    D_w̄ ℓ = D_y ℓ · D_w̄ y,        D_w̄ y = [D_W̄ʰ y   D_w̄ᵒ y]

:func:`loss_and_gradient_explicit` forms exactly this product with the chapter-4 Jacobians.
:func:`loss_and_gradient` evaluates the same chain from the loss end (reverse order), so every
product is a row vector times a matrix and no Jacobian is ever formed:

* ``δz = D_z ℓ = D_y ℓ ⊙ g′(z)``                              (length m)
* ``D_w̄ᵒ ℓ = δzᵀ H̄``, i.e. ``∂ℓ/∂w̄ᵒ = H̄ᵀ δz``               (length p̄)
* ``δA = (δz wᵒᵀ) ⊙ f′(A)``                                   (m×p, ``∂ℓ/∂A``)
* ``∂ℓ/∂W̄ʰ = X̄ᵀ δA``                                         (n̄×p)

``wᵒ`` is ``w̄ᵒ`` without its bias entry. The cost is two matrix products of the forward pass's
size plus a few element-wise passes; the explicit product needs the m×(n̄p + p̄) Jacobian.

Gradient descent then updates ``w̄ ← w̄ − η (D_w̄ ℓ)ᵀ``: the derivative of a scalar is a row, and
the step needs its transpose, the column gradient (the lecture's update omits the transpose;
see the errata section labelled ``errata-gd-transpose`` in the book).
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ._validate import data_vector, integer, real
from .activations import get_activation, identity
from .losses import get_loss
from .network import check_shapes, forward, propagate
from .optimisers import make_optimiser
from .vectorise import unvec

# ---------------------------------------------------------------------------------------------
# Validation shared by every public entry point.


def _prepare(X, d, Wh, wo, f, g, loss):
    Xbar, Wh, wo = check_shapes(X, Wh, wo)
    m = Xbar.shape[0]
    d = data_vector(d, m)
    f, g, loss = get_activation(f), get_activation(g), get_loss(loss)
    if loss.on == "z" and g.name != "sigmoid":
        raise ValueError(
            f'loss="{loss.name}" models y = σ(z) as a probability and is computed from the '
            f'logits z, so it needs the logistic output g="sigmoid"; got g="{g.name}"'
        )
    if loss.on == "z":
        loss.value(np.zeros(m), d)  # refuses labels outside [0, 1] before any work
    return Xbar, d, Wh, wo, f, g, loss


class _Overflow(FloatingPointError):
    """The output pre-activation z overflowed (weights too large)."""


# ---------------------------------------------------------------------------------------------
# The core, on validated float64 arrays.


def _loss_and_grad(Xbar, d, Wh, wo, f, g, loss, need_grad=True):
    """The four formulas of :func:`loss_and_gradient`, on validated float64 arrays."""
    # Forward: A = X̄ W̄ʰ, H = f(A), H̄ = [1 H], z = H̄ w̄ᵒ (the network core).
    (A, z), (H, _), (Hbar,) = propagate(Xbar, [Wh, wo], [f, identity])
    if not np.all(np.isfinite(z)):
        raise _Overflow("z = H̄ w̄ᵒ overflowed")
    if loss.on == "z":  # the Bernoulli loss starts at the logits: δz = σ(z) − d
        value, dz = loss.evaluate(z, d)
    else:  # δz = D_y ℓ ⊙ g′(z)
        value, dy = loss.evaluate(g.f(z), d)
        dz = dy * g.df(z)
    if not need_grad:
        return value, None, None
    # Backward, from the loss end: every product is a row times a matrix.
    dwo = dz @ Hbar  # D_w̄ᵒ ℓ = δzᵀ H̄, i.e. ∂ℓ/∂w̄ᵒ = H̄ᵀ δz
    dA = np.outer(dz, wo[1:]) * f.df_from(A, H)  # δA = (δz wᵒᵀ) ⊙ f′(A), f′ from H
    # ∂ℓ/∂W̄ʰ = X̄ᵀ δA, evaluated as its transpose (δAᵀ X̄)ᵀ: OpenBLAS forms the long-and-thin
    # product many times faster with the m-row factor on the right (same numbers to rounding).
    dWh = (dA.T @ Xbar).T
    return value, dWh, dwo


def _overflow_error():
    return ValueError(
        "the output pre-activation z = H̄ w̄ᵒ overflowed to infinity: the weights are too large "
        "for float64"
    )


def loss_and_gradient(X, d, Wh, wo, f="tanh", g="identity", loss="sse"):
    """Loss and its gradient with respect to both weight arrays, by reverse-order evaluation.

    Implements ``δz = D_y ℓ ⊙ g′(z)``, ``∂ℓ/∂w̄ᵒ = H̄ᵀ δz``, ``δA = (δz wᵒᵀ) ⊙ f′(A)``,
    ``∂ℓ/∂W̄ʰ = X̄ᵀ δA``: the chain ``D_y ℓ · D_w̄ y`` multiplied from the loss end, each step a
    row times a matrix (a vector–Jacobian product). No Jacobian is formed. For
    ``loss="bernoulli"`` the chain starts at the logits, ``δz = σ(z) − d``.

    Parameters
    ----------
    X : array_like, shape (m, n)
        Features without the ones column.
    d : array_like, shape (m,)
        Data (targets, or labels in {0, 1} for ``loss="bernoulli"``).
    Wh : array_like, shape (n̄, p)
        Hidden weights ``W̄ʰ``, bias row first.
    wo : array_like, shape (p̄,)
        Output weights ``w̄ᵒ``, bias first.
    f, g : str or Activation
        Hidden and output activations.
    loss : {"sse", "bernoulli"} or Loss
        ``"sse"``: ``ℓ = ½‖y − d‖²``. ``"bernoulli"``: negative log-likelihood of labels under
        ``y = σ(z)``, from the logits (needs ``g="sigmoid"``).

    Returns
    -------
    loss : float
        ``ℓ``, summed over the m observations.
    dWh : ndarray, shape (n̄, p)
        ``∂ℓ/∂W̄ʰ = vec⁻¹((D_W̄ʰ ℓ)ᵀ)``, in the shape of ``W̄ʰ``.
    dwo : ndarray, shape (p̄,)
        ``∂ℓ/∂w̄ᵒ = (D_w̄ᵒ ℓ)ᵀ``.
    """
    args = _prepare(X, d, Wh, wo, f, g, loss)
    try:
        return _loss_and_grad(*args)
    except _Overflow:
        raise _overflow_error() from None


def loss_value(X, d, Wh, wo, f="tanh", g="identity", loss="sse"):
    """The loss ``ℓ(y(w̄); d)`` alone: one forward pass, no gradient.

    Parameters are as in :func:`loss_and_gradient`.

    Returns
    -------
    float
    """
    args = _prepare(X, d, Wh, wo, f, g, loss)
    try:
        return _loss_and_grad(*args, need_grad=False)[0]
    except _Overflow:
        raise _overflow_error() from None


def loss_and_gradient_explicit(
    X, d, Wh, wo, f="tanh", g="identity", loss="sse", method="structured"
):
    """The same loss and gradient, by forming ``D_w̄ ℓ = D_y ℓ · D_w̄ y`` literally.

    Builds the Jacobians ``D_W̄ʰ y`` (m×n̄p) and ``D_w̄ᵒ y`` (m×p̄) with
    :mod:`lecturekit.jacobians`, multiplies the row ``D_y ℓ`` into them, and un-vecs the
    ``D_W̄ʰ ℓ`` part (column-major) into the shape of ``W̄ʰ``. For ``loss="bernoulli"`` the
    chain is taken through the logits, ``D_w̄ ℓ = D_z ℓ · D_w̄ z`` with ``D_z ℓ = (σ(z) − d)ᵀ``
    and the Jacobians of ``z`` (the output with ``g`` = identity): the same product, since
    ``D_y ℓ · diag(σ′(z)) = D_z ℓ``, without dividing by ``y(1 − y)``.

    For teaching: it needs O(m·n̄p) memory (``method="structured"``) or O(m²p²)
    (``method="kron"``, the lecture's literal Kronecker formula). It agrees with
    :func:`loss_and_gradient` to rounding.

    Parameters
    ----------
    X, d, Wh, wo, f, g, loss
        As in :func:`loss_and_gradient`.
    method : {"structured", "kron"}
        Passed to :func:`lecturekit.jacobians.dy_dWh`.

    Returns
    -------
    loss, dWh, dwo
        As in :func:`loss_and_gradient`.
    """
    from . import jacobians

    Xbar, d, Wh, wo, f, g, lossf = _prepare(X, d, Wh, wo, f, g, loss)
    X = Xbar[:, 1:]
    nbar, p = Wh.shape
    g_out = get_activation("identity") if lossf.on == "z" else g
    fw = forward(X, Wh, wo, f, g_out)
    u = fw.y  # y, or z when the loss is written in the logits
    row = lossf.derivative(u, d)  # D_y ℓ (or D_z ℓ), a 1×m row
    J = np.hstack(
        [
            jacobians.dy_dWh(X, Wh, wo, f, g_out, method=method),
            jacobians.dy_dwo(X, Wh, wo, f, g_out),
        ]
    )  # D_w̄ y, m × (n̄p + p̄)
    grad = row @ J  # D_w̄ ℓ, a row of length n̄p + p̄
    return lossf.value(u, d), unvec(grad[: nbar * p], (nbar, p)), grad[nbar * p :]


class GradientVerification(NamedTuple):
    """Result of :func:`verify_gradient_symbolic`."""

    dWh_difference: object  # sympy Matrix, n̄×p: entry-by-entry ∂ℓ/∂W̄ʰ minus X̄ᵀ δA
    dwo_difference: object  # sympy Matrix, p̄×1: entry-by-entry ∂ℓ/∂w̄ᵒ minus H̄ᵀ δz
    holds: bool


def verify_gradient_symbolic(m=2, n=1, p=2, f=None, g=None, loss="sse"):
    """Prove the reverse-order gradient formulas at one small size with sympy.

    Builds ``ℓ`` from symbols (``X``, ``d``, ``W̄ʰ``, ``w̄ᵒ``), differentiates it with respect to
    every weight, and subtracts the formulas ``∂ℓ/∂w̄ᵒ = H̄ᵀ δz`` and ``∂ℓ/∂W̄ʰ = X̄ᵀ δA`` with
    ``δA = (δz wᵒᵀ) ⊙ f′(A)``, where ``δz = (y − d) ⊙ g′(z)`` for the sum of squares and
    ``δz = σ(z) − d`` for the Bernoulli loss. Zero differences are a proof for that size.

    Parameters
    ----------
    m, n, p : int
        Observations, features and hidden units (each 1..3).
    f, g : str, Activation or None
        Activations; ``None`` means an undefined (generic) function. The Bernoulli loss needs
        ``g="sigmoid"``.
    loss : {"sse", "bernoulli"}

    Returns
    -------
    GradientVerification
    """
    import sympy as sp

    from . import symbolic

    lossf = get_loss(loss)
    if lossf.on == "z" and (g is None or get_activation(g).name != "sigmoid"):
        raise ValueError(f'loss="{lossf.name}" needs g="sigmoid"; got g={g!r}')
    sym = symbolic.network_symbols(m, n, p)
    fw = symbolic.forward(sym, f, g)  # the one symbolic network
    A, Hbar, z, y = fw.A, fw.Hbar, fw.z, fw.y
    d = sp.Matrix(m, 1, lambda i, _: sp.Symbol(f"d_{i + 1}", real=True))
    if lossf.on == "z":  # −Σ [dᵢ log yᵢ + (1 − dᵢ) log(1 − yᵢ)], written in y = σ(z)
        ell = -sum(d[i] * sp.log(y[i]) + (1 - d[i]) * sp.log(1 - y[i]) for i in range(m))
        dz = y - d
    else:
        ell = sum((y[i] - d[i]) ** 2 for i in range(m)) / 2
        dz = (y - d).multiply_elementwise(z.applyfunc(fw.dg))
    dA = (dz * sym.wo[1:, :].T).multiply_elementwise(A.applyfunc(fw.df))
    diff_Wh = sp.simplify(sym.Wh.applyfunc(lambda w: sp.diff(ell, w)) - sym.Xbar.T * dA)
    diff_wo = sp.simplify(sym.wo.applyfunc(lambda w: sp.diff(ell, w)) - Hbar.T * dz)
    return GradientVerification(
        diff_Wh, diff_wo, bool(diff_Wh.is_zero_matrix and diff_wo.is_zero_matrix)
    )


# ---------------------------------------------------------------------------------------------
# Training.


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


def _penalty(Wh, wo):
    # ‖w‖² over the non-bias weights: rows 1: of W̄ʰ and entries 1: of w̄ᵒ.
    return float(np.sum(Wh[1:] ** 2) + wo[1:] @ wo[1:])


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
    weight_decay=0.0,
    seed=0,
    progress=False,
    callback=None,
    momentum=0.9,
    betas=(0.9, 0.999),
    eps=1e-8,
):
    """Train the network by gradient descent or mini-batch stochastic gradient descent.

    Minimises the average loss plus a Tikhonov penalty on the weights,

    ``J(w̄) = ℓ(y(w̄); d) / m + λ ‖w‖²``,   ``‖w‖² = ‖Wʰ‖²_F + ‖wᵒ‖²``,

    where ``λ = weight_decay`` and ``Wʰ``, ``wᵒ`` are ``W̄ʰ``, ``w̄ᵒ`` without their bias row and
    entry: **biases are not decayed** (penalising the intercepts would pull the fit towards
    zero output rather than towards a smoother function). The loss is averaged so that the
    learning rate does not depend on m or on the batch size: on a mini-batch B of b rows the
    step uses ``ℓ_B / b + λ‖w‖²``, whose gradient is an unbiased estimate of ``(D_w̄ J)ᵀ``.

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
    weight_decay : float
        Tikhonov parameter λ ≥ 0.
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
    lam = real(weight_decay, "weight_decay (the Tikhonov parameter λ)", minimum=0.0)
    if batch_size is None:
        batch_size = m
    batch_size = integer(batch_size, "batch_size", minimum=1)
    if batch_size > m:
        raise ValueError(
            f"batch_size must be at most m = {m} (the rows of X); got {batch_size}. "
            "Use batch_size=None for full-batch gradient descent."
        )
    opt = make_optimiser(optimizer, lr, momentum, betas, eps)
    if progress not in (True, False, "auto"):
        raise ValueError(f'progress must be True, False or "auto"; got {progress!r}')

    params = [Wh.copy(), wo.copy()]
    masks = [np.ones_like(params[0]), np.ones_like(params[1])]
    masks[0][0] = 0.0  # no decay on the hidden biases
    masks[1][0] = 0.0  # nor on the output bias
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
        J = value / b + (lam * _penalty(*params) if lam else 0.0)
        if not need_grad:
            return J, None
        grads = [dWh / b, dwo / b]
        if lam:
            grads = [G + 2.0 * lam * mk * q for G, mk, q in zip(grads, masks, params, strict=True)]
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
    bar = None
    if progress is True:
        from tqdm.auto import tqdm

        bar = tqdm(total=epochs, desc="epochs", unit="epoch")
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
        if bar is None and progress == "auto" and epoch == 1 and elapsed * epochs > 5.0:
            from tqdm.auto import tqdm

            bar = tqdm(total=epochs, initial=1, desc="epochs", unit="epoch")
        elif bar is not None:
            bar.update(1)
            if np.isfinite(J_epoch):
                bar.set_postfix(J=f"{J_epoch:.4g}")
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
