"""Transforms that move pixels, and the boxes with them (box maths: :mod:`daik.structures`).

Coordinates are continuous, as in :mod:`daik.structures.geometric`: pixel ``(i, j)`` covers
``[j, j+1] x [i, i+1]``. Boxes stay regularised le90, ``(N, 5)`` float32.
"""
import math
from typing import Sequence, Tuple, Union

import cv2
import numpy as np

from daik.registry import TRANSFORMS
from daik.structures import flip_rboxes, poly2rbox, rbox2poly, rot90_rboxes, rotate_rboxes

from ..geometry import rboxes_fraction_inside
from .base import BaseTransform, check_boxes_follow, keep_instances

INTERPOLATIONS = dict(nearest=cv2.INTER_NEAREST, bilinear=cv2.INTER_LINEAR, bicubic=cv2.INTER_CUBIC,
                      area=cv2.INTER_AREA)


def _interp(name: str) -> int:
    if name not in INTERPOLATIONS:
        raise ValueError(f"interpolation must be one of {sorted(INTERPOLATIONS)}, got {name!r}")
    return INTERPOLATIONS[name]


def _boxes(results: dict) -> np.ndarray:
    return np.asarray(results.get("gt_rboxes", np.zeros((0, 5), np.float32)), dtype=np.float32).reshape(-1, 5)


def scale_rboxes(rboxes: np.ndarray, sx: float, sy: float) -> np.ndarray:
    """Boxes of an image scaled by ``(sx, sy)``: ``(N, 5) -> (N, 5)``.

    Exact for ``sx == sy``; otherwise each box becomes a parallelogram, replaced by its
    minimum-area rectangle.
    """
    if len(rboxes) == 0:
        return rboxes.reshape(0, 5).astype(np.float32)
    polys = rbox2poly(rboxes.astype(np.float64))  # (N, 8)
    polys[:, 0::2] *= sx
    polys[:, 1::2] *= sy
    return poly2rbox(polys).astype(np.float32)


@TRANSFORMS.register_module()
class RandomFlip(BaseTransform):
    """Flip with probability ``prob``, the direction drawn uniformly from ``direction``.

    ``horizontal`` is ``img[:, ::-1]``, ``vertical`` is ``img[::-1]``, ``diagonal`` both.
    """

    def __init__(self, prob: float = 0.5, direction: Union[str, Sequence[str]] = "horizontal"):
        self.prob = prob
        self.direction = [direction] if isinstance(direction, str) else list(direction)
        for d in self.direction:
            if d not in ("horizontal", "vertical", "diagonal"):
                raise ValueError(f"flip direction must be horizontal, vertical or diagonal, got {d!r}")

    def transform(self, results: dict) -> dict:
        results.pop("gt_polys", None)  # a training augmentation: polygons are for validation only
        if np.random.rand() >= self.prob:
            return results
        check_boxes_follow(results, "RandomFlip")
        d = self.direction[np.random.randint(len(self.direction))]
        img = results["img"]
        flipped = {"horizontal": img[:, ::-1], "vertical": img[::-1], "diagonal": img[::-1, ::-1]}[d]
        results["img"] = np.ascontiguousarray(flipped)
        results["gt_rboxes"] = flip_rboxes(_boxes(results), img.shape[:2], d).astype(np.float32)
        results["flip_direction"] = d
        return results


@TRANSFORMS.register_module()
class RandomRotate90(BaseTransform):
    """With probability ``prob``, turn by 1, 2 or 3 quarter turns (``np.rot90``, drawn uniformly)."""

    def __init__(self, prob: float = 0.5):
        self.prob = prob

    def transform(self, results: dict) -> dict:
        results.pop("gt_polys", None)  # a training augmentation: polygons are for validation only
        if np.random.rand() >= self.prob:
            return results
        check_boxes_follow(results, "RandomRotate90")
        k = int(np.random.randint(1, 4))
        img = results["img"]
        results["gt_rboxes"] = rot90_rboxes(_boxes(results), img.shape[:2], k).astype(np.float32)
        results["img"] = np.ascontiguousarray(np.rot90(img, k))
        results["img_shape"] = results["img"].shape[:2]
        return results


@TRANSFORMS.register_module()
class RandomRotate(BaseTransform):
    """With probability ``prob``, turn by an angle drawn from ``[-angle_range, angle_range]`` degrees
    about the image centre, keeping the canvas size (corners fill with ``border_value``).

    Out-of-image rule: a box whose area lies less than ``min_inside`` inside the canvas after
    the turn is dropped; the others are kept whole (not clipped), as annotated objects cut by
    the image border are in DOTA.
    """

    def __init__(self, prob: float = 0.5, angle_range: float = 180.0, min_inside: float = 0.5,
                 interpolation: str = "bilinear", border_value: int = 0):
        self.prob = prob
        self.angle_range = angle_range
        self.min_inside = min_inside
        self.interpolation = interpolation
        self.border_value = border_value
        _interp(interpolation)

    def transform(self, results: dict) -> dict:
        results.pop("gt_polys", None)  # a training augmentation: polygons are for validation only
        if np.random.rand() >= self.prob:
            return results
        check_boxes_follow(results, "RandomRotate")
        angle = float(np.random.uniform(-self.angle_range, self.angle_range))
        return rotate_results(results, angle, self.min_inside, self.interpolation, self.border_value)


def rotate_results(results: dict, angle_deg: float, min_inside: float = 0.5, interpolation: str = "bilinear",
                   border_value: int = 0) -> dict:
    """Turn image and boxes by ``angle_deg`` (positive: clockwise on screen) about the centre."""
    img = results["img"]
    h, w = img.shape[:2]
    # cv2 measures from pixel centres and turns counter-clockwise for positive angles.
    m = cv2.getRotationMatrix2D(((w - 1) / 2.0, (h - 1) / 2.0), -angle_deg, 1.0)
    results["img"] = cv2.warpAffine(img, m, (w, h), flags=_interp(interpolation),
                                    borderMode=cv2.BORDER_CONSTANT, borderValue=(border_value,) * 3)
    boxes = rotate_rboxes(_boxes(results), math.radians(angle_deg), (w / 2.0, h / 2.0)).astype(np.float32)
    results["gt_rboxes"] = boxes
    keep_instances(results, rboxes_fraction_inside(boxes, (0, 0, w, h)) >= min_inside)
    return results


def rescale_size(w: int, h: int, scale: Union[int, Tuple[int, int]], keep_ratio: bool) -> Tuple[int, int]:
    """New ``(w, h)``: ``scale`` is ``(w, h)`` or an int for a square; with ``keep_ratio`` the image
    is fitted inside it (long side to the long side of ``scale``, short within the short)."""
    tw, th = (scale, scale) if isinstance(scale, int) else (int(scale[0]), int(scale[1]))
    if not keep_ratio:
        return tw, th
    f = min(max(tw, th) / max(w, h), min(tw, th) / min(w, h))
    return max(int(w * f + 0.5), 1), max(int(h * f + 0.5), 1)


@TRANSFORMS.register_module()
class Resize(BaseTransform):
    """Resize to ``scale`` (``(w, h)`` or an int), keeping the aspect ratio by default.

    ``scale_factor`` becomes ``(new_w / w, new_h / h)`` times any earlier factor. With
    ``resize_boxes=True`` (training) the boxes move with the image; with ``False``
    (validation / test) they stay in original-image coordinates, where predictions are
    reported, and ``gt_in_original`` is set.
    """

    def __init__(self, scale: Union[int, Tuple[int, int]], keep_ratio: bool = True, resize_boxes: bool = True,
                 interpolation: str = "bilinear"):
        self.scale = scale if isinstance(scale, int) else tuple(scale)
        self.keep_ratio = keep_ratio
        self.resize_boxes = resize_boxes
        self.interpolation = interpolation
        _interp(interpolation)

    def transform(self, results: dict) -> dict:
        img = results["img"]
        h, w = img.shape[:2]
        nw, nh = rescale_size(w, h, self.scale, self.keep_ratio)
        sx, sy = nw / w, nh / h
        if (nw, nh) != (w, h):
            # OpenCV's INTER_NEAREST resize is off by half a pixel; NEAREST_EXACT samples pixel centres.
            flag = cv2.INTER_NEAREST_EXACT if self.interpolation == "nearest" else _interp(self.interpolation)
            results["img"] = cv2.resize(img, (nw, nh), interpolation=flag)
        results["img_shape"] = (nh, nw)
        old = results.get("scale_factor", (1.0, 1.0))
        results["scale_factor"] = (old[0] * sx, old[1] * sy)
        if self.resize_boxes:
            check_boxes_follow(results, "Resize(resize_boxes=True)")  # drops gt_polys
            results["gt_rboxes"] = scale_rboxes(_boxes(results), sx, sy)
        else:
            results["gt_in_original"] = True
        return results


@TRANSFORMS.register_module()
class Pad(BaseTransform):
    """Pad bottom and right to ``size`` (``(w, h)`` or an int), then up to a multiple of
    ``size_divisor``; boxes do not move. Sets ``pad_shape``."""

    def __init__(self, size: Union[int, Tuple[int, int], None] = None, size_divisor: int = None, pad_val: int = 0):
        if size is None and size_divisor is None:
            raise ValueError("Pad needs size or size_divisor")
        self.size = (size, size) if isinstance(size, int) else (None if size is None else tuple(size))
        self.size_divisor = size_divisor
        self.pad_val = pad_val

    def transform(self, results: dict) -> dict:
        img = results["img"]
        h, w = img.shape[:2]
        tw, th = (w, h) if self.size is None else (max(w, self.size[0]), max(h, self.size[1]))
        if self.size_divisor:
            d = self.size_divisor
            tw, th = -(-tw // d) * d, -(-th // d) * d
        if (tw, th) != (w, h):
            img = cv2.copyMakeBorder(img, 0, th - h, 0, tw - w, cv2.BORDER_CONSTANT, value=(self.pad_val,) * 3)
        results["img"] = img
        results["pad_shape"] = (th, tw)
        return results
