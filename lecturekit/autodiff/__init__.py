"""A small reverse-mode automatic-differentiation engine on numpy arrays.

This is the "lower operator level" at which libraries such as PyTorch apply the chain rule.
Every operation records its inputs and its vector–Jacobian product (VJP): given the gradient
``G = ∂ℓ/∂(output)`` (same shape as the output), it returns ``∂ℓ/∂(input)`` for each input.
In the book's notation, if ``vec Y = J vec X`` to first order (``J = D_X Y``), the VJP is
``vec(∂ℓ/∂X) = Jᵀ vec(G)``, i.e. the row vector ``D_Y ℓ · D_X Y`` reshaped like ``X``. Each
operation's docstring names the matrix-calculus rule its VJP implements.

:meth:`Tensor.backward` sorts the graph topologically with an explicit stack (no recursion, so
graphs of any depth work) and sweeps it once in reverse order: a node used several times
receives the sum of all contributions before it passes its gradient on.

Example
-------
>>> from lecturekit import autodiff as ad
>>> W = ad.Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
>>> loss = ad.sum(ad.tanh(W @ W))
>>> loss.backward()
>>> W.grad.shape
(2, 2)
"""

from .core import Tensor, grad, tensor, topological_order
from .network import loss_and_gradient, network_loss
from .ops import (
    add,
    closure,
    concat,
    cos,
    div,
    exp,
    log,
    matmul,
    mean,
    mul,
    neg,
    power,
    relu,
    reshape,
    sigmoid,
    sin,
    sub,
    sum,
    tanh,
    transpose,
)

__all__ = [
    "Tensor",
    "tensor",
    "grad",
    "topological_order",
    "add",
    "sub",
    "mul",
    "div",
    "neg",
    "power",
    "matmul",
    "tanh",
    "sigmoid",
    "relu",
    "exp",
    "log",
    "sin",
    "cos",
    "sum",
    "mean",
    "closure",
    "concat",
    "transpose",
    "reshape",
    "network_loss",
    "loss_and_gradient",
]
