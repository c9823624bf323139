"""Where a detector's oriented boxes miss: the error of each ground truth's closest detection.

mAP says how much a student trails its teacher; it does not say whether the student points its
boxes the wrong way, puts them off centre or draws them too fat. For every (non-difficult)
ground truth of a class this finds the detection of that class, any score, with the largest
polygon IoU (DOTA_devkit's IoU, :func:`daik.ops.poly_iou`) and records, from the two boxes'
minimum-area rectangles:

- ``iou``: that IoU (0 where no detection overlaps);
- ``angle``: the long sides' angle difference in degrees, in [0, 90] (arbitrary for a round or
  square object: :func:`summarise` leaves those out of its angle columns);
- ``centre``: centre distance in pixels;
- ``long`` / ``short``: the detection's long and short side over the ground truth's;
- ``score``: the detection's score; ``aspect``: the ground truth's long over short side.

:func:`summarise` reduces them per class to recall at IoU 0.3 and 0.5 (the closest detection,
any score) and medians over the ground truths that a detection overlaps. ``daik errors``
(:mod:`daik.cli.errors`) writes them for several detectors side by side.
"""
import math
from pathlib import Path
from typing import Dict, Optional, Sequence, Union

import numpy as np
import torch

from daik.ops import poly_iou
from daik.structures import poly2rbox

from .dota_io import TASK1_PREFIX, read_task1_dir
from .rbbox_map import read_annotations

FIELDS = ("iou", "score", "angle", "centre", "long", "short", "aspect")
PathLike = Union[str, Path]


def _long_side(polys: np.ndarray) -> np.ndarray:
    """``(N, 8)`` -> ``(N, 5)`` ``cx, cy, long, short, angle of the long side (radians)``: the
    regularised le90 box of :func:`daik.structures.poly2rbox` (``w >= h``)."""
    return poly2rbox(torch.as_tensor(polys, dtype=torch.float64).reshape(-1, 8)).numpy()


def pair_errors(det_polys: np.ndarray, gt_polys: np.ndarray) -> Dict[str, np.ndarray]:
    """Errors of ``det_polys (N, 8)`` against ``gt_polys (N, 8)``, pair by pair (no IoU, score)."""
    d, g = _long_side(det_polys), _long_side(gt_polys)
    diff = np.remainder(d[:, 4] - g[:, 4], math.pi)
    return {"angle": np.degrees(np.minimum(diff, math.pi - diff)),
            "centre": np.hypot(d[:, 0] - g[:, 0], d[:, 1] - g[:, 1]),
            "long": d[:, 2] / np.maximum(g[:, 2], 1e-9), "short": d[:, 3] / np.maximum(g[:, 3], 1e-9),
            "aspect": g[:, 2] / np.maximum(g[:, 3], 1e-9)}


def match_errors(det_dir: PathLike, ann_dir: PathLike, class_names: Optional[Sequence[str]] = None,
                 ) -> Dict[str, Dict[str, np.ndarray]]:
    """``{class: {field: (G,)}}`` over the class's non-difficult ground truths (see the module).

    Args:
        det_dir: folder of ``Task1_<class>.txt`` files; a class without one has no detections.
        ann_dir: DOTA ``labelTxt`` folder of the same images.
        class_names: classes to read (default: those of the Task1 files in ``det_dir``).

    Fields without a detection (``iou`` 0) are NaN, ``aspect`` always set.
    """
    det_dir = Path(det_dir)
    if not det_dir.is_dir():
        raise FileNotFoundError(f"detection folder {det_dir} does not exist")
    if class_names is None:
        class_names = sorted(p.stem[len(TASK1_PREFIX):] for p in det_dir.glob(f"{TASK1_PREFIX}*.txt"))
        if not class_names:
            raise FileNotFoundError(f"no {TASK1_PREFIX}<class>.txt files in {det_dir}")
    anns = read_annotations(ann_dir)
    dets = read_task1_dir(det_dir, class_names)
    out = {}
    for name in class_names:
        cls_dets = dets[name]
        rows = []
        for img_id, ann in anns.items():
            keep = (ann.names == name) & ~ann.difficult
            if not keep.any():
                continue
            gts = ann.polys[keep]
            errs = {k: np.full(len(gts), np.nan) for k in FIELDS}
            errs["iou"] = np.zeros(len(gts))
            errs["aspect"] = pair_errors(gts, gts)["aspect"]
            if cls_dets is not None:
                mine = cls_dets.img_ids == img_id
                if mine.any():
                    polys, scores = cls_dets.polys[mine], cls_dets.scores[mine]
                    iou = np.nan_to_num(poly_iou(gts, polys))  # (M, D)
                    best = iou.argmax(1)
                    hit = iou[np.arange(len(gts)), best] > 0
                    errs["iou"] = np.where(hit, iou[np.arange(len(gts)), best], 0.0)
                    errs["score"][hit] = scores[best[hit]]
                    for k, v in pair_errors(polys[best[hit]], gts[hit]).items():
                        if k != "aspect":
                            errs[k][hit] = v
            rows.append(errs)
        out[name] = {k: np.concatenate([r[k] for r in rows]) if rows else np.zeros(0) for k in FIELDS}
    return out


def summarise(errors: Dict[str, Dict[str, np.ndarray]], min_aspect: float = 1.2) -> Dict[str, Dict[str, float]]:
    """Per class: ``n`` ground truths, ``recall@0.3`` / ``recall@0.5`` of their closest
    detections, and over the ground truths some detection overlaps, the medians of ``iou``,
    ``centre``, ``long``, ``short`` and ``aspect``; ``angle`` (median and 75th percentile
    ``angle_p75``) over those of them whose aspect ratio is at least ``min_aspect`` (a round or
    square object has no direction: its angle error is arbitrary), NaN if none. A hit needs IoU
    above the threshold, as in DOTA_devkit."""
    out = {}
    for name, e in errors.items():
        n = len(e["iou"])
        hit = e["iou"] > 0
        pointed = hit & (e["aspect"] >= min_aspect)
        row = {"n": n, "recall@0.3": float(np.mean(e["iou"] > 0.3)) if n else math.nan,
               "recall@0.5": float(np.mean(e["iou"] > 0.5)) if n else math.nan}
        for k in ("iou", "centre", "long", "short", "aspect"):
            row[k] = float(np.median(e[k][hit])) if hit.any() else math.nan
        row["angle"] = float(np.median(e["angle"][pointed])) if pointed.any() else math.nan
        row["angle_p75"] = float(np.percentile(e["angle"][pointed], 75)) if pointed.any() else math.nan
        out[name] = row
    return out
