"""Data-pipeline transforms (registered in :data:`daik.registry.TRANSFORMS`)."""
from .base import BaseTransform
from .formatting import PackDetInputs
from .geometric import Pad, RandomFlip, RandomRotate, RandomRotate90, Resize, rescale_size, scale_rboxes
from .loading import LoadImageFromFile, LoadImageFromNDArray
from .mosaic import Mosaic
from .photometric import RandomHSV

__all__ = [
    "BaseTransform", "LoadImageFromFile", "LoadImageFromNDArray", "RandomFlip", "RandomRotate90", "RandomRotate", "Resize", "Pad",
    "RandomHSV", "Mosaic", "PackDetInputs", "rescale_size", "scale_rboxes",
]
