"""The torch.library registration of daik's ops: schema, autograd registration and fake
kernels (so the ops trace under torch.compile / torch.export), checked by opcheck."""
import pytest
import torch

from daik.ops._ext import load_ops

from .helpers import random_rboxes


@pytest.fixture(scope="module")
def ops():
    return load_ops()


@pytest.mark.parametrize("mode,aligned", [("iou", False), ("iof", False), ("iou", True)])
def test_box_iou_rotated_opcheck(ops, mode, aligned):
    b1 = random_rboxes(6, seed=70, spread=10.0).requires_grad_(True)
    b2 = random_rboxes(6 if aligned else 5, seed=71, spread=10.0).requires_grad_(True)
    torch.library.opcheck(ops.box_iou_rotated.default, (b1, b2, mode, aligned))
    grad = torch.rand((6,) if aligned else (6, 5), dtype=torch.float64)
    torch.library.opcheck(ops.box_iou_rotated_backward.default, (grad, b1.detach(), b2.detach(), mode, aligned))


@pytest.mark.parametrize("with_labels", [False, True])
def test_nms_rotated_opcheck(ops, with_labels):
    boxes = random_rboxes(8, seed=72, spread=10.0)
    scores = torch.rand(8, generator=torch.Generator().manual_seed(73), dtype=torch.float64)
    labels = torch.tensor([0, 1] * 4) if with_labels else None
    torch.library.opcheck(ops.nms_rotated.default, (boxes, scores, 0.3, labels))
