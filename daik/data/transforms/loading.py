"""Reading the image of a data-list entry (a file, or an array already in memory)."""
from typing import Optional, Sequence

import numpy as np

from daik.registry import TRANSFORMS

from ..image_io import read_image_rgb
from .base import BaseTransform


@TRANSFORMS.register_module()
class LoadImageFromFile(BaseTransform):
    """Read ``results['img_path']`` as ``(H, W, 3)`` uint8 RGB (rules: :mod:`daik.data.image_io`).

    Sets ``img``, ``img_shape``, ``ori_shape``, ``scale_factor`` ``(1.0, 1.0)``.

    Args:
        bands: three band indices to use for files that do not have 1, 3 or 4 bands.
        stretch: ``"percentile"`` or ``"scale"``, for images that are not 8-bit.
    """

    def __init__(self, bands: Optional[Sequence[int]] = None, stretch: str = "percentile"):
        self.bands = None if bands is None else tuple(bands)
        self.stretch = stretch

    def transform(self, results: dict) -> dict:
        return _set_image(results, read_image_rgb(results["img_path"], bands=self.bands, stretch=self.stretch))


@TRANSFORMS.register_module()
class LoadImageFromNDArray(LoadImageFromFile):
    """Take ``results['img']``, an ``(H, W, 3)`` uint8 RGB array, as :class:`LoadImageFromFile`
    would have read it from a file: sets the same keys (``img_shape``, ``ori_shape``,
    ``scale_factor``). :func:`daik.apis.inference_detector` puts it in place of the test
    pipeline's ``LoadImageFromFile`` for images given as arrays.

    Raises:
        ValueError: the array is not ``(H, W, 3)`` uint8.
    """

    def transform(self, results: dict) -> dict:
        img = results["img"]
        if not isinstance(img, np.ndarray) or img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] != 3:
            what = f"{img.dtype} {img.shape}" if isinstance(img, np.ndarray) else type(img).__name__
            raise ValueError(f"expected an (H, W, 3) uint8 RGB array, got {what}")
        return _set_image(results, img)


def _set_image(results: dict, img: np.ndarray) -> dict:
    """``results`` with ``img`` ``(H, W, 3)`` as read: its shapes, scale factor 1."""
    results["img"] = img
    results["img_shape"] = img.shape[:2]
    results["ori_shape"] = img.shape[:2]
    results["scale_factor"] = (1.0, 1.0)
    return results
