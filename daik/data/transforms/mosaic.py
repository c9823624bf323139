"""Mosaic: four training images on one canvas (needs :class:`daik.data.MultiImageMixDataset`)."""
from typing import Sequence, Tuple

import cv2
import numpy as np

from daik.registry import TRANSFORMS

from ..geometry import rboxes_fraction_inside
from .base import BaseTransform, check_boxes_follow
from .geometric import rescale_size, scale_rboxes


def _place(i: int, xc: int, yc: int, nw: int, nh: int) -> Tuple[int, int]:
    """Top-left corner of image ``i`` around the mosaic centre: 0 top-left, 1 top-right,
    2 bottom-left, 3 bottom-right (each image touches the centre with one corner)."""
    return (xc - nw if i in (0, 2) else xc), (yc - nh if i in (0, 1) else yc)


@TRANSFORMS.register_module()
class Mosaic(BaseTransform):
    """Put the image and three others (``results['mix_results']``) around a random centre on a
    ``(2h, 2w)`` canvas, ``img_scale = (w, h)``.

    Each image is resized to fit in ``img_scale`` (aspect kept), placed with one corner on the
    centre and cropped by the canvas. A box whose area lies less than ``min_inside`` inside
    the visible part of its own image is dropped (the same rule as :class:`RandomRotate`).
    The output is ``(2h, 2w)``; follow it with ``Resize`` for the network size. With
    probability ``1 - prob`` the image passes unchanged.
    """

    def __init__(self, img_scale: Sequence[int] = (640, 640), center_ratio_range: Sequence[float] = (0.5, 1.5),
                 pad_val: int = 114, prob: float = 1.0, min_inside: float = 0.5):
        self.img_scale = (int(img_scale[0]), int(img_scale[1]))
        self.center_ratio_range = tuple(center_ratio_range)
        self.pad_val = pad_val
        self.prob = prob
        self.min_inside = min_inside

    def get_indexes(self, dataset) -> list:
        """Indices of the three other images, drawn uniformly from ``dataset``."""
        return [int(np.random.randint(0, len(dataset))) for _ in range(3)]

    def transform(self, results: dict) -> dict:
        mix = results.pop("mix_results", None)
        results.pop("gt_polys", None)  # a training augmentation: polygons are for validation only
        if np.random.rand() >= self.prob:
            return results
        if mix is None or len(mix) != 3:
            raise RuntimeError("Mosaic needs results['mix_results'] with 3 images: wrap the data set in "
                               "MultiImageMixDataset")
        tw, th = self.img_scale
        canvas = np.full((2 * th, 2 * tw, 3), self.pad_val, dtype=np.uint8)
        xc = int(np.random.uniform(*self.center_ratio_range) * tw)
        yc = int(np.random.uniform(*self.center_ratio_range) * th)
        boxes, labels, diffs = [], [], []
        for i, r in enumerate([results] + list(mix)):
            check_boxes_follow(r, "Mosaic")
            img = r["img"]
            h, w = img.shape[:2]
            nw, nh = rescale_size(w, h, (tw, th), keep_ratio=True)
            img = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_LINEAR) if (nw, nh) != (w, h) else img
            x1, y1 = _place(i, xc, yc, nw, nh)
            cx1, cy1, cx2, cy2 = max(x1, 0), max(y1, 0), min(x1 + nw, 2 * tw), min(y1 + nh, 2 * th)
            canvas[cy1:cy2, cx1:cx2] = img[cy1 - y1:cy2 - y1, cx1 - x1:cx2 - x1]
            b = scale_rboxes(np.asarray(r.get("gt_rboxes", np.zeros((0, 5))), np.float32).reshape(-1, 5), nw / w, nh / h)
            b[:, 0] += x1
            b[:, 1] += y1
            keep = rboxes_fraction_inside(b, (cx1, cy1, cx2, cy2)) >= self.min_inside
            boxes.append(b[keep])
            labels.append(np.asarray(r.get("gt_labels", np.zeros(0, np.int64)))[keep])
            diffs.append(np.asarray(r.get("gt_difficult", np.zeros(0, bool)))[keep])
        results["img"] = canvas
        results["img_shape"] = canvas.shape[:2]
        results["gt_rboxes"] = np.concatenate(boxes).astype(np.float32)
        results["gt_labels"] = np.concatenate(labels).astype(np.int64)
        results["gt_difficult"] = np.concatenate(diffs).astype(bool)
        return results
