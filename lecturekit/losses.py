"""Loss functions ``ℓ(y; d)`` and their derivatives ``D_y ℓ`` (numerator layout: a row).

The derivative of a scalar with respect to a vector of length m is a 1×m row; these functions
return it as a 1-D array of length m, which numpy treats as a row in ``δ @ J``.

* Sum of squares: ``ℓ(y; d) = ½‖y − d‖² = ½ (y − d)ᵀ(y − d)``, ``D_y ℓ = (y − d)ᵀ``.
* Bernoulli negative log-likelihood for labels ``dᵢ ∈ {0, 1}`` (or probabilities in [0, 1])
  and a logistic output ``yᵢ = σ(zᵢ)``:
  ``ℓ = −Σᵢ [dᵢ log yᵢ + (1 − dᵢ) log(1 − yᵢ)] = Σᵢ [log(1 + e^{zᵢ}) − dᵢ zᵢ]``,
  ``D_z ℓ = (σ(z) − d)ᵀ``. It is computed from the logits ``z``, never from ``y``: at
  ``|z| = 1000`` the probability ``σ(z)`` rounds to exactly 0 or 1 and ``log y`` would be
  ``log 0``, while ``log(1 + e^z)`` evaluated as ``max(z, 0) + log(1 + e^{−|z|})`` is exact.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._validate import choice, data_vector, finite_array, finite_result, shape_str
from .activations import sigmoid


def _pair(u, d, uname):
    """Validate a prediction/logit vector and the data vector ``d`` of the same length."""
    u = finite_array(u, uname)
    if u.ndim == 2 and 1 in u.shape:
        u = u.reshape(-1)
    if u.ndim > 1:
        raise ValueError(f"{uname} must be a vector of length m; got shape {shape_str(u.shape)}")
    u = np.atleast_1d(u)
    return u, np.atleast_1d(data_vector(np.atleast_1d(d), u.size))


def _labels(d):
    if np.any((d < 0) | (d > 1)):
        bad = d[(d < 0) | (d > 1)][0]
        raise ValueError(
            "d must hold labels in {0, 1} (or probabilities in [0, 1]) for the Bernoulli "
            f"negative log-likelihood; found {bad}"
        )
    return d


def _sse_raw(y, d):
    r = y - d
    return 0.5 * float(r @ r), r


def _bernoulli_raw(z, d):
    return float(np.sum(np.logaddexp(0.0, z) - d * z)), sigmoid.f(z) - d


def sse(y, d):
    """Sum of squares ``ℓ(y; d) = ½‖y − d‖²``.

    Parameters
    ----------
    y : array_like, shape (m,)
        Network output.
    d : array_like, shape (m,)
        Data.

    Returns
    -------
    float
    """
    y, d = _pair(y, d, "y")
    with np.errstate(over="ignore"):  # an overflow is refused with its name, below
        return finite_result(_sse_raw(y, d)[0], "the loss ℓ = ½‖y − d‖²")


def sse_derivative(y, d):
    """Derivative of the sum of squares, ``D_y ℓ = (y − d)ᵀ``.

    Returns
    -------
    ndarray, shape (m,)
        The 1×m row ``D_y ℓ`` as a 1-D array.
    """
    y, d = _pair(y, d, "y")
    with np.errstate(over="ignore"):
        return finite_result(y - d, "D_y ℓ = (y − d)ᵀ")


def bernoulli_nll(z, d):
    """Bernoulli negative log-likelihood of labels ``d`` under ``yᵢ = σ(zᵢ)``, from the logits.

    Implements ``ℓ(z; d) = Σᵢ [log(1 + e^{zᵢ}) − dᵢ zᵢ]``, which equals
    ``−Σᵢ [dᵢ log σ(zᵢ) + (1 − dᵢ) log(1 − σ(zᵢ))]``. ``log(1 + e^z)`` is evaluated as
    ``max(z, 0) + log1p(e^{−|z|})`` (``numpy.logaddexp``), so there is no overflow and no
    ``log 0`` for any finite z (at z = ±1000 a correct label costs 0 and a wrong one 1000).

    Parameters
    ----------
    z : array_like, shape (m,)
        Logits, the output pre-activations ``z = H̄ w̄ᵒ``.
    d : array_like, shape (m,)
        Labels in {0, 1} (probabilities in [0, 1] are accepted too).

    Returns
    -------
    float
    """
    z, d = _pair(z, d, "z")
    _labels(d)
    with np.errstate(over="ignore", invalid="ignore"):
        return finite_result(_bernoulli_raw(z, d)[0], "the Bernoulli loss ℓ")


def bernoulli_nll_derivative(z, d):
    """Derivative of the Bernoulli negative log-likelihood with respect to the logits.

    Implements ``D_z ℓ = (σ(z) − d)ᵀ``: the logistic function's derivative σ(1 − σ) cancels
    the ``1/(y(1 − y))`` of ``D_y ℓ``, which is why the logits are the stable variable.

    Returns
    -------
    ndarray, shape (m,)
    """
    z, d = _pair(z, d, "z")
    _labels(d)
    return sigmoid.f(z) - d


@dataclass(frozen=True)
class Loss:
    """A loss with its derivative, and the variable it is written in.

    Attributes
    ----------
    name : str
    value : callable
        ``value(u, d) -> float``.
    derivative : callable
        ``derivative(u, d) -> ndarray`` of shape (m,), the row ``D_u ℓ``.
    on : {"y", "z"}
        ``"y"``: ``u`` is the network output ``y``, for any output activation g.
        ``"z"``: ``u`` is the output pre-activation (logit) ``z``; the loss models
        ``y = σ(z)`` and needs ``g = "sigmoid"``.
    value_and_derivative : callable, optional
        ``(u, d) -> (ℓ, D_u ℓ)`` on arrays already checked, skipping the input checks (the
        training loop calls it on many small blocks of rows). Defaults to calling
        ``value`` and ``derivative``.

    A loss must be a sum over observations, ``ℓ = Σᵢ ℓᵢ(uᵢ; dᵢ)`` (true of any negative
    log-likelihood of independent data), so that it can be evaluated on blocks of rows.
    """

    name: str
    value: Callable
    derivative: Callable
    on: str
    value_and_derivative: Callable | None = None

    def evaluate(self, u, d):
        """``(ℓ, D_u ℓ)`` without input checks (see ``value_and_derivative``)."""
        if self.value_and_derivative is not None:
            return self.value_and_derivative(u, d)
        return self.value(u, d), self.derivative(u, d)

    def __repr__(self):
        return f"Loss({self.name!r})"


LOSSES: dict[str, Loss] = {
    "sse": Loss("sse", sse, sse_derivative, "y", _sse_raw),
    "bernoulli": Loss("bernoulli", bernoulli_nll, bernoulli_nll_derivative, "z", _bernoulli_raw),
}
_ALIASES = {"bernoulli_nll": "bernoulli", "bce": "bernoulli", "squares": "sse"}


def get_loss(name) -> Loss:
    """Look up a loss by name (or pass a :class:`Loss` through).

    Known names: ``"sse"`` (½‖y − d‖²) and ``"bernoulli"`` (negative log-likelihood from the
    logits; aliases ``"bernoulli_nll"``, ``"bce"``).
    """
    if isinstance(name, Loss):
        return name
    return LOSSES[choice(name, list(LOSSES), "loss", aliases=_ALIASES, lookup="loss")]
