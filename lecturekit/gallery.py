"""The activation gallery and neuron maps; they live in :mod:`lecturekit.figures` now."""

from .figures.gallery import GALLERY, activation_gallery, neuron_map, two_classes

__all__ = ["GALLERY", "activation_gallery", "neuron_map", "two_classes"]
