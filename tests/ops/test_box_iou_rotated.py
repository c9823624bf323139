"""daik.ops.box_iou_rotated (compiled) against shapely, the pure-torch reference and
hand-worked cases. Float32 results must be within 1e-4 of shapely, float64 within 1e-9
(absolute IoU error; IoU is scale-free, so the same bound holds for sub-pixel boxes)."""
import math

import numpy as np
import pytest
import torch

from daik.ops import box_iou_rotated
from daik.ops.reference import box_iou_rotated_ref

from .helpers import random_rboxes, shapely_box_iou

TOL = {torch.float32: 1e-4, torch.float64: 1e-9}
DTYPES = [torch.float32, torch.float64]


def _max_err(boxes1, boxes2, mode="iou"):
    ours = box_iou_rotated(boxes1, boxes2, mode).double().numpy()
    return np.abs(ours - shapely_box_iou(boxes1, boxes2, mode)).max()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", ["iou", "iof"])
def test_random_pairs_match_shapely(dtype, mode):
    b1 = random_rboxes(40, seed=1, dtype=dtype)
    b2 = random_rboxes(30, seed=2, dtype=dtype)
    iou = box_iou_rotated(b1, b2, mode)
    assert iou.shape == (40, 30) and iou.dtype == dtype
    assert (iou > 0).float().mean() > 0.3  # the case is not trivially all zeros
    assert _max_err(b1, b2, mode) <= TOL[dtype]


@pytest.mark.parametrize("dtype", DTYPES)
def test_matches_reference(dtype):
    b1 = random_rboxes(25, seed=3, dtype=dtype)
    b2 = random_rboxes(20, seed=4, dtype=dtype)
    for mode in ("iou", "iof"):
        diff = (box_iou_rotated(b1, b2, mode) - box_iou_rotated_ref(b1, b2, mode)).abs().max()
        assert diff <= TOL[dtype]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "name,centre,size",
    [("huge boxes", 0.0, (5e3, 2e4)), ("far from the origin", 1e4, (4.0, 60.0)),
     ("sub-pixel", 100.0, (0.02, 0.9))],
)
def test_scales(dtype, name, centre, size):
    spread = size[1] * 1.2
    b1 = random_rboxes(30, seed=5, centre=centre, spread=spread, size=size, dtype=dtype)
    b2 = random_rboxes(30, seed=6, centre=centre, spread=spread, size=size, dtype=dtype)
    assert _max_err(b1, b2) <= TOL[dtype], name


@pytest.mark.parametrize("dtype", DTYPES)
def test_needles(dtype):
    """50:1 boxes crossing at every angle, and near-parallel needles."""
    angles = torch.linspace(-math.pi, math.pi, 37, dtype=torch.float64)
    b1 = torch.tensor([[10.0, 10.0, 50.0, 1.0, 0.3]], dtype=torch.float64)
    b2 = torch.stack([torch.full_like(angles, 10.5), torch.full_like(angles, 10.2),
                      torch.full_like(angles, 50.0), torch.full_like(angles, 1.0), 0.3 + angles], -1)
    near = torch.tensor([[10.0, 10.3, 50.0, 1.0, 0.3 + d] for d in (1e-7, 1e-5, 1e-3, -1e-4)])
    b2 = torch.cat([b2, near.double()])
    assert _max_err(b1.to(dtype), b2.to(dtype)) <= TOL[dtype]


def test_near_parallel_edges():
    """Edges at 1e-9..1e-3 rad from each other, overlapping along their length."""
    b1 = torch.tensor([[0.0, 0.0, 10.0, 4.0, 0.2]], dtype=torch.float64)
    eps = torch.tensor([1e-9, 1e-7, 1e-5, 1e-3, -1e-6], dtype=torch.float64)
    b2 = torch.stack([0.3 + 0 * eps, 0.1 + 0 * eps, 9.0 + 0 * eps, 4.0 + 0 * eps, 0.2 + eps], -1)
    assert _max_err(b1, b2) <= 1e-9
    assert _max_err(b1.float(), b2.float()) <= 1e-4


@pytest.mark.parametrize("dtype", DTYPES)
def test_identical_and_turned_boxes_are_the_same_region(dtype):
    b = random_rboxes(20, seed=7, dtype=dtype)
    other = random_rboxes(15, seed=8, dtype=dtype)
    cx, cy, w, h, t = b.unbind(-1)
    turned90 = torch.stack([cx, cy, h, w, t + math.pi / 2], -1)
    turned180 = torch.stack([cx, cy, w, h, t + math.pi], -1)
    negative = torch.stack([cx, cy, -w, h, t], -1)  # a negative size covers the same region
    for same in (b, turned90, turned180, negative):
        diag = box_iou_rotated(b, same, aligned=True)
        assert torch.allclose(diag, torch.ones_like(diag), atol=10 * TOL[dtype])
        assert (box_iou_rotated(same, other) - box_iou_rotated(b, other)).abs().max() <= 10 * TOL[dtype]


def test_nested_boxes():
    big = torch.tensor([[5.0, 5.0, 8.0, 6.0, 0.4]], dtype=torch.float64)
    small = torch.tensor([[5.5, 4.8, 2.0, 1.0, -1.1]], dtype=torch.float64)
    assert box_iou_rotated(big, small).item() == pytest.approx(2.0 / 48.0, abs=1e-12)
    assert box_iou_rotated(small, big, "iof").item() == pytest.approx(1.0, abs=1e-12)
    assert box_iou_rotated(big, small, "iof").item() == pytest.approx(2.0 / 48.0, abs=1e-12)


@pytest.mark.parametrize("dtype", DTYPES)
def test_touching_boxes_have_zero_iou(dtype):
    a = torch.tensor([[0.0, 0.0, 2.0, 2.0, 0.0]], dtype=dtype)
    touching = torch.tensor([[2.0, 0.0, 2.0, 2.0, 0.0],  # shares an edge
                             [2.0, 2.0, 2.0, 2.0, 0.0],  # shares a corner
                             [0.0, 3.0, 4.0, 4.0, 0.0],  # overlapping edge segment, outside
                             [1.0 + math.sqrt(2.0), 0.0, 2.0, 2.0, math.pi / 4]], dtype=dtype)  # corner on an edge
    iou = box_iou_rotated(a, touching)
    assert iou.abs().max() <= 10 * TOL[dtype]
    rotated = torch.tensor([[0.0, 0.0, 2.0, 2.0, 0.7]], dtype=dtype)
    shifted = torch.tensor([[2 * math.cos(0.7), 2 * math.sin(0.7), 2.0, 2.0, 0.7]], dtype=dtype)
    assert box_iou_rotated(rotated, shifted).abs().max() <= 10 * TOL[dtype]


@pytest.mark.parametrize("dtype", DTYPES)
def test_zero_size_boxes_give_zero_not_nan(dtype):
    boxes = torch.tensor([[0.0, 0.0, 0.0, 3.0, 0.3], [0.0, 0.0, 3.0, 0.0, 0.3],
                          [0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 4.0, 4.0, 0.1]], dtype=dtype)
    for mode in ("iou", "iof"):
        iou = box_iou_rotated(boxes, boxes, mode)
        assert not iou.isnan().any()
        assert (iou[:3] == 0).all() and (iou[:, :3] == 0).all()
        assert iou[3, 3] == pytest.approx(1.0, abs=1e-6)


def test_nan_box_gives_nan_only_in_its_row_and_column():
    b = random_rboxes(6, seed=9)
    b[2, 4] = float("nan")
    b[4, 0] = float("inf")
    iou = box_iou_rotated(b, b)
    bad = torch.zeros(6, dtype=torch.bool)
    bad[[2, 4]] = True
    assert iou[bad].isnan().all() and iou[:, bad].isnan().all()
    assert not iou[~bad][:, ~bad].isnan().any()
    assert box_iou_rotated(b, b, aligned=True)[bad].isnan().all()


@pytest.mark.parametrize("dtype", DTYPES)
def test_symmetry_and_aligned_is_the_diagonal(dtype):
    b1 = random_rboxes(30, seed=10, dtype=dtype)
    b2 = random_rboxes(30, seed=11, dtype=dtype)
    pair = box_iou_rotated(b1, b2)
    assert (pair - box_iou_rotated(b2, b1).T).abs().max() <= TOL[dtype]
    for mode in ("iou", "iof"):
        full = box_iou_rotated(b1, b2, mode)
        assert torch.equal(box_iou_rotated(b1, b2, mode, aligned=True), full.diagonal())


def test_inputs_unchanged_and_non_contiguous_inputs():
    base = random_rboxes(20, seed=12)
    strided = base.T.contiguous().T  # same values, column-major
    assert not strided.is_contiguous()
    before = strided.clone()
    out = box_iou_rotated(strided, strided[::2])
    assert torch.equal(strided, before)
    assert torch.equal(out, box_iou_rotated(base, base[::2].contiguous()))


@pytest.mark.parametrize("aligned", [False, True])
def test_empty_inputs(aligned):
    e = torch.zeros(0, 5)
    b = random_rboxes(3, seed=13, dtype=torch.float32)
    if aligned:
        assert box_iou_rotated(e, e, aligned=True).shape == (0,)
    else:
        assert box_iou_rotated(e, b).shape == (0, 3)
        assert box_iou_rotated(b, e).shape == (3, 0)
        assert box_iou_rotated(e, e).shape == (0, 0)


def test_clear_errors():
    b = random_rboxes(3, seed=14)
    with pytest.raises(ValueError, match=r"\(N, 5\)"):
        box_iou_rotated(b[:, :4], b)
    with pytest.raises(TypeError, match="float32 or float64"):
        box_iou_rotated(b.long(), b.long())
    with pytest.raises(TypeError, match="float32 or float64"):
        box_iou_rotated(b.half(), b.half())
    with pytest.raises(ValueError, match="share dtype"):
        box_iou_rotated(b, b.float())
    with pytest.raises(ValueError, match="share dtype and device"):
        box_iou_rotated(b, torch.empty(3, 5, dtype=torch.float64, device="meta"))
    with pytest.raises(ValueError, match="mode"):
        box_iou_rotated(b, b, mode="giou")
    with pytest.raises(ValueError, match="aligned"):
        box_iou_rotated(b, b[:2], aligned=True)
    with pytest.raises(TypeError, match="torch.Tensor"):
        box_iou_rotated(b.numpy(), b)


def test_kernel_checks_its_own_arguments():
    """Calls that bypass the Python face still get clear errors, not a crash."""
    ops = torch.ops.daik
    b = random_rboxes(3, seed=15)
    with pytest.raises(RuntimeError, match=r"\(N, 5\)"):
        ops.box_iou_rotated(b[:, :3], b, "iou", False)
    with pytest.raises(RuntimeError, match="mode"):
        ops.box_iou_rotated(b, b, "giou", False)
    with pytest.raises(RuntimeError, match="share a dtype"):
        ops.box_iou_rotated(b, b.float(), "iou", False)
    with pytest.raises(RuntimeError, match="shape"):
        ops.box_iou_rotated_backward(torch.ones(2, 3, dtype=torch.float64), b, b, "iou", False)
