"""nms_rotated's grid loop (large inputs, threshold >= 0) keeps exactly what the exhaustive
greedy loop keeps, in the same order, on whole-scene-like inputs and the awkward cases: giant
boxes that cover many cells, zero-size and non-finite boxes, every box on one spot."""
import math

import numpy as np
import pytest
import torch

from daik.ops import batched_nms_rotated, nms_rotated
from daik.ops._ext import load_ops

GRID_MIN = 1024  # kGridMinBoxes in csrc/cpu/nms_rotated_cpu.cpp


def _scene(n_objects: int, seed: int, extent: float = 4000.0, dtype=torch.float64):
    """Objects each detected 1-5 times with jitter (what overlapping patches give a merge)."""
    rng = np.random.default_rng(seed)
    base = np.concatenate([rng.uniform(0, extent, (n_objects, 2)), rng.uniform(6, 80, (n_objects, 2)),
                           rng.uniform(-math.pi / 2, math.pi / 2, (n_objects, 1))], 1)
    b = np.repeat(base, rng.integers(1, 6, n_objects), 0)
    b[:, :2] += rng.normal(0, 3, (len(b), 2))
    b[:, 2:4] *= rng.uniform(0.85, 1.15, (len(b), 2))
    b[:, 4] += rng.normal(0, 0.1, len(b))
    scores = rng.uniform(0, 1, len(b))
    scores[: len(b) // 10] = 0.5  # ties: the stable order decides
    labels = rng.integers(0, 4, len(b))
    return (torch.from_numpy(b).to(dtype), torch.from_numpy(scores).to(dtype), torch.from_numpy(labels))


def _both(boxes, scores, thr, labels=None):
    ops = load_ops()
    return ops.nms_rotated(boxes, scores, thr, labels), ops.nms_rotated_exhaustive(boxes, scores, thr, labels)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("thr", [0.0, 0.1, 0.5, 0.7])
@pytest.mark.parametrize("with_labels", [False, True])
def test_grid_equals_exhaustive_on_scenes(dtype, thr, with_labels):
    boxes, scores, labels = _scene(900, seed=int(thr * 100) + 7, dtype=dtype)
    assert len(boxes) >= GRID_MIN
    grid, full = _both(boxes, scores, thr, labels if with_labels else None)
    assert 0.2 * len(boxes) < len(full) < len(boxes)  # suppression happened, and not of everything
    assert torch.equal(grid, full)


def test_grid_equals_exhaustive_with_awkward_boxes():
    boxes, scores, labels = _scene(700, seed=3)
    n = len(boxes)
    rng = np.random.default_rng(4)
    idx = torch.from_numpy(rng.choice(n, 60, replace=False))
    boxes[idx[:10], 2:4] = 4000.0  # giant boxes: past the cells-per-box limit
    boxes[idx[10:20], 2] = 0.0  # zero width
    boxes[idx[20:25], 0] = float("nan")
    boxes[idx[25:30], 3] = float("inf")
    boxes[idx[30:40], :2] = boxes[idx[40:50], :2]  # exact duplicates of centres
    boxes[idx[50:60], :4] *= -1  # negative sizes (same region as positive ones)
    scores[idx[:5]] = 1.0  # some giant boxes rank first and suppress a lot
    for thr in (0.0, 0.05, 0.3):
        grid, full = _both(boxes, scores, thr, labels)
        assert torch.equal(grid, full)
        assert set(idx[20:30].tolist()) <= set(grid.tolist())  # non-finite: never suppressed


def test_grid_equals_exhaustive_everything_on_one_spot():
    n = GRID_MIN + 50
    g = torch.Generator().manual_seed(5)
    boxes = torch.tensor([[50.0, 50.0, 20.0, 10.0, 0.3]]).repeat(n, 1)
    boxes[:, :2] += torch.rand(n, 2, generator=g, dtype=torch.float64).float() * 1e-3
    boxes[n // 2:, 2:4] = 0.0  # half of them points
    scores = torch.rand(n, generator=g)
    grid, full = _both(boxes, scores, 0.5)
    assert torch.equal(grid, full) and len(full) > n // 2  # the points are all kept


def test_negative_threshold_and_small_inputs_use_the_exhaustive_loop():
    boxes, scores, labels = _scene(300, seed=6)
    for thr in (-0.1, 0.2):
        grid, full = _both(boxes, scores, thr, labels)
        assert torch.equal(grid, full)


def test_public_ops_on_a_large_scene_match_the_exhaustive_loop():
    boxes, scores, labels = _scene(1200, seed=8, dtype=torch.float32)
    assert torch.equal(batched_nms_rotated(boxes, scores, labels, 0.1),
                       load_ops().nms_rotated_exhaustive(boxes, scores, 0.1, labels))
    assert torch.equal(nms_rotated(boxes, scores, 0.1), load_ops().nms_rotated_exhaustive(boxes, scores, 0.1, None))
