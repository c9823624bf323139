"""The scene being drawn: image, occupancy masks, sun, and the object placement rule.

An object is placed only if its footprint (its box, grown by a margin, plus any extent
outside the box such as a court's pad) lies inside the image and touches no earlier object,
building or (for zones) other zone; ships must lie on water and everything else off it.
"""
from typing import Callable, List, Optional, Tuple

import cv2
import numpy as np

from .config import SIZES_M, SQUARE_CLASSES, SynthConfig
from .painters import SHIFT, Obj

_ONE = 1 << SHIFT


def _roi(pts: np.ndarray, w: int, h: int) -> Optional[Tuple[int, int, int, int]]:
    x0, y0 = np.floor(pts.min(0)).astype(int)
    x1, y1 = np.ceil(pts.max(0)).astype(int) + 1
    if x0 < 0 or y0 < 0 or x1 > w or y1 > h:
        return None
    return x0, y0, x1, y1


class Canvas:
    """Image plus the masks that keep objects apart.

    Attributes:
        img: ``(H, W, 3)`` uint8 RGB.
        occ / zone / water / trees: ``(H, W)`` uint8 masks of objects and buildings, of
            cluster pads, of water, and of tree crowns (occluders).
        objects: labelled objects placed so far.
        sun: shadow offset in pixels per pixel of object height, ``(2,)``.
        roads: ``(p0, p1, width)`` road segments in pixels.
    """

    def __init__(self, img: np.ndarray, rng: np.random.Generator, cfg: SynthConfig, gsd: float):
        self.img, self.rng, self.cfg, self.gsd = img, rng, cfg, gsd
        self.h, self.w = img.shape[:2]
        self.occ = np.zeros((self.h, self.w), np.uint8)
        self.zone = np.zeros_like(self.occ)
        self.water = np.zeros_like(self.occ)
        self.trees = np.zeros_like(self.occ)
        self.objects: List[Obj] = []
        a = rng.uniform(0, 2 * np.pi)
        self.sun = np.array([np.cos(a), np.sin(a)]) * rng.uniform(0.3, 0.9)
        self.roads: List[Tuple[np.ndarray, np.ndarray, float]] = []
        grey = rng.uniform(62, 104)
        self.asphalt = np.array([grey, grey, grey * rng.uniform(0.97, 1.05)])

    def px(self, metres: float) -> float:
        return metres / self.gsd

    def size_of(self, cls: str, scale: float = 1.0) -> Tuple[float, float]:
        """A random ``(L, W)`` in pixels for ``cls``, long side clamped into ``obj_size_range``."""
        (lo, hi), (rlo, rhi) = SIZES_M[cls]
        length = np.exp(self.rng.uniform(np.log(lo), np.log(hi))) * scale
        L = self.px(length)
        W = L * self.rng.uniform(rlo, rhi)
        smin, smax = self.cfg.obj_size_range
        k = min(max(L, smin), smax) / L
        return L * k, max(W * k, 2.0)

    def resize(self, size: Tuple[float, float], rel: float) -> Tuple[float, float]:
        """``size`` scaled by ``rel``, kept inside ``obj_size_range`` (long side)."""
        L, W = size[0] * rel, size[1] * rel
        smin, smax = self.cfg.obj_size_range
        k = min(max(L, smin), smax) / L
        return L * k, W * k

    def _mask(self, pts: np.ndarray, box) -> np.ndarray:
        x0, y0, x1, y1 = box
        m = np.zeros((y1 - y0, x1 - x0), np.uint8)
        cv2.fillPoly(m, [np.round((pts - (x0, y0)) * _ONE).astype(np.int32)], 1, cv2.LINE_8, SHIFT)
        return m

    def free(self, pts: np.ndarray, layer: np.ndarray, water: Optional[bool] = False) -> bool:
        """Whether polygon ``pts`` ``(K, 2)`` is inside the image and clear of ``layer``;
        ``water=True`` also needs it (90 %) on water, ``False`` (90 %) off it, None either."""
        box = _roi(pts, self.w, self.h)
        if box is None:
            return False
        x0, y0, x1, y1 = box
        m = self._mask(pts, box)
        n = max(int(m.sum()), 1)
        if (layer[y0:y1, x0:x1] & m).any():
            return False
        if water is None:
            return True
        wet = int((self.water[y0:y1, x0:x1] & m).sum()) / n
        return wet >= 0.9 if water else wet <= 0.1

    def mark(self, pts: np.ndarray, layer: np.ndarray) -> None:
        cv2.fillPoly(layer, [np.round(pts * _ONE).astype(np.int32)], 1, cv2.LINE_8, SHIFT)

    def place(self, o: Obj, draw: Callable[[Obj], None], extent: Optional[np.ndarray] = None,
              water: Optional[bool] = False, margin: float = 1.0) -> bool:
        """Draw and record labelled object ``o`` if its footprint is free (module docstring).

        Args:
            o: the object; its box is ``(cx, cy, L, W, ang)`` (squares: ``ang`` 0).
            draw: paints it (shadow included).
            extent: footprint outside the box that must also be free, ``(K, 2)`` image points.
            water: see :meth:`free`.
            margin: pixels of clearance around the box.
        """
        foot = o.corners(margin)
        if not self.free(foot, self.occ, water):
            return False
        if extent is not None and not self.free(extent, self.occ, None):
            return False
        draw(o)
        self.mark(o.corners(), self.occ)
        if extent is not None:
            self.mark(extent, self.occ)
        if o.cls in SQUARE_CLASSES:
            o.ang = 0.0
        self.objects.append(o)
        return True

    def occlusion(self, o: Obj) -> float:
        """Fraction of ``o``'s box covered by tree crowns."""
        pts = o.corners()
        box = _roi(np.clip(pts, 0, [self.w - 1, self.h - 1]), self.w, self.h)
        if box is None:
            return 0.0
        x0, y0, x1, y1 = box
        m = self._mask(pts, box)
        n = int(m.sum())
        return float((self.trees[y0:y1, x0:x1] > 0)[m > 0].sum()) / n if n else 0.0
