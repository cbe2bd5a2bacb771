"""The one gradient-step loop that network training and the PINN's Adam phase share.

For each batch: ``(J, G) = objective(batch)``, then ``w̄ ← optimiser.step(w̄, G)``
(:mod:`lecturekit.formulas.optimisers`). The loop stops at the first step at which the
objective, its gradient or the new weights are not finite, and says which; the callers decide
what that means (roll back and warn, or raise) and what to record.
"""

from __future__ import annotations

import numpy as np


def all_finite(arrays):
    """Whether every entry of every array is finite."""
    return all(np.all(np.isfinite(a)) for a in arrays)


def descend(params, optimiser, objective, batches, before_step=None, after_step=None):
    """Take one optimiser step per batch on ``params`` (a list of arrays, updated in place).

    Parameters
    ----------
    params : list of ndarray
    optimiser : object with ``step(params, grads)``
    objective : callable
        ``objective(batch) -> (J, grads)`` at the current ``params``.
    batches : iterable
    before_step, after_step : callable, optional
        ``before_step(J)`` once J and its gradient are known to be finite, before the step;
        ``after_step(k, J)`` after step k (1, 2, …) has left finite weights.

    Returns
    -------
    steps : int
        Steps made.
    what : str or None
        None if every batch was stepped; otherwise what was not finite: ``"objective"`` or
        ``"gradient"`` (at the weights after ``steps`` steps, no step made from them) or
        ``"weights"`` (after step ``steps``).
    """
    steps = 0
    for batch in batches:
        J, grads = objective(batch)
        if not np.isfinite(J) or not all_finite(grads):
            return steps, "objective" if not np.isfinite(J) else "gradient"
        if before_step is not None:
            before_step(J)
        optimiser.step(params, grads)
        steps += 1
        if not all_finite(params):
            return steps, "weights"
        if after_step is not None:
            after_step(steps, J)
    return steps, None
