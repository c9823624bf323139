"""Shared generators and shapely references for the op tests."""
import math

import numpy as np
import shapely
import torch

from daik.structures import rbox2poly


def random_rboxes(n: int, seed: int, *, spread: float = 40.0, size=(2.0, 30.0), centre=0.0,
                  dtype=torch.float64) -> torch.Tensor:
    """``(n, 5)`` boxes with centres in ``centre + [0, spread)``, sizes in ``size`` and angles
    over a whole turn. A small spread makes most pairs overlap."""
    g = torch.Generator().manual_seed(seed)
    b = torch.rand(n, 5, generator=g, dtype=torch.float64)
    b[:, :2] = centre + b[:, :2] * spread
    b[:, 2:4] = size[0] + b[:, 2:4] * (size[1] - size[0])
    b[:, 4] = (b[:, 4] - 0.5) * 2 * math.pi
    return b.to(dtype)


def shapely_polys(polys: np.ndarray):
    """``(N, 8)`` float64 -> shapely polygons."""
    return shapely.polygons(np.asarray(polys, dtype=np.float64).reshape(-1, 4, 2))


def shapely_poly_iou(polys1: np.ndarray, polys2: np.ndarray, mode: str = "iou") -> np.ndarray:
    """IoU (or IoF) of every pair of simple polygons by shapely: ``(N, M)`` float64."""
    p, q = shapely_polys(polys1), shapely_polys(polys2)
    inter = shapely.area(shapely.intersection(p[:, None], q[None, :]))
    a1, a2 = shapely.area(p)[:, None], shapely.area(q)[None, :]
    denom = a1 + 0 * a2 if mode == "iof" else a1 + a2 - inter
    return np.where(denom > 0, inter / np.where(denom > 0, denom, 1.0), 0.0)


def shapely_box_iou(boxes1: torch.Tensor, boxes2: torch.Tensor, mode: str = "iou") -> np.ndarray:
    """Pairwise IoU of rotated boxes by shapely, from their exact corners in float64."""
    return shapely_poly_iou(rbox2poly(boxes1.double()).numpy(), rbox2poly(boxes2.double()).numpy(), mode)


def hbox_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of axis-aligned ``(x1, y1, x2, y2)`` boxes: ``(N, 4), (M, 4) -> (N, M)``."""
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.clip(rb - lt, 0, None).prod(-1)
    area = lambda x: (x[:, 2] - x[:, 0]) * (x[:, 3] - x[:, 1])  # noqa: E731
    return inter / (area(a)[:, None] + area(b)[None, :] - inter)


def hbox_nms(hboxes: np.ndarray, scores: np.ndarray, thr: float) -> list:
    """Plain greedy horizontal NMS: descending score (stable), drop IoU > thr."""
    order = np.argsort(-scores, kind="stable")
    iou = hbox_iou(hboxes, hboxes)
    removed = np.zeros(len(hboxes), bool)
    keep = []
    for i in order:
        if removed[i]:
            continue
        keep.append(int(i))
        removed |= iou[i] > thr
    return keep
