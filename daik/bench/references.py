"""Peers written with shapely 2 and numpy only: what the benchmarks time daik against, and what
the tests compare daik with. Boxes are le90 ``(cx, cy, w, h, theta)``; polygons DOTA's 8 numbers.

- :func:`shapely_iou`, :func:`shapely_iou_strtree`: rotated-box / polygon IoU;
- :func:`shapely_nms`: greedy rotated NMS;
- :func:`shapely_eval`: DOTA Task1 mAP read from ``Task1_<class>.txt`` files and ``labelTxt``.
"""
from pathlib import Path

import numpy as np
import shapely
import torch

from daik.structures import rbox2poly


# ------------------------------------------------------------------------------ geometry
def polygons(boxes_or_polys) -> np.ndarray:
    """shapely polygons of ``(N, 5)`` rboxes (a tensor) or ``(N, 8)`` polygons (float64 corners)."""
    a = boxes_or_polys
    if isinstance(a, torch.Tensor):
        a = rbox2poly(a.double().cpu()).numpy()
    return shapely.polygons(np.asarray(a, dtype=np.float64).reshape(-1, 4, 2))


def shapely_iou(a, b, aligned: bool = False) -> np.ndarray:
    """IoU of all pairs ``(N, M)`` (or of aligned pairs ``(N,)``), vectorised over pairs."""
    p, q = polygons(a), polygons(b)
    if not aligned:
        p, q = p[:, None], q[None, :]
    inter = shapely.area(shapely.intersection(p, q))
    return inter / (shapely.area(p) + shapely.area(q) - inter)


def shapely_iou_strtree(a, b) -> np.ndarray:
    """IoU of all pairs ``(N, M)``, computed only for the pairs an STRtree finds intersecting."""
    p, q = polygons(a), polygons(b)
    i, j = shapely.STRtree(q).query(p, predicate="intersects")
    inter = shapely.area(shapely.intersection(p[i], q[j]))
    out = np.zeros((len(p), len(q)))
    out[i, j] = inter / (shapely.area(p)[i] + shapely.area(q)[j] - inter)
    return out


def shapely_nms(boxes, scores, thr: float) -> np.ndarray:
    """Greedy NMS on an STRtree's overlapping pairs (IoU of those pairs vectorised): kept indices
    by descending score, ties in index order."""
    p = polygons(boxes)
    i, j = shapely.STRtree(p).query(p, predicate="intersects")
    i, j = i[i != j], j[i != j]
    inter = shapely.area(shapely.intersection(p[i], p[j]))
    area = shapely.area(p)
    over = inter / (area[i] + area[j] - inter) > thr
    order = np.argsort(i[over], kind="stable")
    i, j = i[over][order], j[over][order]
    starts = np.searchsorted(i, np.arange(len(p) + 1))
    removed = np.zeros(len(p), bool)
    keep = []
    for k in np.argsort(-scores.numpy(), kind="stable"):
        if not removed[k]:
            keep.append(k)
            removed[j[starts[k]:starts[k + 1]]] = True
    return np.array(keep)


# ------------------------------------------------------------------------------ DOTA Task1
def _read_labels(ann_dir: Path) -> dict:
    """``{image id: (polygons, class names, difficult flags)}`` of a ``labelTxt`` folder."""
    out = {}
    for path in sorted(ann_dir.glob("*.txt")):
        rows = [ln.split() for ln in path.read_text().splitlines()]
        rows = [r for r in rows if len(r) >= 9]
        out[path.stem] = ([[float(v) for v in r[:8]] for r in rows], [r[8] for r in rows],
                          [len(r) == 10 and int(r[9]) != 0 for r in rows])
    return out


def _ap(rec, prec, use_07_metric):
    if use_07_metric:
        ap = 0.0
        for t in np.arange(0.0, 1.1, 0.1):
            ap = ap + (np.max(prec[rec >= t]) if np.any(rec >= t) else 0.0) / 11.0
        return float(ap)
    mrec = np.concatenate(([0.0], rec, [1.0]))
    mpre = np.maximum.accumulate(np.concatenate(([0.0], prec, [0.0]))[::-1])[::-1]
    i = np.flatnonzero(mrec[1:] != mrec[:-1])
    return float(np.sum((mrec[i + 1] - mrec[i]) * mpre[i + 1]))


def _match_class(labels, det_path: Path, cls: str, thr: float):
    """tp, fp (score order) and npos of one class."""
    gts, npos = {}, 0
    for img_id, (polys, names, diff) in labels.items():
        sel = [k for k, n in enumerate(names) if n == cls]
        geoms = shapely.polygons(np.array([polys[k] for k in sel]).reshape(-1, 4, 2))
        gts[img_id] = (geoms, np.array([diff[k] for k in sel], dtype=bool), np.zeros(len(sel), bool))
        npos += sum(not diff[k] for k in sel)
    rows = [ln.split() for ln in det_path.read_text().splitlines()] if det_path.exists() else []
    if not rows:
        return np.zeros(0), np.zeros(0), npos
    conf = np.array([float(r[1]) for r in rows])
    ids = np.array([r[0] for r in rows])
    dets = shapely.polygons(np.array([[float(v) for v in r[2:]] for r in rows]).reshape(-1, 4, 2))
    ovmax, jmax = np.full(len(rows), -np.inf), np.zeros(len(rows), np.int64)
    for img_id in np.unique(ids):
        idx = np.flatnonzero(ids == img_id)
        g = gts[img_id][0]
        if len(g) == 0:
            continue
        inter = shapely.area(shapely.intersection(g[:, None], dets[idx][None, :]))  # (M, n)
        iou = inter / (shapely.area(g)[:, None] + shapely.area(dets[idx])[None, :] - inter)
        ovmax[idx], jmax[idx] = iou.max(0), iou.argmax(0)
    tp, fp = np.zeros(len(rows)), np.zeros(len(rows))
    for d, k in enumerate(np.argsort(-conf)):
        _, diff, taken = gts[ids[k]]
        if not ovmax[k] > thr:
            fp[d] = 1.0
        elif not diff[jmax[k]]:
            tp[d], fp[d] = (0.0, 1.0) if taken[jmax[k]] else (1.0, 0.0)
            taken[jmax[k]] = True
    return tp, fp, npos


def shapely_eval(det_dir: Path, ann_dir: Path, classes, thr=0.5, use_07_metric=True) -> dict:
    """DOTA Task1 with shapely's vectorised polygon IoU per image: ``{class: AP, "mAP": mAP}``,
    by the rules of :func:`daik.evaluation.eval_dota_task1`."""
    det_dir, ann_dir = Path(det_dir), Path(ann_dir)
    labels = _read_labels(ann_dir)
    out = {}
    for c in classes:
        tp, fp, npos = _match_class(labels, det_dir / f"Task1_{c}.txt", c, thr)
        if npos == 0 or len(tp) == 0:
            out[c] = 0.0
            continue
        tp, fp = np.cumsum(tp), np.cumsum(fp)
        out[c] = _ap(tp / float(npos), tp / np.maximum(tp + fp, np.finfo(np.float64).eps), use_07_metric)
    total = 0.0
    for c in classes:
        total = total + out[c]
    out["mAP"] = total / len(classes)
    return out
