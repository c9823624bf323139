"""Drawing objects seen from above.

An object is an oriented rectangle :class:`Obj`: centre, length ``L`` along its heading,
width ``W`` across, heading ``ang`` (radians, image axes: x right, y down, positive turns
clockwise on screen). Painters draw in the object's own frame, ``u`` along the heading (the
nose/bow/cab at ``u = +L/2``) and ``v`` across, and keep the body inside the rectangle, which
is the annotated box (tennis courts also get a surrounding pad and ships a wake outside it).
"""
from dataclasses import dataclass

import cv2
import numpy as np

from .texture import random_blob

SHIFT = 3  # sub-pixel bits of cv2 drawing
_ONE = 1 << SHIFT


@dataclass
class Obj:
    """An oriented object; ``height`` (pixels) sets the length of its shadow."""

    cls: str
    cx: float
    cy: float
    L: float
    W: float
    ang: float
    height: float = 0.0

    def frame(self, local: np.ndarray) -> np.ndarray:
        """Image coordinates of local ``(u, v)`` points: ``(K, 2) -> (K, 2)``."""
        c, s = np.cos(self.ang), np.sin(self.ang)
        u, v = local[:, 0], local[:, 1]
        return np.stack([self.cx + u * c - v * s, self.cy + u * s + v * c], axis=1)

    def corners(self, grow: float = 0.0) -> np.ndarray:
        """The rectangle (optionally grown by ``grow`` pixels each side): ``(4, 2)``."""
        return self.frame(rect(self.L + 2 * grow, self.W + 2 * grow))


def rect(L: float, W: float, u0: float = 0.0, v0: float = 0.0) -> np.ndarray:
    """Local corners of an ``L x W`` rectangle centred at ``(u0, v0)``: ``(4, 2)``."""
    return np.array([[u0 - L / 2, v0 - W / 2], [u0 + L / 2, v0 - W / 2], [u0 + L / 2, v0 + W / 2],
                     [u0 - L / 2, v0 + W / 2]], dtype=np.float64)


def _fixed(pts: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(pts) * _ONE).astype(np.int32)


def fill(img: np.ndarray, pts: np.ndarray, colour) -> None:
    """Anti-aliased filled polygon of image-coordinate points ``(K, 2)``."""
    cv2.fillPoly(img, [_fixed(pts)], tuple(int(c) for c in colour), cv2.LINE_AA, SHIFT)


def fill_local(img: np.ndarray, o: Obj, local: np.ndarray, colour) -> None:
    fill(img, o.frame(local), colour)


def line_local(img: np.ndarray, o: Obj, a, b, colour, thickness: int = 1) -> None:
    p = _fixed(o.frame(np.array([a, b], dtype=np.float64)))
    cv2.line(img, tuple(p[0]), tuple(p[1]), tuple(int(c) for c in colour), thickness, cv2.LINE_AA, SHIFT)


def circle(img: np.ndarray, cx: float, cy: float, r: float, colour, thickness: int = -1) -> None:
    cv2.circle(img, (int(round(cx * _ONE)), int(round(cy * _ONE))), max(int(round(r * _ONE)), 1),
               tuple(int(c) for c in colour), thickness, cv2.LINE_AA, SHIFT)


def darken(img: np.ndarray, pts: np.ndarray, factor: float) -> None:
    """Multiply the pixels inside polygon ``pts`` ``(K, 2)`` by ``factor`` (a shadow)."""
    h, w = img.shape[:2]
    x0, y0 = np.floor(pts.min(0)).astype(int) - 1
    x1, y1 = np.ceil(pts.max(0)).astype(int) + 2
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if x1 <= x0 or y1 <= y0:
        return
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.fillPoly(mask, [_fixed(pts - (x0, y0))], 255, cv2.LINE_AA, SHIFT)
    roi = img[y0:y1, x0:x1]
    k = 1.0 - (1.0 - factor) * (mask.astype(np.float32) / 255.0)
    roi[:] = (roi * k[..., None]).astype(np.uint8)


def shadow(img: np.ndarray, pts: np.ndarray, offset: np.ndarray, factor: float = 0.55) -> None:
    """Shadow of a prism with footprint ``pts`` cast along ``offset`` (pixels): the convex hull
    of the footprint and its shifted copy, darkened."""
    if np.hypot(*offset) < 0.3:
        return
    hull = cv2.convexHull(np.concatenate([pts, pts + offset]).astype(np.float32))[:, 0]
    darken(img, hull.astype(np.float64), factor)


def jitter(rng: np.random.Generator, colour, amount: float = 12.0) -> np.ndarray:
    return np.clip(np.asarray(colour, np.float64) + rng.normal(0, amount, 3), 0, 255)


CAR_COLOURS = [(236, 236, 232), (30, 30, 34), (168, 170, 172), (108, 110, 114), (160, 32, 30), (38, 58, 132),
               (200, 190, 160), (60, 80, 60)]
TRUCK_COLOURS = [(230, 230, 226), (196, 60, 40), (50, 90, 150), (150, 150, 146), (220, 180, 60), (70, 120, 80)]
SHIP_COLOURS = [(228, 228, 224), (70, 72, 78), (136, 40, 36), (40, 52, 86), (168, 168, 160)]
COURT_COLOURS = [(66, 122, 84), (58, 92, 148), (156, 84, 62), (92, 140, 96)]
TANK_COLOURS = [(232, 232, 228), (206, 204, 196), (188, 178, 156), (170, 174, 178)]
ROOF_COLOURS = [(150, 150, 148), (170, 80, 64), (120, 96, 80), (205, 205, 200), (96, 104, 116), (180, 160, 130)]


def small_vehicle(img, rng, o: Obj) -> None:
    body = jitter(rng, CAR_COLOURS[rng.integers(len(CAR_COLOURS))], 8)
    L, W = o.L, o.W
    c = 0.18 * W
    outline = np.array([[-L / 2 + c, -W / 2], [L / 2 - c, -W / 2], [L / 2, -W / 2 + c], [L / 2, W / 2 - c],
                        [L / 2 - c, W / 2], [-L / 2 + c, W / 2], [-L / 2, W / 2 - c], [-L / 2, -W / 2 + c]])
    fill_local(img, o, outline, body)
    glass = (38, 44, 56)
    fill_local(img, o, rect(0.18 * L, 0.84 * W, 0.22 * L), glass)
    fill_local(img, o, rect(0.12 * L, 0.80 * W, -0.33 * L), glass)
    fill_local(img, o, rect(0.36 * L, 0.74 * W, -0.06 * L), np.clip(body * 1.08 + 6, 0, 255))


def large_vehicle(img, rng, o: Obj) -> None:
    L, W = o.L, o.W
    cab = jitter(rng, TRUCK_COLOURS[rng.integers(len(TRUCK_COLOURS))], 10)
    box = jitter(rng, TRUCK_COLOURS[rng.integers(len(TRUCK_COLOURS))], 10)
    fill_local(img, o, rect(L, W), (40, 40, 42))  # chassis seen in the gap
    fill_local(img, o, rect(0.17 * L, 0.96 * W, 0.415 * L), cab)
    fill_local(img, o, rect(0.05 * L, 0.84 * W, 0.475 * L), (36, 42, 52))
    fill_local(img, o, rect(0.78 * L, W, -0.11 * L), box)
    ridge = np.clip(box * 0.86, 0, 255)
    for u in np.linspace(-0.45, 0.22, int(np.clip(L / 6, 2, 9))) * L:
        line_local(img, o, (u, -0.45 * W), (u, 0.45 * W), ridge)


def plane(img, rng, o: Obj) -> None:
    L, W = o.L, o.W
    body = jitter(rng, (236, 236, 238), 6)
    fw = min(0.11 * L, 0.3 * W)
    fus = np.array([[0.5 * L, 0], [0.45 * L, -fw / 2], [0.3 * L, -fw / 2], [-0.42 * L, -fw / 2],
                    [-0.5 * L, -fw / 5], [-0.5 * L, fw / 5], [-0.42 * L, fw / 2], [0.3 * L, fw / 2],
                    [0.45 * L, fw / 2]])
    for side in (-1.0, 1.0):
        wing = np.array([[0.14 * L, side * fw / 2], [-0.14 * L, side * W / 2], [-0.24 * L, side * W / 2],
                         [-0.08 * L, side * fw / 2]])
        tail = np.array([[-0.36 * L, side * fw / 3], [-0.45 * L, side * 0.2 * W], [-0.5 * L, side * 0.2 * W],
                         [-0.47 * L, side * fw / 3]])
        fill_local(img, o, wing, np.clip(body * 0.95, 0, 255))
        fill_local(img, o, tail, body)
        fill_local(img, o, rect(0.09 * L, 0.055 * L, 0.02 * L, side * 0.27 * W), (92, 94, 100))
    fill_local(img, o, fus, body)
    if rng.random() < 0.5:
        accent = jitter(rng, CAR_COLOURS[rng.integers(4, len(CAR_COLOURS))], 10)
        fill_local(img, o, rect(0.1 * L, fw * 0.9, -0.43 * L), accent)


def plane_silhouette(o: Obj) -> np.ndarray:
    """A coarse outline of :func:`plane` for its shadow: ``(K, 2)`` image points."""
    L, W = o.L, o.W
    pts = [[0.5 * L, 0], [0.14 * L, -0.05 * L], [-0.19 * L, -W / 2], [-0.26 * L, -0.05 * L],
           [-0.48 * L, -0.2 * W], [-0.5 * L, 0], [-0.48 * L, 0.2 * W], [-0.26 * L, 0.05 * L],
           [-0.19 * L, W / 2], [0.14 * L, 0.05 * L]]
    return o.frame(np.array(pts))


def ship(img, rng, o: Obj) -> None:
    L, W = o.L, o.W
    hull = np.array([[-L / 2, -W / 2], [0.26 * L, -W / 2], [L / 2, 0], [0.26 * L, W / 2], [-L / 2, W / 2]])
    deck = jitter(rng, SHIP_COLOURS[rng.integers(len(SHIP_COLOURS))], 8)
    fill_local(img, o, hull, deck)
    inner = hull * np.array([0.9, 0.72])
    fill_local(img, o, inner, np.clip(deck * 0.9 + 12, 0, 255))
    fill_local(img, o, rect(0.16 * L, 0.72 * W, -0.33 * L), jitter(rng, (232, 232, 228), 6))
    if L > 40 and rng.random() < 0.6:
        n = int(np.clip(L / 14, 2, 10))
        for u in np.linspace(-0.2, 0.18, n) * L:
            colour = jitter(rng, TRUCK_COLOURS[rng.integers(len(TRUCK_COLOURS))], 15)
            fill_local(img, o, rect(0.36 * L / n, 0.6 * W, u), colour)


def wake(img, rng, o: Obj) -> None:
    """A pale V-shaped trail behind a moving ship (outside its box)."""
    L, W = o.L, o.W
    pts = o.frame(np.array([[-0.5 * L, -W / 2], [-1.1 * L, -W * 1.4], [-1.1 * L, W * 1.4], [-0.5 * L, W / 2]]))
    h, w = img.shape[:2]
    x0, y0 = np.maximum(np.floor(pts.min(0)).astype(int), 0)
    x1, y1 = np.minimum(np.ceil(pts.max(0)).astype(int) + 1, (w, h))
    if x1 <= x0 or y1 <= y0:
        return
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.fillPoly(mask, [_fixed(pts - (x0, y0))], 255, cv2.LINE_AA, SHIFT)
    a = cv2.GaussianBlur(mask, (0, 0), max(W / 3, 1.0)).astype(np.float32)[..., None] / 255.0 * 0.45
    roi = img[y0:y1, x0:x1]
    roi[:] = (roi * (1 - a) + 235 * a).astype(np.uint8)


def tennis_court(img, rng, o: Obj) -> None:
    L, W = o.L, o.W
    surface = jitter(rng, COURT_COLOURS[rng.integers(len(COURT_COLOURS))], 8)
    fill_local(img, o, rect(1.45 * L, 1.75 * W), np.clip(surface * 0.82, 0, 255))
    fill_local(img, o, rect(L, W), surface)
    white = (238, 238, 236)
    t = 1 if L < 90 else 2
    c = rect(L, W)
    for i in range(4):
        line_local(img, o, c[i], c[(i + 1) % 4], white, t)
    s = 0.5 * W * 8.23 / 10.97  # singles sideline
    q = 0.5 * L * 6.40 / 11.885  # service line
    for v in (-s, s):
        line_local(img, o, (-L / 2, v), (L / 2, v), white, t)
    for u in (-q, q):
        line_local(img, o, (u, -s), (u, s), white, t)
    line_local(img, o, (-q, 0), (q, 0), white, t)
    line_local(img, o, (0, -0.55 * W), (0, 0.55 * W), (60, 60, 60), t)


def storage_tank(img, rng, o: Obj, sun: np.ndarray) -> None:
    r = o.L / 2
    top = jitter(rng, TANK_COLOURS[rng.integers(len(TANK_COLOURS))], 6)
    off = sun * o.height
    shadow(img, _circle_pts(o.cx, o.cy, r), off, 0.5)
    circle(img, o.cx, o.cy, r, np.clip(top * 0.7, 0, 255))
    circle(img, o.cx, o.cy, 0.9 * r, top)
    if rng.random() < 0.7:
        circle(img, o.cx, o.cy, 0.72 * r, np.clip(top * 0.9, 0, 255), max(int(r / 12), 1))
    lit = -sun / max(float(np.hypot(*sun)), 1e-9)  # the side facing the sun is brighter
    circle(img, o.cx + 0.3 * r * lit[0], o.cy + 0.3 * r * lit[1], 0.35 * r, np.clip(top * 1.05 + 8, 0, 255))


def _circle_pts(cx: float, cy: float, r: float, n: int = 24) -> np.ndarray:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.stack([cx + r * np.cos(t), cy + r * np.sin(t)], axis=1)


def roundabout(img, rng, o: Obj, asphalt) -> None:
    r = o.L / 2
    circle(img, o.cx, o.cy, r, asphalt)
    island = rng.uniform(0.42, 0.62) * r
    circle(img, o.cx, o.cy, island + max(r * 0.04, 1), (196, 196, 190))
    circle(img, o.cx, o.cy, island, jitter(rng, (84, 118, 70), 10))
    if rng.random() < 0.5:
        circle(img, o.cx, o.cy, island * 0.4, jitter(rng, (70, 100, 60), 10))
    circle(img, o.cx, o.cy, (r + island) / 2, (214, 214, 208), 1)


def building(img, rng, o: Obj, sun: np.ndarray) -> None:
    roof = jitter(rng, ROOF_COLOURS[rng.integers(len(ROOF_COLOURS))], 10)
    shadow(img, o.corners(), sun * o.height, 0.5)
    fill_local(img, o, rect(o.L, o.W / 2, 0, -o.W / 4), roof)
    fill_local(img, o, rect(o.L, o.W / 2, 0, o.W / 4), np.clip(roof * 0.82, 0, 255))
    if rng.random() < 0.4:
        fill_local(img, o, rect(0.2 * o.L, 0.2 * o.W, 0.2 * o.L, -0.2 * o.W), np.clip(roof * 0.7, 0, 255))


def pool(img, rng, o: Obj) -> None:
    fill_local(img, o, rect(o.L + 2, o.W + 2), (214, 214, 206))
    fill_local(img, o, rect(o.L, o.W), jitter(rng, (70, 160, 196), 10))


def tree(img, rng, cx: float, cy: float, r: float, sun: np.ndarray, mask: np.ndarray) -> None:
    """A tree crown; also paints it into the occluder ``mask`` (uint8)."""
    pts = random_blob(rng, cx, cy, r, 10)
    shadow(img, pts, sun * r * 1.2, 0.55)
    fill(img, pts, jitter(rng, (52, 78, 44), 8))
    fill(img, random_blob(rng, cx - 0.2 * r, cy - 0.2 * r, 0.5 * r, 7), jitter(rng, (72, 102, 58), 8))
    cv2.fillPoly(mask, [_fixed(pts)], 255, cv2.LINE_8, SHIFT)
