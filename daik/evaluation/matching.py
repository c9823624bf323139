"""Matching of one class's detections to ground truth, by DOTA_devkit's rules.

For each detection, DOTA_devkit's ``voc_eval`` keeps the ground-truth boxes of the same image
whose horizontal bounding boxes overlap (the VOC pixel form with ``+1``), takes the polygon
IoU with those, and records the best (``ovmax``) and the first ground truth reaching it
(``jmax``). Neither depends on the order of the detections, so :func:`class_overlaps` computes
them for a whole class at once: the prefilter over all same-image pairs vectorised, then one
``poly_iou`` call per block of images on the candidates. The greedy part that does depend on the order
-- going down the detections by descending score, a hit on a ground truth already taken is a
duplicate -- is :func:`tp_fp`, run once per IoU threshold.
"""
from dataclasses import dataclass
from typing import Dict, Tuple

import numpy as np

from daik.ops import poly_iou
from daik.ops._ext import use_reference_ops

from .dota_io import ClassDetections

# Largest (detections x ground truth) block one poly_iou call gets, and largest number of
# same-image pairs tested at once; crowded images are cut into strips along x.
_PAIRS_PER_CALL = 1 << 16
_PAIRS_PER_CHUNK = 1 << 22
# Small images share a call up to this many (detections x ground truth) pairs.
_PAIRS_PER_BLOCK = 1 << 12


def hbb(polys: np.ndarray) -> np.ndarray:
    """Horizontal boxes ``(N, 4)`` as ``xmin, ymin, xmax, ymax`` of polygons ``(N, 8)``."""
    xs, ys = polys[:, 0::2], polys[:, 1::2]
    return np.stack([xs.min(1), ys.min(1), xs.max(1), ys.max(1)], axis=1)


def hbb_prefilter(det_hbb: np.ndarray, gt_hbb: np.ndarray) -> np.ndarray:
    """DOTA_devkit's candidate test: VOC horizontal-box IoU (``+1`` pixel form) > 0.

    Elementwise over broadcast shapes, with the devkit's arithmetic, operation for operation.

    Args:
        det_hbb: ``(..., 4)`` detections' horizontal boxes (:func:`hbb`).
        gt_hbb: ``(..., 4)`` ground truth's, broadcastable with ``det_hbb``.

    Returns:
        bool, the broadcast shape without the last dimension.
    """
    bx0, by0, bx1, by1 = np.moveaxis(det_hbb, -1, 0)
    gx0, gy0, gx1, gy1 = np.moveaxis(gt_hbb, -1, 0)
    iw = np.maximum(np.minimum(gx1, bx1) - np.maximum(gx0, bx0) + 1.0, 0.0)
    ih = np.maximum(np.minimum(gy1, by1) - np.maximum(gy0, by0) + 1.0, 0.0)
    inters = iw * ih
    uni = (bx1 - bx0 + 1.0) * (by1 - by0 + 1.0) + (gx1 - gx0 + 1.0) * (gy1 - gy0 + 1.0) - inters
    return inters / uni > 0


def _pair_iou(det_polys: np.ndarray, gt_polys: np.ndarray, pd: np.ndarray, pg: np.ndarray) -> np.ndarray:
    """Polygon IoU of the pairs ``(pd[k], pg[k])``: ``(P,)`` float64."""
    rows, ri = np.unique(pd, return_inverse=True)
    cols, ci = np.unique(pg, return_inverse=True)
    n_calls = -(-len(rows) * len(cols) // _PAIRS_PER_CALL)
    if n_calls <= 1 or len(rows) <= 8:
        # ground truth first, as the devkit calls iou_poly(gt, det)
        return poly_iou(gt_polys[cols], det_polys[rows])[ci, ri]
    rank = np.empty(len(rows), dtype=np.int64)
    rank[np.argsort(det_polys[rows, 0::2].mean(1), kind="stable")] = np.arange(len(rows))
    strip = rank[ri] * n_calls // len(rows)  # (P,) strip of each pair's detection along x
    out = np.empty(len(pd))
    for k in np.unique(strip):
        m = strip == k
        out[m] = _pair_iou(det_polys, gt_polys, pd[m], pg[m])
    return out


def _same_image_pairs(det_img, gt_start, gt_count, lo, hi):
    """All (detection, ground truth) pairs of the same image for detections ``lo:hi``,
    detection-major and ground truth ascending: two int64 ``(P,)``."""
    d = np.arange(lo, hi)
    cnt = gt_count[det_img[d]]
    pd = np.repeat(d, cnt)
    seg = np.cumsum(cnt) - cnt  # where each detection's pairs begin
    pg = np.repeat(gt_start[det_img[d]] - seg, cnt) + np.arange(len(pd))
    return pd, pg


def _reduce_best(pd, pg, iou, n):
    """Per detection, the best IoU and the first pair reaching it (``np.max``/``np.argmax``
    semantics, NaN included) over pairs sorted by detection then ground truth."""
    ovmax = np.full(n, -np.inf)
    jmax = np.full(n, -1, dtype=np.int64)
    if len(pd) == 0:
        return ovmax, jmax
    starts = np.flatnonzero(np.r_[True, pd[1:] != pd[:-1]])
    best = np.maximum.reduceat(iou, starts)  # NaN propagates, as in np.max
    rep = np.repeat(best, np.diff(np.r_[starts, len(pd)]))
    at = np.flatnonzero((iou == rep) | (np.isnan(iou) & np.isnan(rep)))
    _, first = np.unique(pd[at], return_index=True)
    ovmax[pd[starts]] = best
    jmax[pd[at[first]]] = pg[at[first]]
    return ovmax, jmax


def class_overlaps(det_polys: np.ndarray, det_img: np.ndarray, gt_polys: np.ndarray, gt_img: np.ndarray,
                   num_images: int) -> Tuple[np.ndarray, np.ndarray]:
    """Best polygon IoU of each detection with the ground truth of its image, by the devkit's
    rules: candidates pass :func:`hbb_prefilter`; ``ovmax`` is the best IoU among them and
    ``jmax`` the first candidate (in ground-truth order) reaching it.

    Args:
        det_polys: float64 ``(D, 8)`` detections of one class.
        det_img: int64 ``(D,)`` image index of each detection.
        gt_polys: float64 ``(G, 8)`` ground truth of that class, grouped by image.
        gt_img: int64 ``(G,)`` image index of each, non-decreasing.
        num_images: number of images (indices are below it).

    Returns:
        ``ovmax`` float64 ``(D,)`` (``-inf`` where no candidate) and ``jmax`` int64 ``(D,)``
        (index into ``gt_polys``; ``-1`` where no candidate).
    """
    gt_count = np.bincount(gt_img, minlength=num_images)
    gt_start = np.cumsum(gt_count) - gt_count
    dh, gh = hbb(det_polys), hbb(gt_polys)
    pair_ends = np.cumsum(gt_count[det_img])  # (D,) chunk the detections by number of pairs
    total = int(pair_ends[-1]) if len(pair_ends) else 0
    marks = np.searchsorted(pair_ends, np.arange(_PAIRS_PER_CHUNK, total, _PAIRS_PER_CHUNK))
    bounds = np.unique(np.r_[0, marks, len(det_polys)])
    cand_d, cand_g = [], []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        pd, pg = _same_image_pairs(det_img, gt_start, gt_count, lo, hi)
        keep = hbb_prefilter(dh[pd], gh[pg])
        cand_d.append(pd[keep])
        cand_g.append(pg[keep])
    pd, pg = (np.concatenate(x) if x else np.zeros(0, np.int64) for x in (cand_d, cand_g))
    iou = np.empty(len(pd))
    block = _pack_images(pd, pg, det_img, gt_img, num_images)[det_img[pd]]  # (P,)
    by_block = np.argsort(block, kind="stable")
    cuts = np.flatnonzero(np.diff(block[by_block])) + 1
    for idx in np.split(by_block, cuts) if len(pd) else []:
        iou[idx] = _pair_iou(det_polys, gt_polys, pd[idx], pg[idx])
    return _reduce_best(pd, pg, iou, len(det_polys))


def _pack_images(pd, pg, det_img, gt_img, num_images) -> np.ndarray:
    """Block of each image: consecutive images share one poly_iou call while their candidate
    detections x candidate ground truth stay within ``_PAIRS_PER_BLOCK`` (the IoU of a pair
    does not depend on the call it is computed in; cross-image pairs are computed and unused,
    and the compiled op rejects most of them by their bounds; with the pure-torch reference
    every image gets its own call).

    Returns:
        int64 ``(num_images,)``.
    """
    limit = 0 if use_reference_ops() else _PAIRS_PER_BLOCK  # the reference computes every pair in full
    rows = np.bincount(det_img[np.unique(pd)], minlength=num_images)
    cols = np.bincount(gt_img[np.unique(pg)], minlength=num_images)
    block = np.zeros(num_images, dtype=np.int64)
    b, r_sum, c_sum = 0, 0, 0
    for i in np.flatnonzero(rows).tolist():
        r, c = int(rows[i]), int(cols[i])
        if r_sum and (r_sum + r) * (c_sum + c) > limit:
            b, r_sum, c_sum = b + 1, 0, 0
        block[i] = b
        r_sum, c_sum = r_sum + r, c_sum + c
    return block


def best_overlaps(det_polys: np.ndarray, gt_polys: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """:func:`class_overlaps` for one image: ``(N, 8)``, ``(M, 8)`` -> ``ovmax``, ``jmax`` ``(N,)``."""
    det_polys = np.asarray(det_polys, dtype=np.float64).reshape(-1, 8)
    gt_polys = np.asarray(gt_polys, dtype=np.float64).reshape(-1, 8)
    return class_overlaps(det_polys, np.zeros(len(det_polys), np.int64), gt_polys,
                          np.zeros(len(gt_polys), np.int64), 1)


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
    index = {img_id: k for k, img_id in enumerate(gts)}
    counts = [len(p) for p, _ in gts.values()]
    gt_polys = np.concatenate([p for p, _ in gts.values()]) if gts else np.zeros((0, 8))
    gt_difficult = np.concatenate([d for _, d in gts.values()]) if gts else np.zeros(0, dtype=bool)
    gt_img = np.repeat(np.arange(len(gts)), counts)
    uniq, inverse = np.unique(dets.img_ids, return_inverse=True)
    det_img = np.array([index[i] for i in uniq.tolist()], dtype=np.int64)[inverse]
    ovmax, gt_index = class_overlaps(dets.polys, det_img, gt_polys, gt_img, len(gts))
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
