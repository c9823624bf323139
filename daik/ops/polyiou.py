"""IoU of DOTA quadrilaterals (the evaluation's overlap), backed by Cython ``_polyiou``."""
import numpy as np

from ._ext import load_polyiou, use_reference_ops


def poly_iou(polys1, polys2) -> np.ndarray:
    """IoU of every pair of quadrilaterals.

    Args:
        polys1: ``(N, 8)`` as ``x1 y1 ... x4 y4``; any vertex order (clockwise or not,
            any starting vertex).
        polys2: ``(M, 8)``.

    Returns:
        float64 ``(N, M)``.
    """
    p = np.ascontiguousarray(np.asarray(polys1, dtype=np.float64).reshape(-1, 8))
    q = np.ascontiguousarray(np.asarray(polys2, dtype=np.float64).reshape(-1, 8))
    if use_reference_ops():
        from .reference import poly_iou_ref

        return poly_iou_ref(p, q)
    return load_polyiou().poly_iou(p, q)
