"""Merge of patch detections back to whole scenes.

A scene split into patches named by :mod:`daik.evaluation.patch_names` (``img_id``, ``rate``,
``x``, ``y``: the patch's top-left corner in the scene rescaled by ``rate``) gets its patch
detections shifted by ``(x, y)`` and divided by ``rate``, then rotated NMS per scene and class
(``daik.ops.batched_nms_rotated``) removes the copies that overlapping patches found twice.
mmrotate merges DOTA with an IoU threshold of 0.1, the default here.
"""
from collections import defaultdict
from pathlib import Path
from typing import Dict, Iterable, List, NamedTuple, Sequence, Tuple

import numpy as np
import torch

from daik.ops import batched_nms_rotated
from daik.structures import poly2rbox, rbox2poly

from .dota_io import ClassDetections, read_task1_dir, write_task1_files
from .patch_names import PatchName, parse_patch_name


class Detections(NamedTuple):
    """Detections of one image: ``bboxes`` float64 ``(K, 5)`` rboxes, ``scores`` ``(K,)``,
    ``labels`` int64 ``(K,)``."""

    bboxes: np.ndarray
    scores: np.ndarray
    labels: np.ndarray


def patch_to_scene(rboxes: np.ndarray, patch: PatchName) -> np.ndarray:
    """Rboxes ``(K, 5)`` of a patch in the coordinates of the full-resolution scene."""
    out = np.array(rboxes, dtype=np.float64).reshape(-1, 5)
    out[:, 0] += patch.x
    out[:, 1] += patch.y
    out[:, :4] /= patch.rate
    return out


def patch_polys_to_scene(polys: np.ndarray, patch: PatchName) -> np.ndarray:
    """Polygons ``(K, 8)`` of a patch in the coordinates of the full-resolution scene."""
    out = np.array(polys, dtype=np.float64).reshape(-1, 8)
    out[:, 0::2] += patch.x
    out[:, 1::2] += patch.y
    return out / patch.rate


def nms_keep(bboxes: np.ndarray, scores: np.ndarray, labels: np.ndarray, iou_thr: float) -> np.ndarray:
    """Indices kept by rotated NMS per label, by descending score: ``(K,)`` int64."""
    if len(scores) == 0:
        return np.zeros(0, dtype=np.int64)
    keep = batched_nms_rotated(torch.from_numpy(np.ascontiguousarray(bboxes, dtype=np.float64)),
                               torch.from_numpy(np.ascontiguousarray(scores, dtype=np.float64)),
                               torch.from_numpy(np.ascontiguousarray(labels, dtype=np.int64)), iou_thr)
    return keep.numpy()


def merge_patch_results(patch_results: Iterable[Tuple[str, np.ndarray, np.ndarray, np.ndarray]],
                        iou_thr: float = 0.1) -> Dict[str, Detections]:
    """Merge per-patch detections into per-scene detections.

    Args:
        patch_results: ``(patch_name, bboxes (K, 5), scores (K,), labels (K,))`` per patch,
            boxes in patch coordinates. A name that is not a patch name is taken as a whole
            image (offset 0, rate 1).
        iou_thr: rotated NMS threshold (a box is dropped above it).

    Returns:
        ``{img_id: Detections}`` in scene coordinates, each by descending score.
    """
    groups = defaultdict(list)
    for name, bboxes, scores, labels in patch_results:
        patch = _parse(name)
        k = len(np.asarray(scores).reshape(-1))
        groups[patch.img_id].append((patch_to_scene(bboxes, patch), np.asarray(scores, np.float64).reshape(k),
                                     np.asarray(labels, np.int64).reshape(k)))
    out = {}
    for img_id, parts in groups.items():
        bboxes, scores, labels = (np.concatenate(x) for x in zip(*parts))
        keep = nms_keep(bboxes, scores, labels, iou_thr)
        out[img_id] = Detections(bboxes[keep], scores[keep], labels[keep])
    return out


def _parse(name: str) -> PatchName:
    """The patch a name stands for; a plain image id is a whole image (offset 0, rate 1)."""
    try:
        return parse_patch_name(name)
    except ValueError:
        return PatchName(name, 1.0, 0, 0)


def scene_id(name: str) -> str:
    """The scene a patch (or whole-image) name belongs to."""
    return _parse(name).img_id


def to_class_detections(dets: Dict[str, Detections], class_names: Sequence[str]) -> Dict[str, ClassDetections]:
    """``{class: ClassDetections}`` (polygons) from ``{img_id: Detections}``; order: images
    in dict order, each image's detections in their order."""
    per_class: Dict[str, List[ClassDetections]] = {n: [] for n in class_names}
    for img_id, d in dets.items():
        polys = rbox2poly(np.asarray(d.bboxes, dtype=np.float64).reshape(-1, 5)).reshape(-1, 8)
        for c, name in enumerate(class_names):
            sel = np.asarray(d.labels) == c
            if sel.any():
                per_class[name].append(ClassDetections(np.full(int(sel.sum()), img_id), d.scores[sel], polys[sel]))
    return {n: ClassDetections.concat(p) for n, p in per_class.items()}


def merge_task1_dir(src_dir, dst_dir, class_names: Sequence[str], iou_thr: float = 0.1) -> List[Path]:
    """Merge patch-level Task1 files into scene-level Task1 files.

    NMS decides on the minimum-area rectangles of the polygons (``poly2rbox``); the kept
    detections are written with their own polygons, shifted and rescaled.

    Args:
        src_dir: ``Task1_<class>.txt`` whose image ids are patch names.
        dst_dir: where the merged ``Task1_<class>.txt`` go.
        class_names: classes to merge (a missing file counts as no detections).
        iou_thr: rotated NMS threshold.

    Returns:
        The written paths.
    """
    src = read_task1_dir(src_dir, class_names)
    merged = {}
    for name, d in src.items():
        if d is None or len(d) == 0:
            merged[name] = ClassDetections.empty()
            continue
        uniq, inverse = np.unique(d.img_ids, return_inverse=True)
        patches = [_parse(i) for i in uniq.tolist()]
        scene_ids = np.array([p.img_id for p in patches], dtype=str)[inverse]  # (D,)
        shift = np.array([(p.x, p.y) for p in patches], dtype=np.float64)[inverse]  # (D, 2)
        rate = np.array([p.rate for p in patches], dtype=np.float64)[inverse, None]  # (D, 1)
        polys = (d.polys + np.tile(shift, 4)) / rate  # (D, 8)
        parts = []
        for img_id in dict.fromkeys(scene_ids.tolist()):
            idx = np.flatnonzero(scene_ids == img_id)
            keep = idx[nms_keep(poly2rbox(polys[idx]), d.scores[idx], np.zeros(len(idx), np.int64), iou_thr)]
            parts.append(ClassDetections(scene_ids[keep], d.scores[keep], polys[keep]))
        merged[name] = ClassDetections.concat(parts)
    return write_task1_files(merged, dst_dir, class_names)
