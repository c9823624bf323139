"""CSL bins and the rotated distance coder: targets, wrap-around and round trips."""
import math

import torch

from daik.models.task_modules import CSLCoder, RBoxDistanceCoder, dfl_expectation
from daik.structures import regularize_rboxes

DEG = math.pi / 180


def _logit(p: torch.Tensor) -> torch.Tensor:
    p = p.clamp(1e-12, 1 - 1e-7)
    return torch.log(p) - torch.log1p(-p)


def test_csl_window_is_gaussian_with_radius():
    coder = CSLCoder(180, radius=6.0)
    t = coder.encode(torch.tensor([(-90 + 40.5) * DEG], dtype=torch.float64))[0]  # centre of bin 40
    assert t.argmax() == 40 and abs(t[40] - 1) < 1e-12
    # exp(-d^2 / (2 r^2)), not mmrotate's exp(-d^2) / (2 r^2)
    for d in (1, 3, 6, 12):
        assert abs(t[40 + d] - math.exp(-d * d / 72)) < 1e-12 and abs(t[40 - d] - t[40 + d]) < 1e-12
    assert abs(coder.encode(torch.tensor([0.0]))[0].sum() - 6 * math.sqrt(2 * math.pi)) < 1e-3


def test_csl_wraps_around():
    coder = CSLCoder(180, 6.0)
    near_lo = coder.encode(torch.tensor([-math.pi / 2 + 0.2 * DEG], dtype=torch.float64))[0]
    near_hi = coder.encode(torch.tensor([math.pi / 2 - 0.2 * DEG], dtype=torch.float64))[0]
    # theta near -90 deg peaks in bin 0 and spills into bin 179, its circular neighbour
    assert near_lo.argmax() == 0 and near_lo[179] > 0.98
    assert near_hi.argmax() == 179 and near_hi[0] > 0.98
    # 0.4 degrees apart across the wrap: neighbouring windows (mirror images about the seam)
    torch.testing.assert_close(near_hi, near_lo.flip(0))
    assert (near_lo - near_hi).abs().max() < 0.05
    assert (near_lo - coder.encode(torch.tensor([0.0], dtype=torch.float64))[0]).abs().max() > 0.99
    # pi periodicity: +90 deg is the same label as -90 deg
    torch.testing.assert_close(coder.encode(torch.tensor([math.pi / 2])), coder.encode(torch.tensor([-math.pi / 2])))
    # bin 0 and bin 179 are neighbours: distance 1, not 179
    t = coder.encode(torch.tensor([(-90 + 0.5) * DEG], dtype=torch.float64))[0]
    assert abs(t[179] - math.exp(-1 / 72)) < 1e-9 and abs(t[178] - math.exp(-4 / 72)) < 1e-9


def test_csl_decode_round_trip():
    coder = CSLCoder(180, 6.0)
    theta = torch.linspace(-math.pi / 2, math.pi / 2, 1001, dtype=torch.float64)[:-1]
    theta = torch.cat([theta, torch.tensor([-math.pi / 2 + 1e-6, math.pi / 2 - 1e-6], dtype=torch.float64)])
    out = coder.decode(_logit(coder.encode(theta)))
    err = torch.remainder(out - theta + math.pi / 2, math.pi) - math.pi / 2
    assert err.abs().max() < 1e-6
    out32 = coder.decode(_logit(coder.encode(theta.float())))
    err32 = torch.remainder(out32.double() - theta + math.pi / 2, math.pi) - math.pi / 2
    assert err32.abs().max() < 1e-3 * DEG * 50  # float32: well under 0.05 degree
    assert (out >= -math.pi / 2).all() and (out < math.pi / 2).all()


def test_csl_decode_flat_logits_is_finite():
    out = CSLCoder().decode(torch.full((4, 180), -4.6))
    assert torch.isfinite(out).all()


def _boxes(n=200, seed=0):
    g = torch.Generator().manual_seed(seed)
    r = torch.rand(n, 5, generator=g, dtype=torch.float64)
    b = torch.stack([r[:, 0] * 500, r[:, 1] * 500, 10 + r[:, 2] * 200, 5 + r[:, 3] * 100,
                     (r[:, 4] - 0.5) * math.pi], -1)
    return regularize_rboxes(b)


def test_distance_coder_round_trip_and_inside():
    boxes = _boxes()
    g = torch.Generator().manual_seed(1)
    # points inside each box: centre + a random offset within the box frame
    u = (torch.rand(len(boxes), generator=g, dtype=torch.float64) - 0.5) * 0.9 * boxes[:, 2]
    v = (torch.rand(len(boxes), generator=g, dtype=torch.float64) - 0.5) * 0.9 * boxes[:, 3]
    c, s = torch.cos(boxes[:, 4]), torch.sin(boxes[:, 4])
    pts = torch.stack([boxes[:, 0] + u * c - v * s, boxes[:, 1] + u * s + v * c], -1)
    d = RBoxDistanceCoder.encode(pts, boxes)
    assert (d > 0).all()
    torch.testing.assert_close(d[:, 0] + d[:, 2], boxes[:, 2])
    torch.testing.assert_close(d[:, 1] + d[:, 3], boxes[:, 3])
    torch.testing.assert_close(RBoxDistanceCoder.decode(pts, d, boxes[:, 4]), boxes)
    # a point outside along the box's width axis has a negative distance
    far = boxes[:, :2] + 0.6 * boxes[:, 2:3] * torch.stack([c, s], -1)
    assert (RBoxDistanceCoder.encode(far, boxes)[:, 2] < 0).all()


def test_dfl_and_csl_decode_boxes_round_trip():
    """Boxes -> (stride-unit distances as two-hot DFL logits, CSL logits) -> the same boxes."""
    boxes = _boxes(100, 3)
    boxes = torch.cat([boxes[:, :2], boxes[:, 2:4].clamp(max=200), boxes[:, 4:]], -1)
    pts = boxes[:, :2] + torch.tensor([3.0, -2.0], dtype=torch.float64)
    stride, reg_max = 16.0, 16
    d = RBoxDistanceCoder.encode(pts, boxes) / stride  # (K, 4) in bins
    keep = (d > 0).all(-1) & (d < reg_max - 0.01).all(-1)
    boxes, pts, d = boxes[keep], pts[keep], d[keep]
    left = d.floor().long()
    probs = torch.zeros(*d.shape, reg_max + 1, dtype=torch.float64)
    probs.scatter_(-1, left[..., None], (left + 1 - d)[..., None])
    probs.scatter_add_(-1, left[..., None] + 1, (d - left)[..., None])
    dist = dfl_expectation(torch.log(probs + 1e-30)) * stride
    coder = CSLCoder()
    theta = coder.decode(_logit(coder.encode(boxes[:, 4])))
    out = RBoxDistanceCoder.decode(pts, dist, theta)
    torch.testing.assert_close(out[:, :4], boxes[:, :4], atol=1e-6, rtol=0)
    dt = torch.remainder(out[:, 4] - boxes[:, 4] + math.pi / 2, math.pi) - math.pi / 2
    assert dt.abs().max() < 1e-6
