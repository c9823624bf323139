"""The head's decode in numpy (for graphs exported without it) == the torch decode it restates."""
import math

import numpy as np
import torch

from daik.export.numpy_decode import csl_decode, dfl_distances, norm_angle, rboxes_from_distances, topk_rows
from daik.models.task_modules.coders import CSLCoder, RBoxDistanceCoder, dfl_expectation
from daik.structures import norm_angle as torch_norm_angle


def test_csl_decode_equals_the_coder_including_the_wrap():
    coder = CSLCoder(180, 6.0)
    angles = torch.tensor([-math.pi / 2, -1.5707, -0.3, 0.0, 0.7, 1.5707, math.pi / 2 - 1e-4])
    logits = torch.logit(coder.encode(angles).clamp(1e-6, 1 - 1e-6)) + 0.05 * torch.randn(len(angles), 180)
    got = csl_decode(logits.numpy())
    ref = coder.decode(logits).numpy()
    d = np.abs((got - ref + np.pi / 2) % np.pi - np.pi / 2)
    assert d.max() < 1e-5 and (got >= -np.pi / 2).all() and (got < np.pi / 2).all()


def test_norm_angle_matches_torch_at_the_edges():
    t = np.array([-np.pi / 2, np.pi / 2, np.pi, -np.pi, 3.0, -4.0, np.nextafter(np.pi / 2, 0)], np.float32)
    np.testing.assert_array_equal(norm_angle(t), torch_norm_angle(torch.from_numpy(t)).numpy())


def test_distances_and_boxes_equal_the_coders():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(50, 4, 17, generator=g) * 3
    strides = torch.tensor([8.0, 16.0, 32.0]).repeat(17)[:50]
    dist = dfl_expectation(logits) * strides[:, None]
    np.testing.assert_allclose(dfl_distances(logits.numpy(), strides.numpy()), dist.numpy(), rtol=1e-5, atol=1e-4)
    points, theta = torch.rand(50, 2, generator=g) * 160, (torch.rand(50, generator=g) - 0.5) * math.pi
    ref = RBoxDistanceCoder.decode(points, dist, theta).numpy()  # regularised: w >= h
    got = rboxes_from_distances(points.numpy(), dist.numpy(), theta.numpy())
    assert (got[:, 2] >= got[:, 3]).all()
    np.testing.assert_allclose(got, ref, atol=1e-4)


def test_topk_rows_pick_like_the_end_to_end_graph_and_pad():
    boxes = np.arange(15, dtype=np.float32).reshape(3, 5)
    scores = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.4]], np.float32)
    rows = topk_rows(boxes, scores, 5, multi_label=False)  # each point's best class, 3 points < K = 5
    np.testing.assert_allclose(rows[:3, 5], [0.9, 0.8, 0.4])
    np.testing.assert_array_equal(rows[:3, 6], [1, 0, 1])
    np.testing.assert_array_equal(rows[:3, :5], boxes[[0, 1, 2]])
    assert (rows[3:, 5] == 0).all() and (rows[3:, 6] == -1).all()
    multi = topk_rows(boxes, scores, 4, multi_label=True)  # (point, class) pairs
    np.testing.assert_allclose(multi[:, 5], [0.9, 0.8, 0.4, 0.3])
    np.testing.assert_array_equal(multi[:, 6], [1, 0, 1, 0])
    np.testing.assert_array_equal(multi[:, :5], boxes[[0, 1, 2, 2]])
