"""Network diagrams and sparsity pictures; they live in :mod:`lecturekit.figures` now."""

from .figures.diagrams import draw_network, spy

__all__ = ["draw_network", "spy"]
