"""Helpers shared by the data tests: random boxes, fixtures written to disk, box/pixel checks."""
import math
import os

import cv2
import numpy as np
import shapely

from daik.structures import rbox2poly, regularize_rboxes


def random_rboxes(n, rng, lo=20.0, hi=400.0, min_side=4.0, max_side=60.0, aspect_gap=1.0):
    """Regularised rboxes with ``w > h + aspect_gap`` and theta away from the +-pi/2 seam."""
    cx, cy = rng.uniform(lo, hi, n), rng.uniform(lo, hi, n)
    h = rng.uniform(min_side, max_side, n)
    w = h + aspect_gap + rng.uniform(0, max_side, n)
    t = rng.uniform(-math.pi / 2 + 0.01, math.pi / 2 - 0.01, n)
    return regularize_rboxes(np.stack([cx, cy, w, h, t], 1))


def write_png(path, img_rgb):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    assert cv2.imwrite(path, np.ascontiguousarray(img_rgb[..., ::-1]))


def write_text(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def poly_line(poly, name, diff=0, fmt="{:.6f}"):
    return " ".join(fmt.format(v) for v in poly) + f" {name} {diff}"


def angle_close(a, b, tol):
    """Angles equal modulo pi (a box is the same turned by 180 degrees)."""
    d = np.abs((np.asarray(a) - np.asarray(b) + math.pi / 2) % math.pi - math.pi / 2)
    return bool((d < tol).all())


def same_boxes(a, b, tol=1e-4):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return a.shape == b.shape and np.allclose(a[:, :4], b[:, :4], atol=tol) and angle_close(a[:, 4], b[:, 4], tol)


def same_regions(a, b, tol=1e-3):
    """Boxes cover the same regions (for squares, whose regularised angle is ambiguous):
    symmetric difference below ``tol`` of each box's area."""
    pa = shapely.polygons(rbox2poly(np.asarray(a, np.float64)).reshape(-1, 4, 2))
    pb = shapely.polygons(rbox2poly(np.asarray(b, np.float64)).reshape(-1, 4, 2))
    return len(pa) == len(pb) and bool((shapely.area(shapely.symmetric_difference(pa, pb))
                                        <= tol * shapely.area(pa)).all())


def draw_boxes(shape, rboxes, colours):
    """Black image with each box filled in its colour: a pixel takes the colour of the box that
    contains its centre (``(j + 0.5, i + 0.5)``, daik's continuous coordinates). ``(H, W, 3)`` uint8."""
    img = np.zeros(shape + (3,), np.uint8)
    ys, xs = np.mgrid[0:shape[0], 0:shape[1]]
    for poly, c in zip(rbox2poly(np.asarray(rboxes, np.float64)), colours):
        inside = shapely.contains_xy(shapely.Polygon(poly.reshape(4, 2)), xs + 0.5, ys + 0.5)
        img[inside] = c
    return img


def distinct_colours(n):
    """``n`` colours far apart from each other and from black: ``(n, 3)`` uint8."""
    out = []
    for i in range(n):
        out.append(((37 * i + 60) % 200 + 55, (91 * i + 120) % 200 + 55, (53 * i + 30) % 200 + 55))
    return np.array(out, np.uint8)


def check_boxes_cover_colours(img, rboxes, colours, min_inside=0.97, area_tol=0.6, enclosing=False,
                              centre_tol=0.3):
    """Each box covers the pixels of its colour: nearly all of them lie in the (1 px grown)
    box, and their count matches the box's area on the image within ``area_tol`` pixels per
    pixel of its outline. With ``enclosing`` (a shape that is no longer a rectangle, e.g.
    after an anisotropic resize) the box may be up to 35 % larger than its pixels. The
    pixels' centroid must lie within ``centre_tol`` of the box centre (a half-pixel slip in a
    transform fails here).
    Returns the worst (inside fraction, relative area error)."""
    rboxes = np.asarray(rboxes, np.float64).reshape(-1, 5)
    h, w = img.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w]
    worst = (1.0, 0.0)
    for box, c in zip(rboxes, colours):
        mask = np.all(np.abs(img.astype(int) - c.astype(int)) <= 1, axis=2)
        n = int(mask.sum())
        assert n > 0, f"no pixel of colour {c} left for box {box}"
        grown = box.copy()
        grown[2:4] += 2.0
        inside = float(shapely.contains_xy(shapely.Polygon(rbox2poly(grown).reshape(4, 2)),
                                           xs[mask] + 0.5, ys[mask] + 0.5).mean())
        part = shapely.intersection(shapely.Polygon(rbox2poly(box).reshape(4, 2)), shapely.box(0, 0, w, h))
        visible, edge = shapely.area(part), shapely.length(part)
        assert inside >= min_inside, f"only {inside:.3f} of colour {c} inside its box {box}"
        # resampling moves a boundary by up to about half a pixel
        slack = area_tol * edge + 4
        high = 1.35 * n + slack if enclosing else n + slack
        assert n - slack <= visible <= high, f"colour {c}: {n} pixels vs box area {visible:.1f} (box {box})"
        if abs(visible - box[2] * box[3]) < 1e-6 * visible:  # wholly on the image: centres agree
            centre = np.array([xs[mask].mean() + 0.5, ys[mask].mean() + 0.5])
            assert np.hypot(*(centre - box[:2])) < centre_tol, f"colour {c} centred at {centre}, box at {box[:2]}"
        worst = (min(worst[0], inside), max(worst[1], abs(n - visible) / max(visible, 1.0)))
    return worst
