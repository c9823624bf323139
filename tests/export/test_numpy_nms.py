"""The numpy rotated IoU / NMS that OnnxDetector falls back to, against daik.ops."""
import numpy as np
import pytest
import torch

from daik.export import iou_one_to_many, nms_rotated_np
from daik.ops import batched_nms_rotated, box_iou_rotated


def _boxes(n, seed, extent=120.0):
    rng = np.random.default_rng(seed)
    b = np.empty((n, 5))
    b[:, :2] = rng.uniform(0, extent, (n, 2))
    b[:, 2:4] = rng.uniform(4, 60, (n, 2))
    b[:, 4] = rng.uniform(-np.pi, np.pi, n)
    return b


def test_iou_matches_the_compiled_op():
    b = _boxes(200, 0)
    ref = box_iou_rotated(torch.from_numpy(b), torch.from_numpy(b)).numpy()
    got = np.stack([iou_one_to_many(b[i], b) for i in range(len(b))])
    assert (ref > 0.05).sum() > 200  # plenty of overlapping pairs
    np.testing.assert_allclose(got, ref, atol=1e-9)


def test_iou_hand_cases():
    a = np.array([0.0, 0.0, 4.0, 2.0, 0.0])
    others = np.array([[0, 0, 4, 2, np.pi], [0, 0, 2, 4, np.pi / 2], [2, 0, 4, 2, 0], [0, 0, 2, 2, np.pi / 4],
                       [10, 0, 4, 2, 0], [0, 0, 0, 2, 0], [np.nan, 0, 4, 2, 0]])
    got = iou_one_to_many(a, others)
    # the same box, the same box written turned by pi and by pi/2 with w, h swapped, a shifted copy
    # overlapping by 4 of a 12 px^2 union; a turned square against the compiled op; disjoint,
    # zero-size and NaN boxes
    np.testing.assert_allclose(got[:3], [1.0, 1.0, 4 / 12], atol=1e-12)
    d = box_iou_rotated(torch.tensor(a[None]), torch.tensor(others[3:4])).item()
    assert got[3] == pytest.approx(d, abs=1e-12)
    assert got[4] == 0 and got[5] == 0 and np.isnan(got[6])


@pytest.mark.parametrize("thr", [0.1, 0.5])
def test_nms_matches_batched_nms_rotated(thr):
    b = _boxes(600, 1, extent=300.0)
    rng = np.random.default_rng(2)
    scores = rng.random(600)
    scores[:20] = scores[20:40]  # ties fall by index in both
    labels = rng.integers(0, 3, 600)
    ref = batched_nms_rotated(torch.from_numpy(b), torch.from_numpy(scores), torch.from_numpy(labels), thr).numpy()
    got = nms_rotated_np(b, scores, thr, labels)
    assert 50 < len(ref) < 590
    np.testing.assert_array_equal(got, ref)


def test_nms_nan_and_empty():
    b = np.array([[0, 0, 10, 10, 0], [0, 0, 10, 10, 0], [np.nan, 0, 10, 10, 0]], float)
    assert nms_rotated_np(b, np.array([0.9, 0.8, 0.95]), 0.5).tolist() == [2, 0]
    assert nms_rotated_np(np.zeros((0, 5)), np.zeros(0), 0.5).shape == (0,)
