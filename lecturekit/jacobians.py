"""Jacobians of the network output with respect to its weights (numerator layout).

For ``y = g(z)``, ``z = H̄ w̄ᵒ``, ``H̄ = [1 f(A)]``, ``A = X̄ W̄ʰ``:

* ``D_w̄ᵒ y = diag(g′(z)) H̄``                                        (m × p̄)
* ``D_W̄ʰ y = [wᵒᵀ ⊗ diag(g′(z))] · diag(f′(vec A)) · (I_p ⊗ X̄)``     (m × n̄p)

where ``wᵒ`` is ``w̄ᵒ`` without its bias entry (the bias multiplies the constant column of H̄,
which does not depend on W̄ʰ). Columns of ``D_W̄ʰ y`` follow ``vec(W̄ʰ)``: column ``j·n̄ + k``
is the derivative with respect to ``W̄ʰ[k, j]``.
"""

from __future__ import annotations

import numpy as np

from ._validate import (
    MAX_BYTES,
    ArrayTooLarge,
    array_bytes,
    check_memory,
    choice,
    finite_result,
    format_bytes,
)
from .activations import get_activation
from .formulas import network as formulas
from .network import check_shapes, forward, forward_checked

#: The package's one memory limit (:data:`lecturekit._validate.MAX_BYTES`, 1 GiB), under the
#: name chapter 4 uses for the literal Kronecker formula.
KRON_MAX_BYTES = MAX_BYTES

#: The package's one "too large" error (a :class:`MemoryError`), under its chapter-4 name.
JacobianTooLarge = ArrayTooLarge


def dy_dwo(X, Wh, wo, f="tanh", g="identity"):
    """Jacobian of the output with respect to the output weights.

    Implements ``D_w̄ᵒ y = diag(g′(z)) H̄`` with ``z = H̄ w̄ᵒ``, formed as a row scaling.

    Returns
    -------
    ndarray, shape (m, p̄)
    """
    fw = forward(X, Wh, wo, f, g)
    with np.errstate(over="ignore", invalid="ignore"):
        return finite_result(formulas.dy_dwo(fw.Hbar, get_activation(g).df(fw.z)), "D_w̄ᵒ y")


def _kron_factors(m, nbar, p):
    """Names and shapes of the literal formula's three explicit factors."""
    return {
        "wᵒᵀ ⊗ diag(g′(z))": (m, m * p),
        "diag(f′(vec A))": (m * p, m * p),
        "I_p ⊗ X̄": (m * p, nbar * p),
    }


def _kron_arrays(m, nbar, p):
    """Every array the literal formula holds at its peak: the three factors, numpy.kron's
    working copy of the largest Kronecker factor, the product of the first two and the result."""
    return {
        **_kron_factors(m, nbar, p),
        "numpy.kron's working copy": (m * p, nbar * p),
        "(wᵒᵀ ⊗ diag(g′)) diag(f′)": (m, m * p),
        "D_W̄ʰ y": (m, nbar * p),
    }


def _structured_arrays(m, nbar, p):
    """The arrays of :func:`structured_blocks`: S and the two Jacobian blocks."""
    return {"S = (g′ wᵒᵀ) ⊙ f′(A)": (m, p), "D_W̄ʰ y": (m, nbar * p), "D_w̄ᵒ y": (m, p + 1)}


def kron_bytes(m, n, p):
    """Bytes of float64 storage the literal formula's three explicit factors need.

    ``wᵒᵀ ⊗ diag(g′)`` is m × mp, ``diag(f′(vec A))`` is mp × mp, ``I_p ⊗ X̄`` is mp × n̄p
    (n features, n̄ = n + 1); counted by :func:`lecturekit._validate.array_bytes`.
    """
    return array_bytes(*_kron_factors(m, n + 1, p).values())


def dy_dWh(X, Wh, wo, f="tanh", g="identity", method="structured", max_bytes=None):
    """Jacobian of the output with respect to the hidden weights, ``D_W̄ʰ y``.

    Implements ``D_W̄ʰ y = [wᵒᵀ ⊗ diag(g′(z))] · diag(f′(vec A)) · (I_p ⊗ X̄)``.

    Parameters
    ----------
    X, Wh, wo, f, g
        As in :func:`lecturekit.network.forward`.
    method : {"structured", "kron"}
        ``"kron"`` forms the three factors literally, as the lecture writes them (for teaching;
        O(m²p²) memory). ``"structured"`` uses that block j of the product is
        ``(g′(z) ⊙ wᵒⱼ f′(A[:, j])) ⊙ X̄`` (each row of X̄ scaled), never forming a Kronecker
        or diagonal matrix: O(m·n̄·p) time and memory.
    max_bytes : int, optional
        Memory limit for ``"kron"`` (default :data:`KRON_MAX_BYTES`). The structured method
        is held to :data:`KRON_MAX_BYTES` for the m × n̄p result itself.

    Returns
    -------
    ndarray, shape (m, n̄p)
        Columns in ``vec(W̄ʰ)`` (column-major) order.

    Raises
    ------
    JacobianTooLarge
        Before allocating, if ``method="kron"`` would need more than ``max_bytes``, or the
        result of ``method="structured"`` more than :data:`KRON_MAX_BYTES`.
    """
    method = choice(method, ("structured", "kron"), "method")
    allow_complex = any(np.iscomplexobj(a) for a in (X, Wh, wo))  # complex-step checks
    Xbar, Wh, wo = check_shapes(X, Wh, wo, allow_complex=allow_complex)
    m, nbar = Xbar.shape
    p = Wh.shape[1]
    # Refuse before the forward pass: the result (or the factors) would dwarf it.
    if method == "structured":
        check_memory(
            f"D_W̄ʰ y at m={m}, n̄={nbar}, p={p}",
            {"S = (g′ wᵒᵀ) ⊙ f′(A)": (m, p), "D_W̄ʰ y": (m, nbar * p)},
            cheaper="for the loss gradient alone use train.loss_and_gradient, which never "
            f"forms the Jacobian ({format_bytes(array_bytes((m, p), (nbar, p)))})",
        )
    else:
        check_memory(
            f"the literal Kronecker formula at m={m}, n̄={nbar}, p={p}",
            _kron_arrays(m, nbar, p),
            limit=max_bytes,
            cheaper='use method="structured", which needs '
            + format_bytes(array_bytes((m, nbar * p))),
        )
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is refused, named
        return finite_result(
            _dy_dWh(Xbar, Wh, wo, get_activation(f), get_activation(g), method), "D_W̄ʰ y"
        )


def _dy_dWh(Xbar, Wh, wo, f, g, method):
    """The formula of :func:`dy_dWh` on checked arrays and Activation objects."""
    fw = forward_checked(Xbar, Wh, wo, f, g)
    if method == "structured":
        return structured_blocks(fw, wo, f, g)[0]
    return formulas.dy_dWh_kron(fw.Xbar, wo, f.df(fw.A), g.df(fw.z))


def structured_blocks(fw, wo, f, g):
    """``(D_W̄ʰ y, D_w̄ᵒ y)`` from one forward pass ``fw``, without Kronecker products.

    Block j of ``D_W̄ʰ y`` is ``S[:, j] ⊙ X̄`` (each row of X̄ scaled) with
    ``S = (g′(z) wᵒᵀ) ⊙ f′(A)``, ``S[i, j] = ∂yᵢ/∂Aᵢⱼ`` (the bias of w̄ᵒ does not see W̄ʰ);
    ``D_w̄ᵒ y = diag(g′(z)) H̄`` (:func:`lecturekit.formulas.network.dy_dWh`, ``dy_dwo``).
    ``f``, ``g`` are Activation objects.
    """
    dgz = g.df(fw.z)
    dfA = f.df_from(fw.A, fw.H)
    return formulas.dy_dWh(fw.Xbar, wo, dfA, dgz), formulas.dy_dwo(fw.Hbar, dgz)


def dy_dw(X, Wh, wo, f="tanh", g="identity"):
    """The full Jacobian ``D_w̄ y = [D_W̄ʰ y  D_w̄ᵒ y]`` with respect to ``w̄ = [vec W̄ʰ; w̄ᵒ]``.

    Both blocks come from one forward pass (:func:`structured_blocks`).

    Returns
    -------
    ndarray, shape (m, n̄p + p̄)
    """
    Xbar, Wh, wo = check_shapes(X, Wh, wo, allow_complex=any(map(np.iscomplexobj, (X, Wh, wo))))
    m, nbar = Xbar.shape
    p = Wh.shape[1]
    check_memory(
        f"D_w̄ y at m={m}, n̄={nbar}, p={p}",
        {**_structured_arrays(m, nbar, p), "D_w̄ y": (m, nbar * p + p + 1)},
    )
    f, g = get_activation(f), get_activation(g)
    with np.errstate(over="ignore", invalid="ignore"):
        J = np.hstack(structured_blocks(forward_checked(Xbar, Wh, wo, f, g), wo, f, g))
    return finite_result(J, "D_w̄ y")
