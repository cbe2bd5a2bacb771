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
regularisation
    Choosing λ on the Tikhonov path; early stopping beside it (chapter 8).
shapes
    The factors of D_W̄ʰ y as blocks (chapter 4); forward against reverse order (chapter 6).
"""

from .diagrams import draw_network, spy
from .gallery import GALLERY, activation_gallery, neuron_map, two_classes
from .graph import computational_graph
from .measured import gradient_sweep_figure
from .regularisation import early_stopping_figure, tikhonov_choice_figure
from .shapes import chain_order_figure, chain_steps, jacobian_blocks_figure, jacobian_factors

__all__ = [
    "GALLERY",
    "activation_gallery",
    "chain_order_figure",
    "chain_steps",
    "computational_graph",
    "draw_network",
    "early_stopping_figure",
    "gradient_sweep_figure",
    "jacobian_blocks_figure",
    "jacobian_factors",
    "neuron_map",
    "spy",
    "tikhonov_choice_figure",
    "two_classes",
]
