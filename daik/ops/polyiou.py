"""IoU of DOTA quadrilaterals (the evaluation's overlap), backed by Cython ``_polyiou``.

Semantics are DOTA_devkit's ``polyiou``: a polygon is its four vertices in the given order
(area by the shoelace formula), its orientation is normalised, and simple non-convex
quadrilaterals are exact. Two choices differ from the devkit where it has no sensible answer:
a pair whose union is zero (both degenerate) gives 0 instead of NaN, and a (rounding-level)
negative intersection is clamped to 0.
"""
import numpy as np

from ._ext import load_polyiou, use_reference_ops


def poly_iou(polys1, polys2) -> np.ndarray:
    """IoU of every pair of quadrilaterals.

    Args:
        polys1: ``(N, 8)`` as ``x1 y1 ... x4 y4``, or one polygon ``(8,)``; clockwise or
            counter-clockwise, any starting vertex. The order defines the polygon: a
            self-crossing order is taken as the devkit takes it (winding-weighted).
        polys2: ``(M, 8)``.

    Returns:
        float64 ``(N, M)``; NaN where a polygon has a NaN coordinate.
    """
    p, q = _as_polys("polys1", polys1), _as_polys("polys2", polys2)
    if use_reference_ops():
        from .reference import poly_iou_ref

        return poly_iou_ref(p, q)
    return load_polyiou().poly_iou(p, q)


def _as_polys(name: str, polys) -> np.ndarray:
    """``(N, 8)`` or ``(8,)`` array-like -> C-contiguous float64 ``(N, 8)``."""
    a = np.asarray(polys, dtype=np.float64)
    if a.ndim == 1 and a.shape[0] == 8:
        a = a[None]
    if a.ndim != 2 or a.shape[1] != 8:
        raise ValueError(f"{name} must have shape (N, 8) as x1 y1 ... x4 y4, got {a.shape}")
    return np.ascontiguousarray(a)
