"""Rotated IoU and NMS in plain numpy, for boards without torch.

Same semantics as :func:`daik.ops.nms_rotated` / :func:`daik.ops.batched_nms_rotated`: greedy
by descending score (ties by index), a box is dropped when its IoU with a kept box of the same
label is strictly above the threshold; zero-size boxes have IoU 0, NaN boxes never suppress
nor are suppressed. The intersection of two rotated boxes is the second box's quadrilateral
clipped by the first box's four half-planes (in the first box's own frame, where it is an
axis-aligned rectangle), vectorised over all candidates.
"""
import numpy as np


def rbox_corners(rboxes: np.ndarray) -> np.ndarray:
    """``(N, 5)`` -> ``(N, 4, 2)`` corners in daik's order (DESIGN.md §1)."""
    cx, cy, w, h, t = (rboxes[:, i] for i in range(5))
    cos, sin = np.cos(t), np.sin(t)
    dx = np.stack([-w, w, w, -w], axis=1) / 2  # (N, 4)
    dy = np.stack([-h, -h, h, h], axis=1) / 2
    return np.stack([cx[:, None] + dx * cos[:, None] - dy * sin[:, None],
                     cy[:, None] + dx * sin[:, None] + dy * cos[:, None]], axis=-1)


def _clip(poly: np.ndarray, count: np.ndarray, axis: int, sign: float, limit: np.ndarray):
    """Clip convex polygons ``(M, V, 2)`` (first ``count`` vertices valid) to
    ``sign * p[axis] <= limit``; returns ``(M, V + 1, 2)`` and the new counts."""
    m, v, _ = poly.shape
    idx = np.arange(v)[None, :]
    valid = idx < count[:, None]  # (M, V)
    nxt = np.where(idx + 1 < count[:, None], idx + 1, 0)
    q = np.take_along_axis(poly, nxt[..., None].repeat(2, axis=2), axis=1)
    dp = sign * poly[..., axis] - limit[:, None]  # <= 0: inside
    dq = sign * q[..., axis] - limit[:, None]
    in_p, in_q = dp <= 0, dq <= 0
    denom = np.where(in_p != in_q, dp - dq, 1.0)
    inter = poly + (dp / denom)[..., None] * (q - poly)
    out = np.stack([poly, inter], axis=2).reshape(m, 2 * v, 2)
    keep = np.stack([in_p & valid, (in_p != in_q) & valid], axis=2).reshape(m, 2 * v)
    order = np.argsort(~keep, axis=1, kind="stable")[:, : v + 1]
    return np.take_along_axis(out, order[..., None].repeat(2, axis=2), axis=1), np.minimum(keep.sum(1), v + 1)


def _area(poly: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Shoelace area of ``(M, V, 2)`` polygons with ``count`` valid vertices (0 below 3)."""
    v = poly.shape[1]
    idx = np.arange(v)[None, :]
    nxt = np.where(idx + 1 < count[:, None], idx + 1, 0)
    q = np.take_along_axis(poly, nxt[..., None].repeat(2, axis=2), axis=1)
    cross = np.where(idx < count[:, None], poly[..., 0] * q[..., 1] - q[..., 0] * poly[..., 1], 0.0)
    return np.where(count >= 3, np.abs(cross.sum(1)) / 2, 0.0)


def iou_one_to_many(box: np.ndarray, others: np.ndarray) -> np.ndarray:
    """IoU of one rbox ``(5,)`` with ``(M, 5)`` rboxes: ``(M,)`` float64."""
    box, others = np.asarray(box, np.float64), np.asarray(others, np.float64).reshape(-1, 5)
    cos, sin = np.cos(box[4]), np.sin(box[4])
    rel = rbox_corners(others) - box[:2]  # (M, 4, 2) in the frame of `box`
    local = np.stack([rel[..., 0] * cos + rel[..., 1] * sin, -rel[..., 0] * sin + rel[..., 1] * cos], axis=-1)
    hw, hh = abs(box[2]) / 2, abs(box[3]) / 2
    poly, count = local, np.full(len(others), 4)
    for axis, sign, limit in ((0, 1.0, hw), (0, -1.0, hw), (1, 1.0, hh), (1, -1.0, hh)):
        poly, count = _clip(poly, count, axis, sign, np.full(len(others), limit))
    inter = _area(poly, count)
    union = abs(box[2] * box[3]) + np.abs(others[:, 2] * others[:, 3]) - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)
    bad = ~(np.isfinite(others).all(1) & np.isfinite(box).all())
    return np.where(bad, np.nan, np.minimum(iou, 1.0))


def nms_rotated_np(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float, labels=None) -> np.ndarray:
    """Greedy rotated NMS (per label when ``labels`` is given): kept indices ``(K,)`` int64 by
    descending score."""
    boxes = np.asarray(boxes, np.float64).reshape(-1, 5)
    scores = np.asarray(scores, np.float64).reshape(len(boxes))
    labels = np.zeros(len(boxes), np.int64) if labels is None else np.asarray(labels).reshape(len(boxes))
    order = np.argsort(-scores, kind="stable")
    b, lab = boxes[order], labels[order]
    finite = np.isfinite(b).all(1)
    radius = np.hypot(b[:, 2], b[:, 3]) / 2
    removed = np.zeros(len(b), dtype=bool)
    keep = []
    for r in range(len(b)):
        if removed[r]:
            continue
        keep.append(order[r])
        if not finite[r]:
            continue
        rest = np.arange(r + 1, len(b))
        near = ~removed[r + 1:] & (lab[r + 1:] == lab[r]) & finite[r + 1:] & \
            (np.hypot(b[r + 1:, 0] - b[r, 0], b[r + 1:, 1] - b[r, 1]) <= (radius[r + 1:] + radius[r]) * (1 + 1e-6))
        cand = rest[near]
        if len(cand):
            removed[cand[iou_one_to_many(b[r], b[cand]) > iou_threshold]] = True
    return np.asarray(keep, dtype=np.int64)
