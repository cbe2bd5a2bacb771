"""Chapter 5: the loss gradient by reverse-order evaluation, and training with it.

* :mod:`~lecturekit.train.gradient`: ``loss_and_gradient`` (the four formulas), ``loss_value``,
  the explicit product ``D_y ℓ · D_w̄ y`` and its symbolic proof;
* :mod:`~lecturekit.train.optimisers`: gradient descent, the heavy ball, Adam (their update
  rules are :mod:`lecturekit.formulas.optimisers`);
* :mod:`~lecturekit.train.loop`: ``descend``, the step loop shared with the PINN's Adam phase;
* :mod:`~lecturekit.train.training`: ``fit``, the training loop with its divergence handling.
"""

from .gradient import (
    GradientVerification,
    loss_and_gradient,
    loss_and_gradient_explicit,
    loss_value,
    verify_gradient_symbolic,
)
from .optimisers import SGD, Adam, Momentum, make_optimiser
from .training import TrainResult, fit

__all__ = [
    "SGD",
    "Adam",
    "GradientVerification",
    "Momentum",
    "TrainResult",
    "fit",
    "loss_and_gradient",
    "loss_and_gradient_explicit",
    "loss_value",
    "make_optimiser",
    "verify_gradient_symbolic",
]
