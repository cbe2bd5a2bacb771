"""The loss gradient of the one-hidden-layer network (chapter 5).

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
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validate import check_memory, choice, data_vector, finite_result
from ..activations import get_activation
from ..formulas import network as formulas
from ..losses import get_loss
from ..network import check_shapes, forward
from ..vectorise import unvec

# ---------------------------------------------------------------------------------------------
# Validation shared by every public entry point.


def _prepare(X, d, Wh, wo, f, g, loss):
    Xbar, Wh, wo = check_shapes(X, Wh, wo)  # also refuses a forward pass too large to hold
    m = Xbar.shape[0]
    p = Wh.shape[1]
    check_memory(
        f"the gradient at m={m}, p={p}",
        {"A": (m, p), "H": (m, p), "H̄": (m, p + 1), "δA": (m, p)},
        cheaper="use mini-batches (train.fit's batch_size)",
    )
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


def _finite_gradient(value, dWh, dwo):
    """The public entries' exit check: ℓ and its gradient must be finite numbers."""
    finite_result(value, "the loss ℓ")
    if dWh is not None:
        finite_result(dWh, "∂ℓ/∂W̄ʰ")
        finite_result(dwo, "∂ℓ/∂w̄ᵒ")
    return value, dWh, dwo


# ---------------------------------------------------------------------------------------------
# The core, on validated float64 arrays.


def _loss_and_grad(Xbar, d, Wh, wo, f, g, loss, need_grad=True):
    """The four formulas of :func:`loss_and_gradient`, on validated float64 arrays."""
    A, H, Hbar, z, y = formulas.forward(Xbar, Wh, wo, f, g)
    if not np.all(np.isfinite(z)):
        raise _Overflow("z = H̄ w̄ᵒ overflowed")
    if loss.on == "z":  # the Bernoulli loss starts at the logits: δz = σ(z) − d
        value, dz = loss.evaluate(z, d)
    else:  # δz = D_y ℓ ⊙ g′(z)
        value, dy = loss.evaluate(y, d)
        dz = dy * g.df(z)
    if not need_grad:
        return value, None, None
    dWh, dwo = formulas.gradient(Xbar, wo, Hbar, f.df_from(A, H), dz)
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
        with np.errstate(over="ignore", invalid="ignore"):  # refused below, with its name
            return _finite_gradient(*_loss_and_grad(*args))
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
        with np.errstate(over="ignore", invalid="ignore"):
            return _finite_gradient(*_loss_and_grad(*args, need_grad=False))[0]
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
    from .. import jacobians

    method = choice(method, ("structured", "kron"), "method")
    Xbar, d, Wh, wo, f, g, lossf = _prepare(X, d, Wh, wo, f, g, loss)
    X = Xbar[:, 1:]
    nbar, p = Wh.shape
    m = Xbar.shape[0]
    # Everything the product holds at once, refused before the first Jacobian is formed.
    blocks = (
        jacobians._kron_arrays(m, nbar, p)
        if method == "kron"
        else jacobians._structured_arrays(m, nbar, p)
    )
    check_memory(
        f"the explicit product D_y ℓ · D_w̄ y at m={m}, n̄={nbar}, p={p}",
        {**blocks, "D_w̄ y = [D_W̄ʰ y  D_w̄ᵒ y]": (m, nbar * p + p + 1)},
        cheaper="train.loss_and_gradient gives the same gradient without any Jacobian",
    )
    g_out = get_activation("identity") if lossf.on == "z" else g
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is refused at the end
        return _explicit(X, d, Wh, wo, f, g_out, lossf, method)


def _explicit(X, d, Wh, wo, f, g_out, lossf, method):
    """The product of :func:`loss_and_gradient_explicit` on checked inputs."""
    from .. import jacobians

    nbar, p = Wh.shape
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
    value = finite_result(lossf.evaluate(u, d)[0], "the loss ℓ")
    finite_result(grad, "D_w̄ ℓ = D_y ℓ · D_w̄ y")
    return value, unvec(grad[: nbar * p], (nbar, p)), grad[nbar * p :]


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

    from .. import symbolic

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
