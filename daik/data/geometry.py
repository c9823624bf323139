"""Polygon-versus-rectangle areas used by the data layer (split, rotations, mosaic).

Polygons are DOTA's ``(N, 8)`` quadrilaterals; rectangles are axis-aligned
``(x1, y1, x2, y2)``. Areas of intersections are exact (shapely).
"""
from typing import Sequence

import numpy as np
import shapely

from daik.structures import rbox2poly


def polygon_areas(polys: np.ndarray) -> np.ndarray:
    """Shoelace areas of ``(N, 8)`` quadrilaterals (vertex order free): ``(N,)`` float64."""
    p = np.asarray(polys, dtype=np.float64).reshape(-1, 4, 2)
    x, y = p[..., 0], p[..., 1]
    return 0.5 * np.abs((x * np.roll(y, -1, axis=1) - np.roll(x, -1, axis=1) * y).sum(axis=1))


def polys_iof_windows(polys: np.ndarray, windows: np.ndarray) -> np.ndarray:
    """Fraction of each polygon's area that lies inside each window.

    Pairs whose enclosing boxes do not meet are 0 without geometry; a polygon whose enclosing
    box lies inside a window is 1 exactly; the rest are intersected with shapely.

    Args:
        polys: ``(N, 8)`` quadrilaterals; a self-intersecting one counts the area it covers.
        windows: ``(K, 4)`` as ``x1, y1, x2, y2``.

    Returns:
        ``(N, K)`` float64 in ``[0, 1]``; 0 for polygons of zero area.
    """
    polys = np.asarray(polys, dtype=np.float64).reshape(-1, 8)
    windows = np.asarray(windows, dtype=np.float64).reshape(-1, 4)
    n, k = len(polys), len(windows)
    out = np.zeros((n, k), dtype=np.float64)
    if n == 0 or k == 0:
        return out
    xs, ys = polys[:, 0::2], polys[:, 1::2]
    hb = np.stack([xs.min(1), ys.min(1), xs.max(1), ys.max(1)], axis=1)[:, None, :]  # (N, 1, 4)
    w = windows[None]  # (1, K, 4)
    meets = (hb[..., 0] < w[..., 2]) & (hb[..., 2] > w[..., 0]) & (hb[..., 1] < w[..., 3]) & (hb[..., 3] > w[..., 1])
    inside = (hb[..., 0] >= w[..., 0]) & (hb[..., 2] <= w[..., 2]) & (hb[..., 1] >= w[..., 1]) & (hb[..., 3] <= w[..., 3])
    geoms = shapely.make_valid(shapely.polygons(polys.reshape(-1, 4, 2)))  # bow-ties split, not cancelled
    areas = shapely.area(geoms)  # (N,)
    valid = areas > 0
    out[inside & valid[:, None]] = 1.0
    todo = meets & ~inside & valid[:, None]
    ii, jj = np.nonzero(todo)
    if len(ii):
        boxes = shapely.box(windows[:, 0], windows[:, 1], windows[:, 2], windows[:, 3])
        inter = shapely.area(shapely.intersection(geoms[ii], boxes[jj]))
        out[ii, jj] = np.clip(inter / areas[ii], 0.0, 1.0)
    return out


def fraction_inside(polys: np.ndarray, rect: Sequence[float]) -> np.ndarray:
    """Fraction of each ``(N, 8)`` polygon's area inside one rectangle ``(x1, y1, x2, y2)``: ``(N,)``."""
    return polys_iof_windows(polys, np.asarray(rect, dtype=np.float64).reshape(1, 4))[:, 0]


def rboxes_fraction_inside(rboxes: np.ndarray, rect: Sequence[float]) -> np.ndarray:
    """Fraction of each ``(N, 5)`` rotated box's area inside a rectangle: ``(N,)``."""
    rboxes = np.asarray(rboxes, dtype=np.float64).reshape(-1, 5)
    return fraction_inside(rbox2poly(rboxes), rect)
