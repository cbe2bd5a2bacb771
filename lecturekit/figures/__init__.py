"""Figures of the book, apart from the mathematics: each chapter's cell calls one function.

Modules
-------
diagrams
    Network diagrams and sparsity pictures (chapters 1–4).
gallery
    The activation gallery and single-neuron maps (chapter 2).
graph
    The computational graph the autodiff engine records, with its reverse sweep (chapter 6).
measured
    Time and memory of the gradient, measured three ways (chapter 6).
pinns
    A PINN's solution, error and loss terms (chapter 7).
regularisation
    Weight decay (chapter 5); choosing λ, early stopping and the band's coverage (chapter 8).
shapes
    The factors of D_W̄ʰ y as blocks and their literal product (chapter 4); forward against
    reverse order of the gradient chain and its cost by m (chapter 6).
"""

from .diagrams import draw_network, spy
from .gallery import GALLERY, activation_gallery, neuron_map, two_classes
from .graph import computational_graph
from .measured import gradient_sweep_figure
from .pinns import poisson_figure
from .regularisation import (
    coverage_figure,
    early_stopping_figure,
    tikhonov_choice_figure,
    weight_decay_figure,
)
from .shapes import (
    chain_cost_figure,
    chain_order_figure,
    chain_steps,
    jacobian_blocks_figure,
    jacobian_factors,
    jacobian_factors_figure,
)

__all__ = [
    "GALLERY",
    "activation_gallery",
    "chain_cost_figure",
    "chain_order_figure",
    "chain_steps",
    "computational_graph",
    "coverage_figure",
    "draw_network",
    "early_stopping_figure",
    "gradient_sweep_figure",
    "jacobian_blocks_figure",
    "jacobian_factors",
    "jacobian_factors_figure",
    "neuron_map",
    "poisson_figure",
    "spy",
    "tikhonov_choice_figure",
    "two_classes",
    "weight_decay_figure",
]
