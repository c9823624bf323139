"""Shared pieces of the evaluation tests: DOTA files from Python data, random scenes, and an
independent, plain (loop-based, shapely) re-statement of DOTA_devkit's ``voc_eval``."""
from pathlib import Path

import numpy as np
import shapely

from daik.structures import rbox2poly


def rect(x0, y0, x1, y1):
    """Axis-aligned rectangle as a DOTA polygon (8 numbers, clockwise on screen)."""
    return [x0, y0, x1, y0, x1, y1, x0, y1]


def write_labels(ann_dir, labels):
    """``labels``: ``{img_id: [(poly8, class, difficult), ...]}`` -> ``ann_dir/<img_id>.txt``
    with DOTA's two header lines."""
    ann_dir = Path(ann_dir)
    ann_dir.mkdir(parents=True, exist_ok=True)
    for img_id, objs in labels.items():
        lines = ["imagesource:GoogleEarth", "gsd:0.146343590398"]
        lines += [" ".join(repr(float(v)) for v in p) + f" {c} {int(d)}" for p, c, d in objs]
        (ann_dir / f"{img_id}.txt").write_text("\n".join(lines) + "\n")


def write_dets(det_dir, dets):
    """``dets``: ``{class: [(img_id, score, poly8), ...]}`` -> ``det_dir/Task1_<class>.txt``."""
    det_dir = Path(det_dir)
    det_dir.mkdir(parents=True, exist_ok=True)
    for c, rows in dets.items():
        text = "".join(f"{i} {float(s)!r} " + " ".join(repr(float(v)) for v in p) + "\n" for i, s, p in rows)
        (det_dir / f"Task1_{c}.txt").write_text(text)


def random_case(rng, classes, num_images=6, max_objects=12, tie_decimals=1):
    """Random labels and detections with difficult GT, duplicates, false positives and many
    ties in score (scores rounded to ``tie_decimals``).

    Returns:
        ``(labels, dets)`` in the forms of :func:`write_labels` and :func:`write_dets`.
    """
    labels, dets = {}, {c: [] for c in classes}
    for k in range(num_images):
        img_id = f"P{k:04d}"
        n = int(rng.integers(0, max_objects + 1))
        boxes = np.column_stack([rng.uniform(0, 300, (n, 2)), rng.uniform(8, 60, (n, 2)),
                                 rng.uniform(-np.pi / 2, np.pi / 2, n)])
        polys = rbox2poly(boxes).reshape(-1, 8)
        cls = rng.integers(0, len(classes), n)
        diff = rng.random(n) < 0.2
        labels[img_id] = [(polys[i], classes[cls[i]], diff[i]) for i in range(n)]
        for i in range(n):
            for _ in range(int(rng.choice([0, 1, 1, 1, 2]))):  # missed, found, found twice
                noisy = boxes[i] + rng.normal(0, [3, 3, 3, 3, 0.1])
                noisy[2:4] = np.abs(noisy[2:4]) + 1
                score = round(float(rng.uniform(0.05, 1.0)), tie_decimals)
                dets[classes[cls[i]]].append((img_id, score, rbox2poly(noisy)))
        for _ in range(int(rng.integers(0, 4))):  # false positives
            fp = np.array([*rng.uniform(0, 300, 2), *rng.uniform(8, 60, 2), rng.uniform(-1.5, 1.5)])
            dets[classes[int(rng.integers(len(classes)))]].append(
                (img_id, round(float(rng.uniform(0.05, 1.0)), tie_decimals), rbox2poly(fp)))
    return labels, dets


# --- an independent, plain re-statement of DOTA_devkit's voc_eval, polygon IoU by shapely ---

def _shapely_iou(p, q):
    a, b = shapely.Polygon(np.reshape(p, (4, 2))), shapely.Polygon(np.reshape(q, (4, 2)))
    inter = a.intersection(b).area
    return inter / (a.area + b.area - inter)


def _hbox(p):
    return min(p[0::2]), min(p[1::2]), max(p[0::2]), max(p[1::2])


def _voc_hbb_iou_positive(gt, det):
    gx0, gy0, gx1, gy1 = _hbox(gt)
    bx0, by0, bx1, by1 = _hbox(det)
    iw = max(min(gx1, bx1) - max(gx0, bx0) + 1.0, 0.0)
    ih = max(min(gy1, by1) - max(gy0, by0) + 1.0, 0.0)
    inter = iw * ih
    union = (bx1 - bx0 + 1.0) * (by1 - by0 + 1.0) + (gx1 - gx0 + 1.0) * (gy1 - gy0 + 1.0) - inter
    return inter / union > 0


def _ap(rec, prec, use_07_metric):
    if use_07_metric:
        ap = 0.0
        for t in np.arange(0.0, 1.1, 0.1):
            p = 0 if np.sum(rec >= t) == 0 else np.max(prec[rec >= t])
            ap = ap + p / 11.0
        return ap
    mrec = np.concatenate(([0.0], rec, [1.0]))
    mpre = np.concatenate(([0.0], prec, [0.0]))
    for i in range(mpre.size - 1, 0, -1):
        mpre[i - 1] = max(mpre[i - 1], mpre[i])
    i = np.where(mrec[1:] != mrec[:-1])[0]
    return np.sum((mrec[i + 1] - mrec[i]) * mpre[i + 1])


def plain_voc_eval(det_dir, ann_dir, image_ids, classname, ovthresh=0.5, use_07_metric=True):
    """AP of one class, one detection at a time, as DOTA_devkit's ``voc_eval`` does it."""
    gts, npos = {}, 0
    for img_id in image_ids:
        objs = []
        for line in (Path(ann_dir) / f"{img_id}.txt").read_text().splitlines():
            tok = line.strip().split(" ")
            if len(tok) >= 9 and tok[8] == classname:
                objs.append(([float(v) for v in tok[:8]], len(tok) == 10 and int(tok[9]) == 1))
        npos += sum(not d for _, d in objs)
        gts[img_id] = {"objs": objs, "taken": [False] * len(objs)}
    path = Path(det_dir) / f"Task1_{classname}.txt"
    rows = [ln.strip().split(" ") for ln in path.read_text().splitlines()] if path.exists() else []
    if not rows:
        return 0.0
    conf = np.array([float(r[1]) for r in rows])
    tp, fp = np.zeros(len(rows)), np.zeros(len(rows))
    for d, k in enumerate(np.argsort(-conf)):
        img_id, det = rows[k][0], [float(v) for v in rows[k][2:]]
        best, jbest = -np.inf, -1
        for j, (gt, _) in enumerate(gts[img_id]["objs"]):
            if _voc_hbb_iou_positive(gt, det):
                ov = _shapely_iou(gt, det)
                if ov > best:
                    best, jbest = ov, j
        if best > ovthresh:
            g = gts[img_id]
            if not g["objs"][jbest][1]:
                if not g["taken"][jbest]:
                    tp[d], g["taken"][jbest] = 1.0, True
                else:
                    fp[d] = 1.0
        else:
            fp[d] = 1.0
    if npos == 0:
        return 0.0
    tp, fp = np.cumsum(tp), np.cumsum(fp)
    rec = tp / float(npos)
    prec = tp / np.maximum(tp + fp, np.finfo(np.float64).eps)
    return float(_ap(rec, prec, use_07_metric))
