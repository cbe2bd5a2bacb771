"""Chapter 7: physics-informed neural networks by matrix calculus, forward and inverse.

The network and the layer-by-layer propagation of its input derivatives are derived in
:mod:`lecturekit.pinn.network`.

Its formulas (the loss as ρᵀρ, ∇L = 2Jᵀρ) are :mod:`lecturekit.formulas.pinn`.

Loss (``r`` the residual at the collocation points, ``eᶜ`` the misfit of condition c, ``eᵈ`` the
data misfit; every term a mean square)::

    L = w_pde · mean(r²) + w_bc · Σ_c mean((eᶜ)²) + w_data · mean((eᵈ)²)

* :mod:`~lecturekit.pinn.network`: ``PINN``, the network with its input derivatives;
* :mod:`~lecturekit.pinn.loss`: ``PINNLoss``, the loss, its gradient and residual vector;
* :mod:`~lecturekit.pinn.trainer`: the phases of ``PINN.fit`` (Adam on the shared step loop,
  L-BFGS), the record of each step;
* :mod:`~lecturekit.pinn.finish`: the Levenberg–Marquardt finish;
* :mod:`~lecturekit.pinn.uncertainty`: the parameters' linearised standard errors;
* :mod:`~lecturekit.pinn.damping`: ``fit_damping``, the oscillator's μ from data.
"""

from .damping import fit_damping
from .finish import single_threaded_blas
from .loss import TERMS, PINNLoss
from .network import PINN, relative_l2

__all__ = ["PINN", "PINNLoss", "TERMS", "fit_damping", "relative_l2", "single_threaded_blas"]
