"""One synthetic aerial scene: the image and its labelled objects.

Order of drawing: textured ground; water when ships are planned; roads; roundabouts (their
roads must not cover later objects); harbours; clusters of the other classes (parking rows and
road traffic, aprons, tank farms, court groups) and single objects, chosen by class weight;
unlabelled distractors (buildings with shadows, pools); trees, some of them over objects
(occlusion); finally blur, haze, brightness and sensor noise.

An object is *difficult* when its long side is below ``cfg.difficult_size`` pixels or tree
crowns cover more than ``cfg.difficult_occlusion`` of its box.
"""
from dataclasses import dataclass
from typing import List

import numpy as np

from daik.structures import rbox2poly, regularize_rboxes

from . import clusters as C
from . import painters as P
from .canvas import Canvas
from .config import SynthConfig
from .texture import finish, ground


@dataclass
class Scene:
    """A rendered scene.

    Attributes:
        img: ``(H, W, 3)`` uint8 RGB.
        rboxes: ``(N, 5)`` float64 regularised le90 boxes, pixels.
        polys: ``(N, 8)`` the same boxes as DOTA polygons (first corner at the object's rear left).
        names: ``N`` class names.
        difficult: ``(N,)`` bool.
        gsd: metres per pixel.
    """

    img: np.ndarray
    rboxes: np.ndarray
    polys: np.ndarray
    names: List[str]
    difficult: np.ndarray
    gsd: float


def _pick(rng: np.random.Generator, cfg: SynthConfig) -> str:
    classes = cfg.classes
    w = np.array([cfg.class_weights[c] for c in classes], np.float64)
    return classes[rng.choice(len(classes), p=w / w.sum())]


def _cluster(cv: Canvas, cls: str) -> int:
    """One cluster of ``cls``; when it does not fit, a few lone objects of the class instead."""
    rng = cv.rng
    if cls in ("small-vehicle", "large-vehicle"):
        n = C.parking(cv, cls) if rng.random() < 0.6 else C.traffic(cv, cls, int(rng.integers(3, 12)))
    else:
        n = {"plane": C.apron, "ship": C.harbour, "storage-tank": C.tank_farm, "tennis-court": C.courts,
             "roundabout": C.roundabout}[cls](cv)
    return n if n else C.singles(cv, cls, 3)


def _distractors(cv: Canvas, area: float) -> None:
    rng, clutter = cv.rng, cv.cfg.clutter
    for _ in range(rng.poisson(8 * clutter * area)):
        L = cv.px(rng.uniform(8, 40))
        o = P.Obj("building", rng.uniform(0, cv.w), rng.uniform(0, cv.h), L, L * rng.uniform(0.4, 1.0),
                  rng.uniform(0, np.pi), cv.px(rng.uniform(3, 15)))
        if cv.free(o.corners(2), cv.occ, water=False) and cv.free(o.corners(), cv.zone, water=False):
            P.building(cv.img, rng, o, cv.sun)
            cv.mark(o.corners(), cv.occ)
    for _ in range(rng.poisson(1 * clutter * area)):
        L = cv.px(rng.uniform(8, 20))
        o = P.Obj("pool", rng.uniform(0, cv.w), rng.uniform(0, cv.h), L, L * rng.uniform(0.4, 0.7),
                  rng.uniform(0, np.pi))
        if cv.free(o.corners(2), cv.occ, water=False):
            P.pool(cv.img, rng, o)
            cv.mark(o.corners(), cv.occ)


def _trees(cv: Canvas, area: float) -> None:
    rng, clutter = cv.rng, cv.cfg.clutter
    for _ in range(rng.poisson(25 * clutter * area)):
        x, y, r = rng.uniform(0, cv.w), rng.uniform(0, cv.h), cv.px(rng.uniform(2, 6))
        crown = P.Obj("tree", x, y, 2.6 * r, 2.6 * r, 0.0).corners()
        if cv.free(crown, cv.occ, water=False):
            P.tree(cv.img, rng, x, y, r, cv.sun, cv.trees)
    for o in list(cv.objects):  # trees over some objects: occlusion
        if o.cls != "ship" and rng.random() < 0.08 * clutter:
            u, v = rng.uniform(-0.5, 0.5) * o.L, rng.choice([-0.5, 0.5]) * o.W
            x, y = o.frame(np.array([[u, v]]))[0]
            P.tree(cv.img, rng, x, y, max(cv.px(rng.uniform(2, 6)), 0.25 * o.W), cv.sun, cv.trees)


def _annotations(cv: Canvas) -> tuple:
    objs = cv.objects
    if not objs:
        return np.zeros((0, 5)), np.zeros((0, 8)), [], np.zeros(0, bool)
    raw = np.array([[o.cx, o.cy, o.L, o.W, o.ang] for o in objs], np.float64)  # heading form
    polys = rbox2poly(raw)
    rboxes = regularize_rboxes(raw)
    cfg = cv.cfg
    difficult = np.array([max(o.L, o.W) < cfg.difficult_size or cv.occlusion(o) > cfg.difficult_occlusion
                          for o in objs], bool)
    return rboxes, polys, [o.cls for o in objs], difficult


def generate_scene(rng: np.random.Generator, cfg: SynthConfig) -> Scene:
    """Render one scene of ``cfg.width x cfg.height`` pixels from ``rng`` (module docstring)."""
    w, h = cfg.width, cfg.height
    area = w * h / 512.0 ** 2
    gsd = float(np.exp(rng.uniform(*np.log(cfg.gsd_range))))
    cv = Canvas(ground(rng, h, w), rng, cfg, gsd)
    plan = [_pick(rng, cfg) for _ in range(rng.poisson(5.5 * cfg.density * area))]
    if "ship" in plan:
        C.water_body(cv)
    C.roads(cv, int(rng.poisson(1.0 * np.sqrt(area))))
    for cls in sorted(plan, key=lambda c: (c != "roundabout", c != "ship")):
        _cluster(cv, cls)
    for _ in range(rng.poisson(8.0 * cfg.density * area)):
        C.singles(cv, _pick(rng, cfg), 1)
    for _ in range(50):  # every scene holds at least one object
        if cv.objects:
            break
        C.singles(cv, _pick(rng, cfg), 1)
    _distractors(cv, area)
    _trees(cv, area)
    img = finish(cv.img, rng, cfg.noise)
    rboxes, polys, names, difficult = _annotations(cv)
    return Scene(img, rboxes, polys, names, difficult, gsd)
