"""daik.ops.nms_rotated / batched_nms_rotated (compiled) against a plain horizontal NMS, the
pure-torch reference and hand-worked cases."""
import math

import numpy as np
import pytest
import torch

from daik.ops import batched_nms_rotated, nms_rotated
from daik.ops.reference import nms_rotated_ref

from .helpers import hbox_nms, random_rboxes


def _clustered(n: int, seed: int, dtype=torch.float64):
    """Boxes in a few tight clusters (lots of overlap) with random scores."""
    g = torch.Generator().manual_seed(seed)
    centres = torch.rand(6, 2, generator=g, dtype=torch.float64) * 200
    boxes = random_rboxes(n, seed=seed, spread=20.0, size=(10.0, 40.0))
    boxes[:, :2] += centres[torch.randint(0, 6, (n,), generator=g)]
    return boxes.to(dtype), torch.rand(n, generator=g, dtype=torch.float64).to(dtype)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("thr", [0.1, 0.3, 0.6])
def test_matches_reference(dtype, thr):
    boxes, scores = _clustered(150, seed=30, dtype=dtype)
    keep = nms_rotated(boxes, scores, thr)
    assert keep.dtype == torch.long
    assert 5 < len(keep) < 140  # suppression happened, and not of everything
    assert torch.equal(keep, nms_rotated_ref(boxes, scores, thr))
    assert (scores[keep].diff() <= 0).all()  # by descending score


@pytest.mark.parametrize("seed", [31, 32, 33])
def test_axis_aligned_boxes_at_0_90_180_degrees_match_horizontal_nms(seed):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 100, (200, 2))
    wh = rng.uniform(5, 30, (200, 2))
    hboxes = np.concatenate([xy, xy + wh], 1)
    scores = rng.uniform(size=200)
    expected = hbox_nms(hboxes, scores, 0.4)
    cx, cy = xy[:, 0] + wh[:, 0] / 2, xy[:, 1] + wh[:, 1] / 2
    zero = np.zeros(200)
    for rb in (np.stack([cx, cy, wh[:, 0], wh[:, 1], zero], 1),
               np.stack([cx, cy, wh[:, 1], wh[:, 0], zero + math.pi / 2], 1),
               np.stack([cx, cy, wh[:, 0], wh[:, 1], zero + math.pi], 1)):
        keep = nms_rotated(torch.from_numpy(rb), torch.from_numpy(scores), 0.4)
        assert keep.tolist() == expected


def test_batched_is_the_union_of_per_class_nms():
    boxes, scores = _clustered(200, seed=34)
    labels = torch.randint(0, 4, (200,), generator=torch.Generator().manual_seed(35))
    keep = batched_nms_rotated(boxes, scores, labels, 0.3)
    union = []
    for c in range(4):
        idx = torch.nonzero(labels == c).squeeze(1)
        union += idx[nms_rotated(boxes[idx], scores[idx], 0.3)].tolist()
    union.sort(key=lambda i: (-scores[i].item(), i))
    assert keep.tolist() == union
    assert len(keep) > len(nms_rotated(boxes, scores, 0.3))  # classes really kept apart
    assert torch.equal(keep, nms_rotated_ref(boxes, scores, 0.3, labels))


def test_identical_boxes_in_different_classes_both_survive():
    boxes = torch.tensor([[10.0, 10.0, 5.0, 3.0, 0.2]] * 2, dtype=torch.float64)
    scores = torch.tensor([0.9, 0.8], dtype=torch.float64)
    assert batched_nms_rotated(boxes, scores, torch.tensor([0, 1]), 0.5).tolist() == [0, 1]
    assert batched_nms_rotated(boxes, scores, torch.tensor([2, 2]), 0.5).tolist() == [0]


def test_threshold_is_strict_and_ties_go_to_the_lower_index():
    # [0,3]x[0,1] and [1,4]x[0,1]: IoU exactly 0.5 (exact in binary floating point).
    boxes = torch.tensor([[1.5, 0.5, 3.0, 1.0, 0.0], [2.5, 0.5, 3.0, 1.0, 0.0]], dtype=torch.float64)
    scores = torch.tensor([0.5, 0.5], dtype=torch.float64)
    assert nms_rotated(boxes, scores, 0.5).tolist() == [0, 1]
    assert nms_rotated(boxes, scores, 0.4999).tolist() == [0]
    assert nms_rotated(boxes.flip(0), scores, 0.4999).tolist() == [0]
    dup = boxes[:1].repeat(5, 1)
    assert nms_rotated(dup, torch.ones(5, dtype=torch.float64), 0.5).tolist() == [0]


def test_empty_and_single():
    assert nms_rotated(torch.zeros(0, 5), torch.zeros(0), 0.5).shape == (0,)
    assert batched_nms_rotated(torch.zeros(0, 5), torch.zeros(0), torch.zeros(0, dtype=torch.long), 0.5).shape == (0,)
    assert nms_rotated(torch.ones(1, 5), torch.ones(1), 0.5).tolist() == [0]


def test_nan_and_degenerate_boxes_neither_hang_nor_suppress():
    boxes, scores = _clustered(50, seed=36)
    boxes[3] = float("nan")
    boxes[7, 2] = 0.0  # zero width
    scores[3] = scores[7] = 2.0  # ranked first: they must not suppress anything
    keep = nms_rotated(boxes, scores, 0.3)
    assert 3 in keep.tolist() and 7 in keep.tolist()
    clean = [i for i in range(50) if i not in (3, 7)]
    rest = nms_rotated(boxes[clean], scores[clean], 0.3)
    assert [i for i in keep.tolist() if i not in (3, 7)] == [clean[i] for i in rest.tolist()]


def test_inputs_unchanged_and_errors():
    boxes, scores = _clustered(40, seed=37)
    before = boxes.clone(), scores.clone()
    nms_rotated(boxes, scores, 0.5)
    assert torch.equal(boxes, before[0]) and torch.equal(scores, before[1])
    with pytest.raises(ValueError, match="scores"):
        nms_rotated(boxes, scores[:-1], 0.5)
    with pytest.raises(ValueError, match=r"\(N, 5\)"):
        nms_rotated(boxes[:, :4], scores, 0.5)
    with pytest.raises(ValueError, match="device"):
        nms_rotated(boxes, scores.to("meta"), 0.5)
    with pytest.raises(ValueError, match="idxs"):
        batched_nms_rotated(boxes, scores, torch.zeros(3, dtype=torch.long), 0.5)
    with pytest.raises(RuntimeError, match="labels must be integers"):
        torch.ops.daik.nms_rotated(boxes, scores, 0.5, scores)
