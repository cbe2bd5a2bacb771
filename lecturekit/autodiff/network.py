"""The lecture's network as a graph of engine operations, and its gradient by one sweep."""

from __future__ import annotations

import numpy as np

from .._validate import choice, data_vector
from ..network import check_shapes
from .core import Tensor, _as_tensor
from .ops import closure, relu, reshape, sigmoid, sum, tanh

# ------------------------------------------------------------------------------------------
# The lecture's network, built from the operations above
# ------------------------------------------------------------------------------------------
_ACTIVATIONS = {"tanh": tanh, "sigmoid": sigmoid, "relu": relu, "identity": lambda t: t}


def network_loss(X, d, Wh, wo, f="tanh", g="identity"):
    """The sum-of-squares loss of the one-hidden-layer network as a graph of engine operations.

    Builds ``A = X̄ W̄ʰ``, ``H = f(A)``, ``z = H̄ w̄ᵒ``, ``y = g(z)``, ``ℓ = ½ Σ (y − d)²``.

    Parameters
    ----------
    X : array_like, shape (m, n)
        Features without the ones column.
    d : array_like, shape (m,)
        Targets.
    Wh, wo : Tensor or array_like
        ``W̄ʰ`` (n̄×p) and ``w̄ᵒ`` (p̄); pass Tensors with ``requires_grad=True`` to
        differentiate with respect to them.
    f, g : {"tanh", "sigmoid", "relu", "identity"}
        Hidden and output activations.

    Returns
    -------
    Tensor
        The scalar ``ℓ``.
    """
    f, g = (choice(act, sorted(_ACTIVATIONS), name) for name, act in (("f", f), ("g", g)))
    Wt, wt = _as_tensor(Wh), _as_tensor(wo)
    Xbar, _, _ = check_shapes(X, Wt.data, wt.data)  # shape errors in the lecture's notation
    d = data_vector(d, Xbar.shape[0])
    if wt.ndim != 1:
        wt = reshape(wt, (-1,))
    H = _ACTIVATIONS[f](closure(Xbar[:, 1:]) @ Wt)
    r = _ACTIVATIONS[g](closure(H) @ wt) - d
    return 0.5 * sum(r * r)


def loss_and_gradient(X, d, Wh, wo, f="tanh", g="identity"):
    """``(ℓ, ∂ℓ/∂W̄ʰ, ∂ℓ/∂w̄ᵒ)`` of :func:`network_loss`, by one reverse sweep of the engine.

    The same numbers as ``lecturekit.train.loss_and_gradient`` (sum-of-squares loss), computed
    op by op instead of by the hand-derived formulas.
    """
    W = Tensor(Wh, requires_grad=True)
    w = Tensor(wo, requires_grad=True)
    loss = network_loss(X, d, W, w, f, g)
    loss.backward()
    return loss.item(), W.grad, w.grad.reshape(np.shape(wo))
