"""Pure-torch references of daik's compiled ops.

They are slow but plain, vectorised and differentiable through autograd, so tests compare the
compiled kernels against them and code can run where ``daik._C`` is absent. Semantics are the
same as :mod:`daik.ops` (see the docstrings there).
"""
from typing import Optional

import numpy as np
import torch

from daik.structures.rbox import rbox2poly

_EPS = 1e-12


def _cross(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """z of the 2-d cross product, over the last dimension of size 2."""
    return a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]


def polygon_area(pts: torch.Tensor) -> torch.Tensor:
    """Signed shoelace area of closed polygons ``(..., K, 2) -> (...)`` (positive: x to y)."""
    return 0.5 * _cross(pts, pts.roll(-1, dims=-2)).sum(-1)


def convex_intersection_area(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """Area of the intersection of convex quadrilaterals, vectorised.

    Args:
        p: ``(..., 4, 2)`` convex, positively oriented (``polygon_area > 0``) or degenerate.
        q: ``(..., 4, 2)`` likewise, broadcastable with ``p``.

    Returns:
        ``(...)`` intersection areas (>= 0).
    """
    p, q = torch.broadcast_tensors(p, q)
    # 1. vertices of one polygon inside the other (on the boundary counts as inside).
    def inside(pts, poly):
        edges = poly.roll(-1, dims=-2) - poly  # (..., 4, 2)
        rel = pts[..., :, None, :] - poly[..., None, :, :]  # (..., 4 pts, 4 edges, 2)
        return (_cross(edges[..., None, :, :], rel) >= -1e-9).all(-1)  # (..., 4)

    p_in_q, q_in_p = inside(p, q), inside(q, p)
    # 2. crossings of every edge of p with every edge of q.
    pa, pd = p[..., :, None, :], (p.roll(-1, dims=-2) - p)[..., :, None, :]  # (..., 4, 1, 2)
    qa, qd = q[..., None, :, :], (q.roll(-1, dims=-2) - q)[..., None, :, :]  # (..., 1, 4, 2)
    den = _cross(pd, qd)  # (..., 4, 4)
    ok = den.abs() > _EPS
    safe = torch.where(ok, den, torch.ones_like(den))
    t = _cross(qa - pa, qd) / safe
    u = _cross(qa - pa, pd) / safe
    hit = ok & (t >= 0) & (t <= 1) & (u >= 0) & (u <= 1)
    cross_pts = pa + t[..., None] * pd  # (..., 4, 4, 2)
    lead = p.shape[:-2]
    pts = torch.cat([p, q, cross_pts.reshape(*lead, 16, 2)], dim=-2)  # (..., 24, 2)
    valid = torch.cat([p_in_q, q_in_p, hit.reshape(*lead, 16)], dim=-1)  # (..., 24)
    # 3. order the valid points by angle about their mean; invalid ones go last.
    n = valid.sum(-1, keepdim=True).clamp(min=1)
    centre = (pts * valid[..., None]).sum(-2, keepdim=True) / n[..., None]
    rel = pts - centre
    ang = torch.atan2(rel[..., 1], rel[..., 0]).detach()
    ang = torch.where(valid, ang, torch.full_like(ang, 10.0))
    order = ang.argsort(dim=-1)
    rel = rel.gather(-2, order[..., None].expand_as(rel))
    valid = valid.gather(-1, order)
    # invalid slots repeat the first point, adding zero-length edges to the shoelace sum.
    rel = torch.where(valid[..., None], rel, rel[..., :1, :])
    area = polygon_area(rel)
    return torch.where(valid.sum(-1) >= 3, area, torch.zeros_like(area)).clamp(min=0)


def _iou_from_areas(inter, area1, area2, mode):
    if mode == "iou":
        denom = area1 + area2 - inter
    elif mode == "iof":
        denom = area1
    else:
        raise ValueError(f"mode must be 'iou' or 'iof', got {mode!r}")
    pos = denom > _EPS
    return torch.where(pos, inter / torch.where(pos, denom, torch.ones_like(denom)), torch.zeros_like(inter))


def box_iou_rotated_ref(boxes1: torch.Tensor, boxes2: torch.Tensor, mode: str = "iou",
                        aligned: bool = False) -> torch.Tensor:
    """Reference of :func:`daik.ops.box_iou_rotated`: ``(N,5), (M,5) -> (N,M)`` or ``(N,)``."""
    p = rbox2poly(boxes1).reshape(-1, 4, 2)
    q = rbox2poly(boxes2).reshape(-1, 4, 2)
    area1 = (boxes1[:, 2] * boxes1[:, 3]).abs()  # a negative size covers the same region
    area2 = (boxes2[:, 2] * boxes2[:, 3]).abs()
    finite1, finite2 = boxes1.isfinite().all(-1), boxes2.isfinite().all(-1)
    if aligned:
        inter = convex_intersection_area(p, q)
        finite = finite1 & finite2
    else:
        inter = convex_intersection_area(p[:, None], q[None, :])
        area1, area2 = area1[:, None], area2[None, :]
        finite = finite1[:, None] & finite2[None, :]
    iou = _iou_from_areas(inter, area1, area2, mode)
    return torch.where(finite, iou, torch.full_like(iou, torch.nan))  # a NaN box gives NaN


def nms_rotated_ref(boxes: torch.Tensor, scores: torch.Tensor, iou_threshold: float,
                    labels: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Reference greedy rotated NMS: keep by descending score, drop IoU > threshold.

    With ``labels``, only boxes of the same label suppress each other.
    """
    order = scores.argsort(descending=True, stable=True)
    iou = box_iou_rotated_ref(boxes, boxes)
    if labels is not None:
        iou = torch.where(labels[:, None] == labels[None, :], iou, torch.zeros_like(iou))
    suppressed = torch.zeros(len(boxes), dtype=torch.bool, device=boxes.device)
    keep = []
    for i in order.tolist():
        if suppressed[i]:
            continue
        keep.append(i)
        suppressed |= iou[i] > iou_threshold
    return torch.tensor(keep, dtype=torch.long, device=boxes.device)


def _fan_triangles(pts: torch.Tensor):
    """Triangles (origin, p_k, p_k+1) of a quadrilateral's fan about the origin.

    Args:
        pts: ``(..., 4, 2)``.

    Returns:
        ``(..., 4, 4, 2)`` triangles as positively oriented degenerate quadrilaterals (last
        vertex repeated) and ``(..., 4)`` signs of their signed areas.
    """
    a, b = pts, pts.roll(-1, dims=-2)
    sign = torch.sign(_cross(a, b))  # (..., 4)
    pos = (sign >= 0)[..., None]
    first, second = torch.where(pos, a, b), torch.where(pos, b, a)
    tri = torch.stack([torch.zeros_like(a), first, second, second], dim=-2)
    return tri, sign


def poly_iou_ref(polys1: np.ndarray, polys2: np.ndarray) -> np.ndarray:
    """Reference of :func:`daik.ops.poly_iou`: ``(N,8), (M,8) -> (N,M)`` float64.

    DOTA's polygon IoU: areas are shoelace areas in the given vertex order, orientation is
    normalised, and the intersection is the signed sum over pairs of fan triangles (about a
    common origin) of their convex intersections, exact for simple quadrilaterals, convex or
    not. Zero unions give 0.
    """
    p = torch.as_tensor(np.asarray(polys1, dtype=np.float64)).reshape(-1, 4, 2)
    q = torch.as_tensor(np.asarray(polys2, dtype=np.float64)).reshape(-1, 4, 2)
    origin = p.mean(-2, keepdim=True)  # (N, 1, 2): a local origin per row, for precision
    p_rel = p - origin  # (N, 4, 2)
    q_rel = q[None] - origin[:, None]  # (N, M, 4, 2)
    tp, sp = _fan_triangles(p_rel)  # (N, 4, 4, 2), (N, 4)
    tq, sq = _fan_triangles(q_rel)  # (N, M, 4, 4, 2), (N, M, 4)
    inter = convex_intersection_area(tp[:, None, :, None], tq[:, :, None, :])  # (N, M, 4, 4)
    inter = (inter * sp[:, None, :, None] * sq[:, :, None, :]).sum((-1, -2))
    area1, area2 = polygon_area(p), polygon_area(q)
    orient = torch.where(area1 < 0, -1.0, 1.0)[:, None] * torch.where(area2 < 0, -1.0, 1.0)[None, :]
    inter = (inter * orient).clamp(min=0)
    union = area1.abs()[:, None] + area2.abs()[None, :] - inter
    iou = torch.where(union > 0, inter / torch.where(union > 0, union, 1.0), 0.0)
    finite = p.isfinite().all(-1).all(-1)[:, None] & q.isfinite().all(-1).all(-1)[None, :]
    return torch.where(finite, iou, torch.nan).numpy()
