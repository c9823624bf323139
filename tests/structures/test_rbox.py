import math

import numpy as np
import pytest
import shapely
import torch

from daik.structures import (flip_rboxes, hbox2rbox, norm_angle, poly2hbox, poly2rbox, rbox2hbox,
                             rbox2poly, regularize_rboxes, rot90_rboxes, rot90_shape, rotate_rboxes)


def random_rboxes(n, seed=0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(n, 2, generator=g, dtype=dtype) * 200
    wh = torch.rand(n, 2, generator=g, dtype=dtype) * 60 + 2
    t = (torch.rand(n, 1, generator=g, dtype=dtype) - 0.5) * 4 * math.pi
    return torch.cat([xy, wh, t], 1)


def same_region(polys_a, polys_b, tol=1e-6):
    """Symmetric-difference area of two sets of polygons, relative to their areas."""
    a = shapely.polygons(np.asarray(polys_a, np.float64).reshape(-1, 4, 2))
    b = shapely.polygons(np.asarray(polys_b, np.float64).reshape(-1, 4, 2))
    diff = shapely.area(shapely.symmetric_difference(a, b)) / np.maximum(shapely.area(a), 1e-12)
    return bool((diff < tol).all())


def test_rbox2poly_hand_cases():
    got = rbox2poly(torch.tensor([[10.0, 20.0, 4.0, 2.0, 0.0]]))
    assert torch.allclose(got, torch.tensor([[8.0, 19.0, 12.0, 19.0, 12.0, 21.0, 8.0, 21.0]]))
    # a quarter turn (clockwise on screen): the first corner (-2, -1) goes to (1, -2)
    got = rbox2poly(torch.tensor([[0.0, 0.0, 4.0, 2.0, math.pi / 2]], dtype=torch.float64))
    want = torch.tensor([[1.0, -2.0, 1.0, 2.0, -1.0, 2.0, -1.0, -2.0]], dtype=torch.float64)
    assert torch.allclose(got, want, atol=1e-12)


def test_regularize_form_region_and_idempotence():
    b = random_rboxes(500)
    r = regularize_rboxes(b)
    assert (r[:, 2] >= r[:, 3]).all()
    assert (r[:, 4] >= -math.pi / 2).all() and (r[:, 4] < math.pi / 2).all()
    assert same_region(rbox2poly(b), rbox2poly(r))
    assert torch.equal(regularize_rboxes(r), r)
    square = torch.tensor([[5.0, 5.0, 3.0, 3.0, 0.3]], dtype=torch.float64)
    assert torch.equal(regularize_rboxes(square), square)


def test_norm_angle_range_and_period():
    t = torch.linspace(-10, 10, 2001, dtype=torch.float64)
    n = norm_angle(t)
    assert (n >= -math.pi / 2).all() and (n < math.pi / 2).all()
    k = (t - n) / math.pi
    assert torch.allclose(k, k.round(), atol=1e-9)
    assert norm_angle(torch.tensor([math.pi / 2])).item() == pytest.approx(-math.pi / 2)


def test_poly2rbox_roundtrip_and_vertex_order():
    b = regularize_rboxes(random_rboxes(300, seed=1))
    polys = rbox2poly(b)
    for p in (polys, polys.reshape(-1, 4, 2).flip(1).reshape(-1, 8),
              polys.reshape(-1, 4, 2).roll(1, dims=1).reshape(-1, 8),
              polys.reshape(-1, 4, 2)[:, [0, 2, 1, 3]].reshape(-1, 8)):  # even a bow-tie order
        r = poly2rbox(p)
        assert torch.allclose(r[:, :4], b[:, :4], atol=1e-8)
        assert torch.allclose(norm_angle(r[:, 4] - b[:, 4]), torch.zeros(300, dtype=torch.float64), atol=1e-8)


def test_poly2rbox_is_minimum_area_enclosing_rectangle():
    g = np.random.default_rng(3)
    polys = g.uniform(0, 100, size=(200, 8))
    r = poly2rbox(polys)
    assert isinstance(r, np.ndarray) and r.dtype == np.float64
    rect = shapely.polygons(rbox2poly(r).reshape(-1, 4, 2))
    pts = shapely.multipoints(polys.reshape(-1, 4, 2))
    assert shapely.covers(shapely.buffer(rect, 1e-6), pts).all()
    # brute force over 0.05 degree steps: nothing smaller than the rectangle found
    ang = np.deg2rad(np.arange(0, 90, 0.05))
    x, y = polys[:, None, 0::2], polys[:, None, 1::2]
    c, s = np.cos(ang)[None, :, None], np.sin(ang)[None, :, None]
    u, v = x * c + y * s, -x * s + y * c
    brute = ((u.max(-1) - u.min(-1)) * (v.max(-1) - v.min(-1))).min(1)
    area = r[:, 2] * r[:, 3]
    assert (area <= brute + 1e-6).all()
    assert np.allclose(area, brute, rtol=1e-2)


def test_float32_large_coordinates():
    b = torch.tensor([[12000.5, 9000.25, 300.0, 20.0, 0.7]], dtype=torch.float32)
    r = poly2rbox(rbox2poly(b))
    assert r.dtype == torch.float32
    assert torch.allclose(r, b, atol=5e-3)


def test_hbox_conversions():
    b = random_rboxes(100, seed=2)
    assert torch.allclose(rbox2hbox(b), poly2hbox(rbox2poly(b)), atol=1e-9)
    h = torch.tensor([[0.0, 0.0, 10.0, 4.0], [0.0, 0.0, 2.0, 6.0]], dtype=torch.float64)
    assert same_region(rbox2poly(hbox2rbox(h)), [[0, 0, 10, 0, 10, 4, 0, 4], [0, 0, 2, 0, 2, 6, 0, 6]])


def test_numpy_and_torch_agree():
    b = random_rboxes(50, seed=4)
    assert np.allclose(rbox2poly(b.numpy()), rbox2poly(b).numpy())
    assert np.allclose(regularize_rboxes(b.numpy()), regularize_rboxes(b).numpy())
    with pytest.raises(ValueError, match="5 numbers"):
        rbox2poly(torch.zeros(3, 4))


def _point_map(kind, shape):
    """How a continuous point moves when the image array is transformed."""
    h, w = shape
    return {
        "horizontal": lambda x, y: (w - x, y),
        "vertical": lambda x, y: (x, h - y),
        "diagonal": lambda x, y: (w - x, h - y),
        "rot90": lambda x, y: (y, w - x),
    }[kind]


@pytest.mark.parametrize("kind", ["horizontal", "vertical", "diagonal", "rot90"])
def test_box_transforms_follow_the_points(kind):
    shape = (120, 200)
    b = random_rboxes(100, seed=5)
    moved = rot90_rboxes(b, shape, 1) if kind == "rot90" else flip_rboxes(b, shape, kind)
    p = rbox2poly(b).reshape(-1, 4, 2)
    x, y = _point_map(kind, shape)(p[..., 0], p[..., 1])
    assert same_region(torch.stack([x, y], -1).reshape(-1, 8), rbox2poly(moved))


@pytest.mark.parametrize("kind", ["horizontal", "vertical", "diagonal", "rot90", "rot270"])
def test_box_transforms_match_pixels(kind):
    """Draw a box, transform the image array, and check the box lands on the moved pixels."""
    import cv2

    shape = (96, 160)
    box = torch.tensor([[52.0, 40.0, 60.0, 18.0, 0.45]], dtype=torch.float64)

    def draw(rb, shp):
        img = np.zeros(shp, np.uint8)
        pts = rbox2poly(rb).reshape(4, 2).numpy() - 0.5  # pixel centres sit at i + 0.5
        cv2.fillPoly(img, [np.round(pts * 16).astype(np.int32)], 1, shift=4)
        return img

    img = draw(box, shape)
    if kind.startswith("rot"):
        k = 1 if kind == "rot90" else 3
        moved_img, moved = np.rot90(img, k), rot90_rboxes(box, shape, k)
        new_shape = rot90_shape(shape, k)
    else:
        axis = {"horizontal": (1,), "vertical": (0,), "diagonal": (0, 1)}[kind]
        moved_img, moved, new_shape = np.flip(img, axis), flip_rboxes(box, shape, kind), shape
    redrawn = draw(moved, new_shape)
    inter = np.logical_and(moved_img, redrawn).sum()
    union = np.logical_or(moved_img, redrawn).sum()
    assert inter / union > 0.97


def test_rotate_about_centre_keeps_shape():
    b = random_rboxes(20, seed=6)
    r = rotate_rboxes(b, 0.3, (100.0, 100.0))
    back = rotate_rboxes(r, -0.3, (100.0, 100.0))
    assert same_region(rbox2poly(back), rbox2poly(b))
    assert torch.allclose(r[:, 2] * r[:, 3], b[:, 2] * b[:, 3])
