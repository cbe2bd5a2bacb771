"""lecturekit: the mathematics of "Neural models via matrix calculus", verified.

Conventions: ``vec`` is column-major; ``D_x y = ∂vec(y)/∂vec(x)ᵀ`` (numerator layout); the bias
comes first (``X̄ = [1 X]``, row 0 of ``W̄ʰ``, entry 0 of ``w̄ᵒ``).

The core (closure, vec, activations, the network and its Jacobians) is imported eagerly; the
chapter modules load on first use (``lk.train``, ``lk.pinn``, ...), so ``import lecturekit``
stays fast and does not pull in scipy or ipywidgets.
"""

import importlib

from . import activations, checks, jacobians, network, symbolic
from .activations import get_activation
from .network import forward, init_weights, predict
from .vectorise import closure, kron_vec_matrix, unvec, vec, vec_of_product

# Modules by chapter: 1 linear; 2 elementwise, widgets; 4 deep, exercises;
# 5 data, losses, train/ (gradient, optimisers, training), training_plots;
# 6 autodiff/, chain, measure; 7 pinn/, pinn_dual, classical; 8 inverse/.
# The lecture's formulas in plain numpy: formulas/ (the kit above imports them).
# Figures, tables and widgets: context, figures/, static_explorer, tables.
_LAZY = {
    "autodiff", "chain", "classical", "context", "data", "deep", "elementwise", "exercises",
    "figures", "formulas", "inverse", "linear", "losses", "measure", "pinn",
    "pinn_dual", "static_explorer", "tables", "train", "training_plots", "vectorise",
    "widgets",
    "exercise_checks_training",  # the checks of the exercises of chapters 5–8
}  # fmt: skip


def __getattr__(name):
    if name in _LAZY:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'lecturekit' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | _LAZY)


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
    "symbolic",
    "unvec",
    "vec",
    "vec_of_product",
    *sorted(_LAZY),
]
__version__ = "0.2.0"
