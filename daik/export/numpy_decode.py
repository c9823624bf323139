"""The head's decode in numpy, for graphs exported without it (``export_onnx(..., decode=False)``).

A :class:`~daik.export.wrappers.RawDetector` gives per level a ``(C + 4 (R + 1) + A, H, W)`` map:
per point ``C`` class logits, ``4 (R + 1)`` DFL logits and ``A`` CSL angle logits. This module
flattens them level by level (row-major, as the head's ``flatten``) and does what the head's
``decode`` does with them, operation for operation: sigmoid scores; distances = softmax expectation over the
``R + 1`` bins times the point's stride; the angle = the arg-max bin of the log-sigmoid refined
by the vertex of the parabola through it and its two circular neighbours; the rbox from the
point and the four distances in the box's frame, regularised (``w >= h``, theta in
``[-pi/2, pi/2)``). For an NMS-free model :func:`topk_rows` then picks the ``K`` best rows as
:class:`~daik.export.wrappers.EndToEndDetector` does inside its graph.
"""
from typing import Dict, Sequence, Tuple

import numpy as np

HALF_PI = np.pi / 2


def grid_points(sizes: Sequence[Tuple[int, int]], strides, offset: float) -> Tuple[np.ndarray, np.ndarray]:
    """Points ``(N, 2)`` and strides ``(N,)`` of the levels' ``(H_l, W_l)``, level by level, row-major."""
    points, per_point = [], []
    for (h, w), s in zip(sizes, strides):
        yy, xx = np.meshgrid((np.arange(h, dtype=np.float32) + offset) * s,
                             (np.arange(w, dtype=np.float32) + offset) * s, indexing="ij")
        points.append(np.stack([xx.reshape(-1), yy.reshape(-1)], axis=-1))
        per_point.append(np.full(h * w, s, dtype=np.float32))
    return np.concatenate(points), np.concatenate(per_point)


def _log_sigmoid(x: np.ndarray) -> np.ndarray:
    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))


def norm_angle(theta: np.ndarray) -> np.ndarray:
    """Angles wrapped into ``[-pi/2, pi/2)``; those already inside are left bit-identical."""
    out = np.remainder(theta + HALF_PI, np.pi) - HALF_PI
    out = np.where(out >= HALF_PI, out - np.pi, out)
    return np.where((theta >= -HALF_PI) & (theta < HALF_PI), theta, out).astype(theta.dtype)


def csl_decode(logits: np.ndarray) -> np.ndarray:
    """CSL logits ``(N, A) -> (N,)`` angles in ``[-pi/2, pi/2)`` (as ``CSLCoder.decode``)."""
    n, bins = logits.shape
    logp = _log_sigmoid(logits.astype(np.float32))
    peak = logp.argmax(-1)
    rows = np.arange(n)
    y0, ym, yp = logp[rows, peak], logp[rows, (peak - 1) % bins], logp[rows, (peak + 1) % bins]
    curv = ym - 2 * y0 + yp
    ok = curv < -1e-12
    delta = np.clip(np.where(ok, 0.5 * (ym - yp) / np.where(ok, curv, -1.0), 0.0), -0.5, 0.5)
    return norm_angle(((peak + delta + 0.5) * (np.pi / bins) - HALF_PI).astype(np.float32))


def dfl_distances(logits: np.ndarray, strides: np.ndarray) -> np.ndarray:
    """DFL logits ``(N, 4, R + 1)`` -> distances ``(N, 4)`` in pixels."""
    e = np.exp(logits - logits.max(-1, keepdims=True))
    proj = np.arange(logits.shape[-1], dtype=np.float32)
    return (e / e.sum(-1, keepdims=True) * proj).sum(-1) * strides[:, None]


def rboxes_from_distances(points: np.ndarray, dist: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Regularised rboxes ``(N, 5)`` of points ``(N, 2)``, distances ``(N, 4)`` (l, t, r, b) and angles."""
    l, t, r, b = dist.T
    cu, cv = (r - l) / 2, (b - t) / 2
    cos, sin = np.cos(theta), np.sin(theta)
    w, h = l + r, t + b
    swap = w < h
    return np.stack([points[:, 0] + cu * cos - cv * sin, points[:, 1] + cu * sin + cv * cos,
                     np.where(swap, h, w), np.where(swap, w, h),
                     norm_angle(np.where(swap, theta + np.float32(HALF_PI), theta))], axis=-1).astype(np.float32)


def decode_raw(maps: Sequence[np.ndarray], spec: Dict[str, object]) -> Tuple[np.ndarray, np.ndarray]:
    """One image's per-level ``(C + 4 (R + 1) + A, H_l, W_l)`` maps -> ``rboxes (N, 5)``, ``scores (N, C)``."""
    c, r1 = spec["num_classes"], spec["reg_max"] + 1
    if len(maps) != len(spec["strides"]):
        raise ValueError(f"{len(maps)} maps for {len(spec['strides'])} levels")
    points, strides = grid_points([m.shape[1:] for m in maps], spec["strides"], spec["offset"])
    raw = np.concatenate([m.reshape(m.shape[0], -1).T for m in maps]).astype(np.float32)  # (N, D)
    scores = 1 / (1 + np.exp(-raw[:, :c]))
    dist = dfl_distances(raw[:, c:c + 4 * r1].reshape(-1, 4, r1), strides)
    return rboxes_from_distances(points, dist, csl_decode(raw[:, c + 4 * r1:])), scores


def topk_rows(rboxes: np.ndarray, scores: np.ndarray, k: int, multi_label: bool) -> np.ndarray:
    """``(K, 7)`` rows ``(cx, cy, w, h, theta, score, label)`` of the ``K`` best (point, class)
    pairs (``multi_label``) or points (their best class), padded with score 0 and label -1."""
    if multi_label:
        flat = scores.reshape(-1)
        idx = np.argsort(-flat, kind="stable")[:k]
        point, label, score = idx // scores.shape[1], idx % scores.shape[1], flat[idx]
    else:
        best = scores.max(-1)
        point = np.argsort(-best, kind="stable")[:k]
        label, score = scores[point].argmax(-1), best[point]
    rows = np.zeros((k, 7), np.float32)
    rows[:, 6] = -1
    rows[:len(point)] = np.concatenate([rboxes[point], score[:, None], label[:, None]], axis=-1)
    return rows
