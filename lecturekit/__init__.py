"""lecturekit: the mathematics of "Neural models via matrix calculus", verified.

Conventions: ``vec`` is column-major; ``D_x y = ∂vec(y)/∂vec(x)ᵀ`` (numerator layout); the bias
comes first (``X̄ = [1 X]``, row 0 of ``W̄ʰ``, entry 0 of ``w̄ᵒ``).
"""

from . import activations, checks, jacobians, network
from .activations import get_activation
from .network import forward, init_weights, predict
from .vectorise import closure, kron_vec_matrix, unvec, vec, vec_of_product

__all__ = [
    "activations",
    "checks",
    "closure",
    "forward",
    "get_activation",
    "init_weights",
    "jacobians",
    "kron_vec_matrix",
    "network",
    "predict",
    "unvec",
    "vec",
    "vec_of_product",
]
__version__ = "0.1.0"
