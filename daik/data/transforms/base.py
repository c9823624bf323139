"""The transform interface and the keys transforms share.

mmengine 0.10 composes any callable ``results -> results`` (``mmengine.dataset.Compose``);
the ``BaseTransform`` class itself lives in mmcv, which daik does not depend on, so daik
defines the same small interface here: ``transform(results)`` does the work, ``__call__``
runs it, and returning ``None`` asks the data set for another image (training only).

Keys of ``results`` (besides the data-list keys of :mod:`daik.data.datasets.base`):

- ``img``: ``(H, W, 3)`` uint8 RGB; ``img_shape`` ``(H, W)`` now; ``ori_shape`` ``(H, W)``
  as read; ``pad_shape`` ``(H, W)`` after padding; ``scale_factor`` ``(sx, sy)`` from the
  original image to ``img``.
- ``gt_in_original``: True once a ``Resize(resize_boxes=False)`` left the boxes in
  original-image coordinates (validation / test); a transform that moves pixels afterwards
  raises rather than silently misplacing the boxes.
"""
from abc import ABCMeta, abstractmethod
from typing import Optional

import numpy as np


class BaseTransform(metaclass=ABCMeta):
    """A data-pipeline step: ``results -> results`` (or None to skip the image)."""

    def __call__(self, results: dict) -> Optional[dict]:
        return self.transform(results)

    @abstractmethod
    def transform(self, results: dict) -> Optional[dict]:
        """Apply the step to ``results`` (modified in place and returned)."""

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({args})"


def check_boxes_follow(results: dict, name: str) -> None:
    """Raise if boxes were left in original coordinates and ``name`` is about to move pixels;
    otherwise drop ``gt_polys``, which only hold in original coordinates."""
    results.pop("gt_polys", None)
    if results.get("gt_in_original", False):
        raise RuntimeError(f"{name} moves pixels, but an earlier Resize(resize_boxes=False) left the "
                           "boxes in original-image coordinates; put geometric augmentation before it")


def keep_instances(results: dict, keep: np.ndarray) -> None:
    """Keep only the instances where ``keep`` (``(N,)`` bool) is True."""
    for key in ("gt_rboxes", "gt_labels", "gt_difficult", "gt_polys"):
        if key in results:
            results[key] = results[key][keep]
