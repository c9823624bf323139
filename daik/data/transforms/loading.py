"""Reading the image of a data-list entry."""
from typing import Optional, Sequence

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
        img = read_image_rgb(results["img_path"], bands=self.bands, stretch=self.stretch)
        results["img"] = img
        results["img_shape"] = img.shape[:2]
        results["ori_shape"] = img.shape[:2]
        results["scale_factor"] = (1.0, 1.0)
        return results
