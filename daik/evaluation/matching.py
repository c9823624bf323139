"""Matching of one class's detections to ground truth, by DOTA_devkit's rules.

For each detection, DOTA_devkit's ``voc_eval`` keeps the ground-truth boxes of the same image
whose horizontal bounding boxes overlap (the VOC pixel form with ``+1``), takes the polygon
IoU with those, and records the best (``ovmax``) and the first ground truth reaching it
(``jmax``). Neither depends on the order of the detections, so :func:`best_overlaps` computes
them for a whole image at once. The greedy part that does depend on the order -- going down
the detections by descending score, a hit on a ground truth already taken is a duplicate --
is :func:`tp_fp`, run once per IoU threshold.
"""
from dataclasses import dataclass
from typing import Dict, Tuple

import numpy as np

from daik.ops import poly_iou

from .dota_io import ClassDetections

# Pairs (detections x ground truth) considered per poly_iou call; rows are sorted along x so
# each chunk meets a narrow strip of ground truth in crowded images.
_PAIRS_PER_CALL = 1 << 16


def _hbb(polys: np.ndarray) -> Tuple[np.ndarray, ...]:
    xs, ys = polys[:, 0::2], polys[:, 1::2]
    return xs.min(1), ys.min(1), xs.max(1), ys.max(1)


def hbb_prefilter(det_polys: np.ndarray, gt_polys: np.ndarray) -> np.ndarray:
    """DOTA_devkit's candidate test: VOC horizontal-box IoU (``+1`` pixel form) > 0.

    Args:
        det_polys: float64 ``(N, 8)``.
        gt_polys: float64 ``(M, 8)``.

    Returns:
        bool ``(N, M)``.
    """
    gx0, gy0, gx1, gy1 = (v[None, :] for v in _hbb(gt_polys))  # (1, M)
    bx0, by0, bx1, by1 = (v[:, None] for v in _hbb(det_polys))  # (N, 1)
    iw = np.maximum(np.minimum(gx1, bx1) - np.maximum(gx0, bx0) + 1.0, 0.0)
    ih = np.maximum(np.minimum(gy1, by1) - np.maximum(gy0, by0) + 1.0, 0.0)
    inters = iw * ih  # (N, M)
    uni = (bx1 - bx0 + 1.0) * (by1 - by0 + 1.0) + (gx1 - gx0 + 1.0) * (gy1 - gy0 + 1.0) - inters
    return inters / uni > 0


def best_overlaps(det_polys: np.ndarray, gt_polys: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Best polygon IoU of each detection with the ground truth of its image.

    Args:
        det_polys: float64 ``(N, 8)`` detections of one class in one image.
        gt_polys: float64 ``(M, 8)`` ground truth of that class in that image.

    Returns:
        ``ovmax`` float64 ``(N,)`` (``-inf`` where no ground truth passes the prefilter) and
        ``jmax`` int64 ``(N,)``, the first ground truth reaching ``ovmax`` (``-1`` when none).
    """
    n, m = len(det_polys), len(gt_polys)
    ovmax = np.full(n, -np.inf)
    jmax = np.full(n, -1, dtype=np.int64)
    if n == 0 or m == 0:
        return ovmax, jmax
    chunk = max(8, _PAIRS_PER_CALL // m)
    order = np.argsort(det_polys[:, 0::2].mean(1), kind="stable")  # along x
    for start in range(0, n, chunk):
        rows = order[start:start + chunk]
        cand = hbb_prefilter(det_polys[rows], gt_polys)  # (r, M)
        cols = np.flatnonzero(cand.any(0))
        if len(cols) == 0:
            continue
        # ground truth first, as the devkit calls iou_poly(gt, det)
        iou = poly_iou(gt_polys[cols], det_polys[rows]).T  # (r, c)
        ov = np.where(cand[:, cols], iou, -np.inf)
        has = cand[:, cols].any(1)
        ovmax[rows[has]] = ov[has].max(1)
        jmax[rows[has]] = cols[ov[has].argmax(1)]
    return ovmax, jmax


@dataclass
class ClassMatches:
    """One class's detections, sorted as the devkit sorts them, with their best matches.

    Attributes:
        scores: float64 ``(D,)`` by descending score.
        img_ids: ``(D,)`` image ids in that order.
        ovmax: float64 ``(D,)`` best IoU (``-inf``: no candidate).
        gt_index: int64 ``(D,)`` index of the best ground truth in this class's flat list
            of ground truth (``-1``: none).
        gt_difficult: bool ``(G,)`` the flat list's difficult flags.
        npos: number of non-difficult ground truth.
    """

    scores: np.ndarray
    img_ids: np.ndarray
    ovmax: np.ndarray
    gt_index: np.ndarray
    gt_difficult: np.ndarray
    npos: int


def match_class(dets: ClassDetections, gts: Dict[str, Tuple[np.ndarray, np.ndarray]]) -> ClassMatches:
    """Best matches of one class's detections.

    Args:
        dets: the class's detections; every ``img_id`` must be a key of ``gts``.
        gts: ``{img_id: (polys (M, 8), difficult (M,))}`` of this class, for every image of
            the evaluated set (``M`` may be 0).

    Returns:
        :class:`ClassMatches`.
    """
    offsets, off = {}, 0
    for img_id, (polys, _) in gts.items():
        offsets[img_id] = off
        off += len(polys)
    gt_difficult = np.concatenate([d for _, d in gts.values()]) if gts else np.zeros(0, dtype=bool)
    ovmax = np.full(len(dets), -np.inf)
    gt_index = np.full(len(dets), -1, dtype=np.int64)
    if len(dets):
        uniq, inverse = np.unique(dets.img_ids, return_inverse=True)
        by_image = np.argsort(inverse, kind="stable")
        bounds = np.searchsorted(inverse[by_image], np.arange(len(uniq) + 1))
        for k, img_id in enumerate(uniq.tolist()):
            idx = by_image[bounds[k]:bounds[k + 1]]
            ov, j = best_overlaps(dets.polys[idx], gts[img_id][0])
            ovmax[idx] = ov
            gt_index[idx] = np.where(j >= 0, j + offsets[img_id], -1)
    order = np.argsort(-dets.scores)  # the devkit's call: ties fall as they fall there
    return ClassMatches(dets.scores[order], dets.img_ids[order], ovmax[order], gt_index[order],
                        gt_difficult, int((~gt_difficult).sum()))


def tp_fp(matches: ClassMatches, iou_thr: float) -> Tuple[np.ndarray, np.ndarray]:
    """True and false positive flags at one IoU threshold, by the devkit's greedy rule.

    A detection is a hit when ``ovmax > iou_thr`` (strictly). A hit on a difficult ground
    truth is neither TP nor FP; the first hit on a non-difficult one is TP and later hits on
    it are FP (duplicates); a miss is FP.

    Returns:
        float64 ``tp`` and ``fp``, each ``(D,)`` of 0/1, in score order.
    """
    hit = matches.ovmax > iou_thr  # (D,)
    tp = np.zeros(len(hit))
    fp = np.zeros(len(hit))
    fp[~hit] = 1.0
    idx = np.flatnonzero(hit)
    idx = idx[~matches.gt_difficult[matches.gt_index[idx]]]  # hits on difficult GT: ignored
    _, first = np.unique(matches.gt_index[idx], return_index=True)
    tp[idx[first]] = 1.0
    fp[idx] = 1.0 - tp[idx]
    return tp, fp


def precision_recall(tp: np.ndarray, fp: np.ndarray, npos: int) -> Tuple[np.ndarray, np.ndarray]:
    """Cumulative recall and precision as the devkit computes them (``npos > 0``)."""
    fp = np.cumsum(fp)
    tp = np.cumsum(tp)
    rec = tp / float(npos)
    prec = tp / np.maximum(tp + fp, np.finfo(np.float64).eps)
    return rec, prec
