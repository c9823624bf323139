"""The last pipeline step: image tensor plus :class:`~daik.structures.DetDataSample`."""
from typing import Sequence

import numpy as np
import torch

from daik.registry import TRANSFORMS
from daik.structures import DetDataSample, make_gt_instances, regularize_rboxes

from .base import BaseTransform

META_KEYS = ("img_id", "img_path", "ori_shape", "img_shape", "pad_shape", "scale_factor", "patch_offset")


@TRANSFORMS.register_module()
class PackDetInputs(BaseTransform):
    """``results -> dict(inputs=uint8 (3, H, W) RGB tensor, data_samples=DetDataSample)``.

    ``gt_instances`` come from :func:`daik.structures.make_gt_instances` (``bboxes`` ``(N, 5)``
    regularised, ``labels``, ``difficult``; empty when the entry has none), plus ``polys``
    ``(N, 8)`` when ``gt_polys`` survived the pipeline (no pixel-moving transform). Metainfo holds
    the ``meta_keys`` present in ``results``, with ``pad_shape`` defaulting to ``img_shape``
    and ``scale_factor`` to ``(1.0, 1.0)``; shapes are ``(H, W)`` tuples of ints.
    """

    def __init__(self, meta_keys: Sequence[str] = META_KEYS):
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: dict) -> dict:
        img = results["img"]
        if img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] != 3:
            raise ValueError(f"PackDetInputs expects an (H, W, 3) uint8 image, got {img.dtype} {img.shape}")
        inputs = torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))  # (3, H, W)
        results.setdefault("img_shape", img.shape[:2])
        results.setdefault("pad_shape", results["img_shape"])
        results.setdefault("scale_factor", (1.0, 1.0))
        meta = {}
        for key in self.meta_keys:
            if key not in results:
                continue
            v = results[key]
            if key.endswith("_shape"):
                v = (int(v[0]), int(v[1]))
            elif key in ("scale_factor", "patch_offset"):
                v = tuple(float(x) if key == "scale_factor" else int(x) for x in v)
            meta[key] = v
        sample = DetDataSample(metainfo=meta)
        boxes = np.asarray(results.get("gt_rboxes", np.zeros((0, 5))), dtype=np.float32).reshape(-1, 5)
        gt = make_gt_instances(regularize_rboxes(boxes), results.get("gt_labels"), results.get("gt_difficult"))
        if "gt_polys" in results:  # only present while boxes are in original coordinates
            gt.polys = torch.as_tensor(np.asarray(results["gt_polys"], np.float32).reshape(-1, 8))
        sample.gt_instances = gt
        return dict(inputs=inputs, data_samples=sample)
