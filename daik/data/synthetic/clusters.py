"""Where objects go: roads, parking rows, aprons, harbours, tank farms, court groups,
roundabouts and single objects. Each function draws onto a :class:`Canvas` and places
labelled objects through :meth:`Canvas.place`."""
from typing import Optional

import cv2
import numpy as np

from . import painters as P
from .canvas import Canvas
from .painters import Obj, rect

DEG = np.pi / 180


def heading_jitter(cv: Canvas, deg: float = 3.0) -> float:
    return cv.rng.normal(0, deg * DEG)


def _draw(cv: Canvas, o: Obj) -> None:
    """Shadow plus body of a labelled object."""
    img, rng, sun = cv.img, cv.rng, cv.sun
    if o.cls == "small-vehicle":
        P.shadow(img, o.corners(), sun * o.height, 0.6)
        P.small_vehicle(img, rng, o)
    elif o.cls == "large-vehicle":
        P.shadow(img, o.corners(), sun * o.height, 0.6)
        P.large_vehicle(img, rng, o)
    elif o.cls == "plane":
        P.shadow(img, P.plane_silhouette(o), sun * o.height, 0.6)
        P.plane(img, rng, o)
    elif o.cls == "ship":
        P.shadow(img, o.corners(), sun * o.height, 0.7)
        P.ship(img, rng, o)
    elif o.cls == "tennis-court":
        P.tennis_court(img, rng, o)
    elif o.cls == "storage-tank":
        P.storage_tank(img, rng, o, sun)
    elif o.cls == "roundabout":
        P.roundabout(img, rng, o, cv.asphalt)
    else:
        raise ValueError(f"no painter for class {o.cls!r}")


def make_obj(cv: Canvas, cls: str, cx: float, cy: float, ang: float, size=None) -> Obj:
    L, W = size if size is not None else cv.size_of(cls)
    height = {"small-vehicle": 0.3, "large-vehicle": 0.35, "plane": 0.12, "ship": 0.1,
              "storage-tank": 0.5, "tennis-court": 0.0, "roundabout": 0.0}[cls] * L
    return Obj(cls, cx, cy, L, W, ang, height)


def place(cv: Canvas, o: Obj, **kw) -> bool:
    return cv.place(o, lambda ob: _draw(cv, ob), **kw)


def roads(cv: Canvas, n: int) -> None:
    """``n`` straight roads between two image borders, with dashed centre lines."""
    rng, w, h = cv.rng, cv.w, cv.h
    for _ in range(n):
        a = rng.uniform(0, np.pi)
        c = np.array([rng.uniform(0.15, 0.85) * w, rng.uniform(0.15, 0.85) * h])
        d = np.array([np.cos(a), np.sin(a)]) * 2 * (w + h)
        road_line(cv, c - d, c + d, cv.px(rng.uniform(7, 14)))


def _clip_segment(p0: np.ndarray, p1: np.ndarray, w: float, h: float, margin: float):
    """The part of segment ``p0 -> p1`` inside the image grown by ``margin`` (Liang-Barsky), or None."""
    d = p1 - p0
    t0, t1 = 0.0, 1.0
    for q, lo, hi in ((0, -margin, w + margin), (1, -margin, h + margin)):
        if abs(d[q]) < 1e-12:
            if not lo <= p0[q] <= hi:
                return None
            continue
        a, b = sorted(((lo - p0[q]) / d[q], (hi - p0[q]) / d[q]))
        t0, t1 = max(t0, a), min(t1, b)
    return None if t1 <= t0 else (p0 + t0 * d, p0 + t1 * d)


def road_line(cv: Canvas, p0: np.ndarray, p1: np.ndarray, width: float) -> None:
    """A straight road (clipped to the image) with a dashed centre line when wide enough."""
    seg = _clip_segment(np.asarray(p0, float), np.asarray(p1, float), cv.w, cv.h, width)
    if seg is None:
        return
    p0, p1 = seg
    o = Obj("road", *(p0 + p1) / 2, float(np.hypot(*(p1 - p0))), width, float(np.arctan2(*(p1 - p0)[::-1])))
    P.fill(cv.img, o.corners(), P.jitter(cv.rng, cv.asphalt, 4))
    if width > 6:
        dash = 3 * max(width / 8, 1.5)
        u = np.arange(-o.L / 2, o.L / 2, 2 * dash)
        ends = o.frame(np.stack([np.stack([u, np.zeros_like(u)], 1), np.stack([u + dash, np.zeros_like(u)], 1)],
                                1).reshape(-1, 2)).reshape(-1, 2, 2)
        cv2.polylines(cv.img, list(np.round(ends * 8).astype(np.int32)), False, (214, 210, 190), 1, cv2.LINE_AA, 3)
    cv.roads.append((p0, p1, width))


def find_pad(cv: Canvas, L: float, W: float, colour=None, tries: int = 6) -> Optional[Obj]:
    """A zone of ``L x W`` pixels at a random angle and place that meets no other zone and no
    water, painted ``colour`` (None: reserved only); None when ``tries`` draws all fail."""
    rng = cv.rng
    for _ in range(tries):
        phi = rng.uniform(0, np.pi)
        c, s = abs(np.cos(phi)), abs(np.sin(phi))
        ex, ey = 0.5 * (L * c + W * s) + 1, 0.5 * (L * s + W * c) + 1
        if 2 * ex >= cv.w or 2 * ey >= cv.h:
            continue
        z = Obj("pad", rng.uniform(ex, cv.w - ex), rng.uniform(ey, cv.h - ey), L, W, phi)
        pts = z.corners()
        if cv.free(pts, cv.zone, water=False) and cv.free(pts, cv.occ, water=None):
            if colour is not None:
                P.fill(cv.img, pts, P.jitter(rng, colour, 5))
            cv.mark(pts, cv.zone)
            return z
    return None


def _fit(n: int, pitch: float, extra: float, limit: float) -> int:
    """The largest count ``<= n`` (at least 1) of ``pitch``-spaced items that fits in ``limit``."""
    return int(max(1, min(n, (limit - extra) // pitch)))


def parking(cv: Canvas, cls: str) -> int:
    """Rows of vehicles parked side by side on a lot (a truck depot for large vehicles)."""
    rng = cv.rng
    L, W = cv.size_of(cls)
    pitch, depth = W * rng.uniform(1.45, 1.8), L * rng.uniform(1.1, 1.25) * 1.35
    n_cols = _fit(int(rng.integers(3, 15)), pitch, W, 0.9 * max(cv.w, cv.h))
    n_rows = _fit(int(rng.integers(1, 5)), depth, W, 0.9 * min(cv.w, cv.h))
    lot = find_pad(cv, n_cols * pitch + W, n_rows * depth + W, cv.asphalt * 1.15)
    if lot is None:
        return 0
    fill, placed = rng.uniform(0.55, 0.95), 0
    for i in range(n_rows):
        v = (i - (n_rows - 1) / 2) * depth
        for j in range(n_cols):
            u = (j - (n_cols - 1) / 2) * pitch
            P.line_local(cv.img, lot, (u + pitch / 2, v - L / 2), (u + pitch / 2, v + L / 2), (200, 200, 196))
            if rng.random() > fill:
                continue
            x, y = lot.frame(np.array([[u + rng.normal(0, 0.04 * W), v + rng.normal(0, 0.04 * L)]]))[0]
            ang = lot.ang + np.pi / 2 + (np.pi if rng.random() < 0.5 else 0) + heading_jitter(cv)
            placed += place(cv, make_obj(cv, cls, x, y, ang, cv.resize((L, W), rng.uniform(0.95, 1.05))))
    return placed


def traffic(cv: Canvas, cls: str, n: int) -> int:
    """Vehicles driving along the roads, in both lanes (lone vehicles when there is no road)."""
    rng = cv.rng
    if not cv.roads:
        return singles(cv, cls, n)
    placed = 0
    for _ in range(n):
        p0, p1, width = cv.roads[rng.integers(len(cv.roads))]
        t = rng.uniform(0, 1)
        d = (p1 - p0) / np.hypot(*(p1 - p0))
        lane = 1 if rng.random() < 0.5 else -1
        x, y = p0 + t * (p1 - p0) + lane * width / 4 * np.array([-d[1], d[0]])
        ang = np.arctan2(d[1], d[0]) + (np.pi if lane < 0 else 0) + heading_jitter(cv, 2)
        placed += place(cv, make_obj(cv, cls, x, y, ang))
    return placed


def apron(cv: Canvas) -> int:
    """Planes parked side by side on a concrete apron."""
    rng = cv.rng
    L, W = cv.size_of("plane")
    pitch = W * rng.uniform(1.1, 1.4)
    n = _fit(int(rng.integers(1, 6)), pitch, 0.2 * W, 0.9 * max(cv.w, cv.h))
    base = find_pad(cv, n * pitch + 0.2 * W, L * 1.3, (152, 152, 146))
    if base is None:
        return 0
    placed = 0
    for j in range(n):
        x, y = base.frame(np.array([[(j - (n - 1) / 2) * pitch, 0.0]]))[0]
        ang = base.ang + np.pi / 2 + (np.pi if rng.random() < 0.3 else 0) + heading_jitter(cv, 4)
        placed += place(cv, make_obj(cv, "plane", x, y, ang, (L, W)))
    return placed


def water_body(cv: Canvas) -> None:
    """A water area along one image side with a wavy shore (once per scene)."""
    if cv.water.any():
        return
    rng, w, h = cv.rng, cv.w, cv.h
    side = int(rng.integers(4))
    depth = rng.uniform(0.3, 0.65)
    t = np.linspace(0, 1, 12)
    wave = depth + 0.05 * np.sin(t * rng.uniform(3, 9) + rng.uniform(0, 6)) + rng.normal(0, 0.01, len(t))
    shore = {0: np.stack([t * w, wave * h], 1), 1: np.stack([t * w, (1 - wave) * h], 1),
             2: np.stack([wave * w, t * h], 1), 3: np.stack([(1 - wave) * w, t * h], 1)}[side]
    corner = {0: [[w + 5, -5], [-5, -5]], 1: [[w + 5, h + 5], [-5, h + 5]],
              2: [[-5, h + 5], [-5, -5]], 3: [[w + 5, h + 5], [w + 5, -5]]}[side]
    poly = np.concatenate([shore, np.array(corner, float)])
    colour = P.jitter(rng, (38, 70, 84), 8)
    P.fill(cv.img, poly, colour)
    cv.mark(poly, cv.water)
    cv.mark(poly, cv.zone)


def _moored(cv: Canvas, pier: Obj, L: float, W: float) -> int:
    """Ships of one size moored along both sides of a pier."""
    rng, placed = cv.rng, 0
    for side in (-1, 1):
        u = -pier.L / 2 + L / 2
        while u + L / 2 <= pier.L / 2:
            x, y = pier.frame(np.array([[u, side * (pier.W / 2 + W / 2 + 1.5)]]))[0]
            if rng.random() < 0.85:
                ang = pier.ang + (np.pi if rng.random() < 0.5 else 0) + heading_jitter(cv, 1.5)
                placed += place(cv, make_obj(cv, "ship", x, y, ang, (L, W)), water=True)
            u += L * rng.uniform(1.05, 1.3)
    return placed


def harbour(cv: Canvas) -> int:
    """Piers reaching into the water with ships moored along them, and ships under way."""
    rng = cv.rng
    water_body(cv)
    ys, xs = np.nonzero(cv.water[::4, ::4])
    if len(xs) == 0:
        return 0
    placed = 0
    for _ in range(int(rng.integers(1, 4))):
        k = rng.integers(len(xs))
        L, W = cv.size_of("ship", scale=0.6)
        length = min(L * rng.uniform(1.5, 4.0), 0.8 * max(cv.w, cv.h))
        pier = Obj("pier", xs[k] * 4.0, ys[k] * 4.0, length, cv.px(rng.uniform(4, 9)), rng.uniform(0, np.pi))
        if not cv.free(pier.corners(), cv.occ, None):
            continue
        P.fill(cv.img, pier.corners(), P.jitter(rng, (170, 168, 160), 6))
        cv.mark(pier.corners(), cv.occ)
        placed += _moored(cv, pier, L, W)
    for _ in range(int(rng.integers(1, 4))):
        k = rng.integers(len(xs))
        o = make_obj(cv, "ship", xs[k] * 4.0, ys[k] * 4.0, rng.uniform(-np.pi, np.pi))
        trail = o.frame(np.array([[-0.5 * o.L, -1.4 * o.W], [-1.1 * o.L, -1.4 * o.W], [-1.1 * o.L, 1.4 * o.W],
                                  [-0.5 * o.L, 1.4 * o.W]]))
        moving = rng.random() < 0.5
        if place(cv, o, water=True, extent=trail if moving else None):
            placed += 1
            if moving:
                P.wake(cv.img, rng, o)
    return placed


def tank_farm(cv: Canvas) -> int:
    """A grid of storage tanks of one size on a concrete base."""
    rng = cv.rng
    D, _ = cv.size_of("storage-tank")
    s = D * rng.uniform(1.2, 1.6)
    cols = _fit(int(rng.integers(1, 5)), s, 0, 0.9 * max(cv.w, cv.h))
    rows = _fit(int(rng.integers(1, 4)), s, 0, 0.9 * min(cv.w, cv.h))
    base = find_pad(cv, cols * s, rows * s, (168, 164, 152))
    if base is None:
        return 0
    placed = 0
    for i in range(rows):
        for j in range(cols):
            x, y = base.frame(np.array([[(j - (cols - 1) / 2) * s, (i - (rows - 1) / 2) * s]]))[0]
            placed += place(cv, make_obj(cv, "storage-tank", x, y, 0.0, cv.resize((D, D), rng.uniform(0.95, 1.05))))
    return placed


def courts(cv: Canvas) -> int:
    """One to four tennis courts side by side, each with its pad."""
    rng = cv.rng
    L, W = cv.size_of("tennis-court")
    n = _fit(int(rng.integers(1, 5)), 1.75 * W, 0, 0.9 * min(cv.w, cv.h))
    base = find_pad(cv, 1.45 * L + 2, n * 1.75 * W + 2)
    if base is None:
        return 0
    placed = 0
    for j in range(n):
        x, y = base.frame(np.array([[0.0, (j - (n - 1) / 2) * 1.75 * W]]))[0]
        o = make_obj(cv, "tennis-court", x, y, base.ang + (np.pi if rng.random() < 0.5 else 0), (L, W))
        placed += place(cv, o, extent=o.frame(rect(1.45 * L, 1.75 * W)), margin=0.0)
    return placed


def roundabout(cv: Canvas, tries: int = 4) -> int:
    """A ring with a green island and three or four roads leaving it."""
    rng = cv.rng
    D, _ = cv.size_of("roundabout")
    if D + 4 >= min(cv.w, cv.h):
        return 0
    for _ in range(tries):
        c = (rng.uniform(D / 2 + 2, cv.w - D / 2 - 2), rng.uniform(D / 2 + 2, cv.h - D / 2 - 2))
        o = make_obj(cv, "roundabout", c[0], c[1], 0.0, (D, D))
        if cv.free(o.corners(1), cv.occ, water=False) and cv.free(o.corners(), cv.zone, water=False):
            break
    else:
        return 0
    ring = D / 2 * rng.uniform(0.3, 0.45)
    first = rng.uniform(0, 2 * np.pi)
    for k in range(int(rng.integers(3, 5))):
        a = first + k * np.pi / 2 + rng.normal(0, 0.1)
        end = np.array(c) + 3 * (cv.w + cv.h) * np.array([np.cos(a), np.sin(a)])
        road_line(cv, np.array(c, float), end, ring * 0.9)
    return int(place(cv, o, water=False))


def singles(cv: Canvas, cls: str, n: int) -> int:
    """``n`` tries at a lone object anywhere (ships on water, the rest on land)."""
    rng, placed = cv.rng, 0
    ys, xs = np.nonzero(cv.water[::4, ::4]) if cls == "ship" else (None, None)
    for _ in range(n):
        if cls == "ship":
            if len(xs) == 0:
                return placed
            k = rng.integers(len(xs))
            x, y = xs[k] * 4.0 + rng.uniform(0, 4), ys[k] * 4.0 + rng.uniform(0, 4)
        else:
            x, y = rng.uniform(0, cv.w), rng.uniform(0, cv.h)
        ang = 0.0 if cls in ("storage-tank", "roundabout") else rng.uniform(-np.pi, np.pi)
        o = make_obj(cv, cls, x, y, ang)
        if cls == "tennis-court":
            placed += place(cv, o, extent=o.frame(rect(1.45 * o.L, 1.75 * o.W)), margin=0.0)
        else:
            placed += place(cv, o, water=(cls == "ship"))
    return placed
