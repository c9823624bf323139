"""Rasters and patch functions for the tiled-inference tests."""
import os
from typing import List, Optional, Sequence

import cv2
import numpy as np
import rasterio
from rasterio.transform import Affine
from shapely.geometry import Polygon, box as shapely_box

from daik.structures import poly2rbox, rbox2poly


class GTOracle:
    """A patch function that "detects" the ground truth: every object with at least
    ``min_frac`` of its area inside the window, its whole box in patch pixels, scored by the
    visible fraction (so the merge has a best copy to keep).

    Args:
        rboxes: ``(N, 5)`` ground truth in scene pixels.
        labels: ``(N,)``.
    """

    def __init__(self, rboxes: np.ndarray, labels: np.ndarray, min_frac: float = 0.7):
        self.rboxes, self.labels, self.min_frac = np.asarray(rboxes, np.float64), np.asarray(labels), min_frac
        self.calls: List = []

    def __call__(self, images, jobs):
        out = []
        for img, job in zip(images, jobs):
            self.calls.append(job)
            scaled = self.rboxes.copy()
            scaled[:, :4] *= job.rate
            win = shapely_box(job.x, job.y, job.x + job.size, job.y + job.size)
            polys = rbox2poly(scaled).reshape(-1, 4, 2)
            frac = np.array([Polygon(p).intersection(win).area / max(Polygon(p).area, 1e-9) for p in polys])
            keep = frac >= self.min_frac
            b = scaled[keep].copy()
            b[:, 0] -= job.x
            b[:, 1] -= job.y
            out.append((b, 0.5 + 0.5 * frac[keep], self.labels[keep]))
        return out


def blob_patch_fn(images, jobs=None, thr: int = 128):
    """A patch function that finds bright rectangles: min-area rectangles of the connected
    components brighter than ``thr`` (mean of the bands), label 0, score 1; components that
    touch the patch border are left to the window that holds them whole."""
    out = []
    for img in images:
        grey = img.astype(np.float32).mean(-1)
        mask = (grey > thr).astype(np.uint8)
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        boxes = []
        h, w = mask.shape
        for c in contours:
            x, y, cw, ch = cv2.boundingRect(c)
            if x == 0 or y == 0 or x + cw >= w or y + ch >= h or cv2.contourArea(c) < 20:
                continue
            boxes.append(cv2.boxPoints(cv2.minAreaRect(c)).reshape(8))
        b = poly2rbox(np.array(boxes, np.float64).reshape(-1, 8))
        out.append((b, np.ones(len(b)), np.zeros(len(b), np.int64)))
    return out


def draw_blobs(shape, rects: Sequence[Sequence[float]], value: float = 1.0, background: float = 0.0) -> np.ndarray:
    """A ``(H, W)`` float image with filled rotated rectangles ``(cx, cy, w, h, theta)``."""
    img = np.full(shape, background, np.float32)
    for r in rects:
        poly = rbox2poly(np.asarray(r, np.float64)[None]).reshape(4, 2)
        # pixel centres are at +0.5 in daik's continuous coordinates
        cv2.fillPoly(img, [np.round((poly - 0.5) * 16).astype(np.int32)], float(value), shift=4)
    return img


def write_geotiff(path: str, bands: np.ndarray, transform: Optional[Affine] = None, crs: str = "EPSG:32633",
                  nodata=None, tiled: bool = True, bigtiff: bool = False, photometric: Optional[str] = None) -> str:
    """Write ``(C, H, W)`` bands as a GeoTIFF (tiled 128 x 128 by default)."""
    c, h, w = bands.shape
    profile = dict(driver="GTiff", width=w, height=h, count=c, dtype=bands.dtype.name, crs=crs,
                   transform=transform or Affine(0.5, 0.0, 500000.0, 0.0, -0.5, 4500000.0), nodata=nodata)
    if tiled:
        profile.update(tiled=True, blockxsize=128, blockysize=128)
    if bigtiff:
        profile["BIGTIFF"] = "YES"
    if photometric:
        profile["photometric"] = photometric
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(bands)
    return path


def match_once(det_boxes: np.ndarray, det_labels: np.ndarray, gt_boxes: np.ndarray, gt_labels: np.ndarray,
               iou_thr: float = 0.95) -> np.ndarray:
    """For each GT the index of the one detection that matches it (IoU > ``iou_thr``, same
    label); raises AssertionError when a GT is matched zero or several times or a detection
    matches no GT."""
    import torch

    from daik.ops import box_iou_rotated

    iou = box_iou_rotated(torch.tensor(gt_boxes, dtype=torch.float64).reshape(-1, 5),
                          torch.tensor(det_boxes, dtype=torch.float64).reshape(-1, 5)).numpy()
    hit = (iou > iou_thr) & (np.asarray(gt_labels)[:, None] == np.asarray(det_labels)[None, :])
    per_gt = hit.sum(1)
    assert (per_gt == 1).all(), f"GT matched {per_gt.tolist()} times"
    assert (hit.sum(0) == 1).all(), f"detections without (or with several) GT: {np.flatnonzero(hit.sum(0) != 1)}"
    return hit.argmax(1)
