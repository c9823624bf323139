"""Gradients of daik.ops.box_iou_rotated: gradcheck in float64 and agreement with autograd
through the pure-torch reference."""
import pytest
import torch

from daik.ops import box_iou_rotated
from daik.ops.reference import box_iou_rotated_ref

from .helpers import random_rboxes


def _overlapping_pairs(n: int, seed: int):
    """Aligned pairs that overlap in general position (box2 = box1 moved, resized, turned)."""
    g = torch.Generator().manual_seed(seed)
    b1 = random_rboxes(n, seed=seed, spread=20.0, size=(3.0, 10.0))
    jitter = torch.rand(n, 5, generator=g, dtype=torch.float64) - 0.5
    b2 = b1 + jitter * torch.tensor([4.0, 4.0, 4.0, 4.0, 1.5], dtype=torch.float64)
    return b1, b2


@pytest.mark.parametrize("mode", ["iou", "iof"])
def test_gradcheck_aligned(mode):
    b1, b2 = _overlapping_pairs(12, seed=20)
    assert (box_iou_rotated(b1, b2, mode, aligned=True) > 0.05).all()
    b1.requires_grad_(True)
    b2.requires_grad_(True)
    assert torch.autograd.gradcheck(lambda x, y: box_iou_rotated(x, y, mode, aligned=True), (b1, b2))


@pytest.mark.parametrize("mode", ["iou", "iof"])
def test_gradcheck_pairwise(mode):
    b1 = random_rboxes(6, seed=21, spread=12.0, size=(3.0, 10.0)).requires_grad_(True)
    b2 = random_rboxes(5, seed=22, spread=12.0, size=(3.0, 10.0)).requires_grad_(True)
    assert (box_iou_rotated(b1, b2) > 0).float().mean() > 0.5
    assert torch.autograd.gradcheck(lambda x, y: box_iou_rotated(x, y, mode), (b1, b2))


@pytest.mark.parametrize("aligned", [False, True])
@pytest.mark.parametrize("mode", ["iou", "iof"])
def test_backward_matches_autograd_of_reference(mode, aligned):
    if aligned:
        b1, b2 = _overlapping_pairs(200, seed=23)
    else:
        b1 = random_rboxes(30, seed=24, spread=25.0)
        b2 = random_rboxes(25, seed=25, spread=25.0)
    weights = torch.rand(b1.shape[0] if aligned else (b1.shape[0], b2.shape[0]),
                         generator=torch.Generator().manual_seed(26), dtype=torch.float64)
    grads = []
    for fn in (box_iou_rotated, box_iou_rotated_ref):
        x, y = b1.clone().requires_grad_(True), b2.clone().requires_grad_(True)
        (fn(x, y, mode, aligned) * weights).sum().backward()
        grads.append((x.grad, y.grad))
    (g1, g2), (r1, r2) = grads
    assert g1.abs().sum() > 0 and g2.abs().sum() > 0
    assert torch.allclose(g1, r1, atol=1e-9, rtol=1e-7)
    assert torch.allclose(g2, r2, atol=1e-9, rtol=1e-7)


def test_float32_backward_close_to_float64():
    b1, b2 = _overlapping_pairs(100, seed=27)
    grads = {}
    for dtype in (torch.float32, torch.float64):
        x, y = b1.to(dtype).requires_grad_(True), b2.to(dtype).requires_grad_(True)
        box_iou_rotated(x, y, aligned=True).sum().backward()
        grads[dtype] = torch.cat([x.grad, y.grad]).double()
    scale = grads[torch.float64].abs().max()
    assert (grads[torch.float32] - grads[torch.float64]).abs().max() <= 1e-4 * scale


def test_disjoint_zero_size_and_nan_gradients():
    b1 = torch.tensor([[0.0, 0.0, 2.0, 2.0, 0.1],   # far from its partner
                       [0.0, 0.0, 0.0, 2.0, 0.1],   # zero width
                       [0.0, 0.0, 2.0, 2.0, 0.1],   # identical to its partner
                       [float("nan"), 0.0, 2.0, 2.0, 0.1]], dtype=torch.float64, requires_grad=True)
    b2 = torch.tensor([[50.0, 0.0, 2.0, 2.0, 0.3], [0.0, 0.0, 2.0, 2.0, 0.1],
                       [0.0, 0.0, 2.0, 2.0, 0.1], [0.0, 0.0, 2.0, 2.0, 0.1]],
                      dtype=torch.float64, requires_grad=True)
    box_iou_rotated(b1, b2, aligned=True).sum().backward()
    assert (b1.grad[:2] == 0).all() and (b2.grad[:2] == 0).all()
    assert b1.grad[2].isfinite().all() and b2.grad[2].isfinite().all()
    assert b1.grad[3].isnan().all()


def test_zero_upstream_gradient_skips_nan_boxes():
    """A masked-out pair with a NaN box does not poison the other gradients."""
    b = random_rboxes(4, seed=28, spread=5.0).requires_grad_(False)
    b[1, 0] = float("nan")
    x, y = b.clone().requires_grad_(True), b.clone().requires_grad_(True)
    iou = box_iou_rotated(x, y)
    keep = torch.ones_like(iou, dtype=torch.bool)
    keep[1, :] = keep[:, 1] = False
    torch.where(keep, iou, torch.zeros_like(iou)).sum().backward()
    assert x.grad[[0, 2, 3]].isfinite().all() and y.grad[[0, 2, 3]].isfinite().all()


def test_empty_backward():
    x = torch.zeros(0, 5, dtype=torch.float64, requires_grad=True)
    y = random_rboxes(3, seed=29).requires_grad_(True)
    box_iou_rotated(x, y).sum().backward()
    assert x.grad.shape == (0, 5) and torch.equal(y.grad, torch.zeros_like(y))
