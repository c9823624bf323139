"""daik's data layer: DOTA / DIOR-R / synthetic data sets, transforms, the synthetic scene
generator, scene splitting, and :mod:`daik.data.windows` (the one sliding-window function).

Importing this package registers the data sets and transforms in :mod:`daik.registry`.
"""
from . import datasets, transforms  # noqa: F401  (registration)
from .datasets import DIORRDataset, DOTADataset, MultiImageMixDataset, RotatedDetDataset, SyntheticDataset
from .formats import AnnotationError, LoadStats
from .image_io import read_image_rgb
from .windows import scaled_size, sliding_windows

__all__ = [
    "DOTADataset", "DIORRDataset", "SyntheticDataset", "MultiImageMixDataset", "RotatedDetDataset",
    "AnnotationError", "LoadStats", "read_image_rgb", "sliding_windows", "scaled_size",
]
