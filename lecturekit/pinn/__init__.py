"""Chapter 7: physics-informed neural networks by matrix calculus, forward and inverse.

The network ``u(x; w)`` stacks layers ``Aₗ = H̄ₗ₋₁ W̄ₗ``, ``Hₗ = f(Aₗ)`` with ``H₀ = X`` (one row
per point, bias first: ``H̄ = [1 H]``, row 0 of ``W̄ₗ`` is the bias) and a linear output layer.
For an input coordinate xⱼ, differentiating every layer gives (``Wₗ`` is ``W̄ₗ`` without its bias
row, which does not depend on x)

    Aₗ,ⱼ  = Hₗ₋₁,ⱼ  Wₗ,          Hₗ,ⱼ  = f′(Aₗ) ⊙ Aₗ,ⱼ,
    Aₗ,ⱼⱼ = Hₗ₋₁,ⱼⱼ Wₗ,          Hₗ,ⱼⱼ = f″(Aₗ) ⊙ Aₗ,ⱼ ⊙ Aₗ,ⱼ + f′(Aₗ) ⊙ Aₗ,ⱼⱼ,

starting from ``H₀,ⱼ = eⱼᵀ`` (a row of the identity, the same for every point) and
``H₀,ⱼⱼ = 0``. The three quantities travel together as one stacked matrix per layer, so each
layer costs one matrix product. The loss gradient with respect to every ``W̄ₗ`` and every
physical parameter is the reverse sweep (vector–Jacobian products) through these formulas; the
residual's own partial derivatives come from one evaluation on dual numbers
(:mod:`lecturekit.pinn_dual`).

Loss (``r`` the residual at the collocation points, ``eᶜ`` the misfit of condition c, ``eᵈ`` the
data misfit; every term a mean square)::

    L = w_pde · mean(r²) + w_bc · Σ_c mean((eᶜ)²) + w_data · mean((eᵈ)²)

* :mod:`~lecturekit.pinn.network`: ``PINN``, the network with its input derivatives;
* :mod:`~lecturekit.pinn.loss`: ``PINNLoss``, the loss, its gradient and residual vector;
* :mod:`~lecturekit.pinn.finish`: the Levenberg–Marquardt finish;
* :mod:`~lecturekit.pinn.damping`: ``fit_damping``, the oscillator's μ from data.
"""

from .damping import fit_damping
from .finish import single_threaded_blas
from .loss import TERMS, PINNLoss
from .network import PINN, relative_l2

__all__ = ["PINN", "PINNLoss", "TERMS", "fit_damping", "relative_l2", "single_threaded_blas"]
