"""daik.ops.poly_iou (Cython) against shapely, the pure-torch reference and hand-worked cases,
for convex and non-convex simple quadrilaterals in every vertex order."""
import numpy as np
import pytest
import torch

from daik.ops import box_iou_rotated, poly_iou
from daik.ops.reference import poly_iou_ref
from daik.structures import rbox2poly

from .helpers import random_rboxes, shapely_poly_iou


def _convex_quads(n: int, seed: int) -> np.ndarray:
    """Random convex quadrilaterals: four points in angular order on random ellipses."""
    rng = np.random.default_rng(seed)
    ang = np.sort(rng.uniform(0, 2 * np.pi, (n, 4)), axis=1)
    radii = rng.uniform(3, 15, (n, 2))
    tilt = rng.uniform(0, np.pi, (n, 1))
    x, y = radii[:, :1] * np.cos(ang), radii[:, 1:] * np.sin(ang)
    xr, yr = x * np.cos(tilt) - y * np.sin(tilt), x * np.sin(tilt) + y * np.cos(tilt)
    centre = rng.uniform(0, 25, (n, 2))
    return np.stack([xr + centre[:, :1], yr + centre[:, 1:]], -1).reshape(n, 8)


def _darts(n: int, seed: int) -> np.ndarray:
    """Random non-convex simple quadrilaterals (darts / arrowheads), any size and turn."""
    rng = np.random.default_rng(seed)
    dent = rng.uniform(-0.6, 0.6, (n, 1))
    base = np.zeros((n, 4, 2))
    base[:, 0] = [0.0, -1.0]
    base[:, 1] = [1.0, 1.0]
    base[:, 2, 1] = dent[:, 0]  # the reflex vertex, inside the triangle of the other three
    base[:, 3] = [-1.0, 1.0]
    base *= rng.uniform(3, 12, (n, 1, 2))
    t = rng.uniform(0, 2 * np.pi, (n, 1))
    x, y = base[..., 0], base[..., 1]
    rot = np.stack([x * np.cos(t) - y * np.sin(t), x * np.sin(t) + y * np.cos(t)], -1)
    return (rot + rng.uniform(0, 25, (n, 1, 2))).reshape(n, 8)


def _vertex_orders(polys: np.ndarray):
    """The 8 orders that describe the same simple polygon: 4 starts x 2 directions."""
    pts = polys.reshape(-1, 4, 2)
    for start in range(4):
        for direction in (1, -1):
            idx = [(start + direction * k) % 4 for k in range(4)]
            yield pts[:, idx].reshape(-1, 8)


@pytest.mark.parametrize("kind", ["convex", "non-convex", "mixed"])
def test_matches_shapely_in_every_vertex_order(kind):
    p = _convex_quads(30, seed=40) if kind != "non-convex" else _darts(30, seed=40)
    q = _darts(25, seed=41) if kind != "convex" else _convex_quads(25, seed=41)
    expected = shapely_poly_iou(p, q)
    assert (expected > 0).mean() > 0.3
    for i, p_order in enumerate(_vertex_orders(p)):
        q_order = list(_vertex_orders(q))[(3 * i) % 8]
        assert np.abs(poly_iou(p_order, q_order) - expected).max() <= 1e-9


def test_matches_reference_including_self_crossing_orders():
    """The reference follows the same (DOTA) semantics with independent code; it also covers
    self-crossing vertex orders, which shapely cannot take."""
    p = np.concatenate([_convex_quads(20, seed=42), _darts(20, seed=43)])
    q = np.concatenate([_convex_quads(15, seed=44), _darts(15, seed=45)])
    bowties = p.reshape(-1, 4, 2)[:, [0, 2, 1, 3]].reshape(-1, 8)
    for a, b in ((p, q), (bowties, q), (p, bowties[:10])):
        assert np.abs(poly_iou(a, b) - poly_iou_ref(a, b)).max() <= 1e-9


def test_hand_worked_cases():
    square = [0, 0, 2, 0, 2, 2, 0, 2]
    assert poly_iou([square], [square])[0, 0] == pytest.approx(1.0, abs=1e-12)
    assert poly_iou(square, [1, 0, 3, 0, 3, 2, 1, 2])[0, 0] == pytest.approx(1 / 3, abs=1e-12)
    assert poly_iou(square, [2, 0, 4, 0, 4, 2, 2, 2])[0, 0] == 0.0  # shares an edge
    assert poly_iou(square, [5, 5, 6, 5, 6, 6, 5, 6])[0, 0] == 0.0  # far apart
    # dart (0,0) (2,3) (4,0) (2,1), area 6 - 2 = 4, vs the square [0,4]x[0,1]: at height y
    # the dart spans two strips of width 2y - 2y/3, so the overlap is 4/3, IoU 0.2.
    dart = [0, 0, 2, 3, 4, 0, 2, 1]
    assert poly_iou(dart, [0, 0, 4, 0, 4, 1, 0, 1])[0, 0] == pytest.approx(0.2, abs=1e-12)
    # a bowtie's two lobes wind in opposite directions: against the square they cancel.
    assert poly_iou([0, 0, 2, 2, 2, 0, 0, 2], square)[0, 0] == pytest.approx(0.0, abs=1e-12)


def test_rectangles_match_box_iou_rotated():
    b1 = random_rboxes(30, seed=46)
    b2 = random_rboxes(20, seed=47)
    expected = box_iou_rotated(b1, b2).numpy()
    assert np.abs(poly_iou(rbox2poly(b1).numpy(), rbox2poly(b2).numpy()) - expected).max() <= 1e-9


def test_degenerate_nan_empty_and_inputs_unchanged():
    line = [0, 0, 1, 1, 2, 2, 3, 3]
    point = [1, 1] * 4
    square = [0, 0, 2, 0, 2, 2, 0, 2]
    out = poly_iou([line, point, square], [line, point, square])
    assert not np.isnan(out).any() and (out[:2] == 0).all() and (out[:, :2] == 0).all()
    nan_poly = np.array([square, [np.nan] + square[1:]], dtype=np.float64)
    iou = poly_iou(nan_poly, nan_poly)
    assert np.isnan(iou[1]).all() and np.isnan(iou[:, 1]).all() and iou[0, 0] == pytest.approx(1.0)
    assert poly_iou(np.zeros((0, 8)), np.zeros((3, 8))).shape == (0, 3)
    assert poly_iou(np.zeros((3, 8)), np.zeros((0, 8))).shape == (3, 0)
    p = _convex_quads(5, seed=48)
    before = p.copy()
    poly_iou(p, p[::-1])  # a negatively strided view is fine too
    assert np.array_equal(p, before)
    assert poly_iou(p.astype(np.float32), p).dtype == np.float64
    assert poly_iou(torch.from_numpy(p), p).shape == (5, 5)


def test_clear_errors():
    with pytest.raises(ValueError, match=r"\(N, 8\)"):
        poly_iou(np.zeros((4, 6)), np.zeros((2, 8)))  # 24 numbers: never silently (3, 8)
    with pytest.raises(ValueError, match=r"\(N, 8\)"):
        poly_iou(np.zeros((2, 8)), np.zeros((2, 4, 2)))
    from daik.ops._ext import load_polyiou

    with pytest.raises(ValueError, match=r"\(N, 8\)"):
        load_polyiou().poly_iou(np.zeros((2, 6)), np.zeros((2, 8)))
