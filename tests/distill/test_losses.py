"""The element-wise distillation losses against hand-worked values and their defining properties."""
import math

import torch
import torch.nn.functional as F

from daik.distill.losses import (binary_kl_logits, channel_standardise, channel_wise_kl, kl_div_logits, pearson_loss,
                                 quality_focal_kd, weighted_mean)


def test_kl_div_logits_hand_worked():
    s = torch.tensor([[0.0, 0.0]])
    t = torch.tensor([[math.log(3.0), 0.0]])  # teacher (3/4, 1/4), student (1/2, 1/2)
    expected = 0.75 * math.log(1.5) + 0.25 * math.log(0.5)
    torch.testing.assert_close(kl_div_logits(s, t), torch.tensor([expected]))
    # temperature: T^2 KL of the softened distributions
    t2 = kl_div_logits(s, 2 * t, temperature=2.0)
    torch.testing.assert_close(t2, torch.tensor([4 * expected]))


def test_kl_div_zero_at_agreement_positive_otherwise_and_shift_invariant():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(5, 7, generator=g)
    assert kl_div_logits(x, x).abs().max() < 1e-6
    assert kl_div_logits(x, x + 3.0).abs().max() < 1e-5  # softmax ignores a constant
    assert (kl_div_logits(x, torch.randn(5, 7, generator=g)) > 0).all()


def test_binary_kl_is_bce_minus_entropy_with_bce_gradient():
    g = torch.Generator().manual_seed(1)
    s = torch.randn(50, generator=g).requires_grad_()
    t = torch.randn(50, generator=g)
    q = t.sigmoid()
    ref = F.binary_cross_entropy_with_logits(s, q, reduction="none") + (q * q.log() + (1 - q) * (1 - q).log())
    kl = binary_kl_logits(s, t)
    torch.testing.assert_close(kl, ref, atol=1e-5, rtol=1e-5)
    kl.sum().backward()
    torch.testing.assert_close(s.grad, s.detach().sigmoid() - q)
    assert binary_kl_logits(t, t).abs().max() == 0
    assert (binary_kl_logits(t + 0.5, t) > 0).all()


def test_quality_focal_kd_scales_by_the_probability_gap():
    s, t = torch.tensor([0.0, 2.0]), torch.tensor([0.0, -1.0])
    gap = (s.sigmoid() - t.sigmoid()).abs()
    torch.testing.assert_close(quality_focal_kd(s, t, beta=1.0), binary_kl_logits(s, t) * gap)
    assert quality_focal_kd(s, t)[0] == 0


def test_pearson_loss_ignores_per_channel_affine_changes():
    g = torch.Generator().manual_seed(2)
    t = torch.randn(2, 3, 4, 5, generator=g)
    scale = torch.tensor([2.0, 0.5, 7.0]).view(1, 3, 1, 1)
    shift = torch.tensor([1.0, -3.0, 0.2]).view(1, 3, 1, 1)
    assert pearson_loss(t * scale + shift, t) < 1e-6
    # mean over channels of (1 - r), times (n - 1) / n (unbiased std): flipping one of three
    # channels (r = -1) gives 2/3 * (n - 1) / n
    flipped = t.clone()
    flipped[:, 0] = -flipped[:, 0]
    n = t[:, 0].numel()
    torch.testing.assert_close(pearson_loss(flipped, t), torch.tensor(2.0 / 3 * (n - 1) / n))
    z = channel_standardise(t)
    torch.testing.assert_close(z.mean((0, 2, 3)), torch.zeros(3), atol=1e-6, rtol=0)


def test_channel_wise_kl_hand_worked_and_spatial():
    # one channel over two positions: teacher uniform, student (3/4, 1/4):
    # KL = 1/2 ln(2/3) + 1/2 ln(2) = 1/2 ln(4/3); two images of it average to the same value
    s = torch.tensor([math.log(3.0), 0.0]).view(1, 1, 1, 2).repeat(2, 1, 1, 1)
    t = torch.zeros(2, 1, 1, 2)
    torch.testing.assert_close(channel_wise_kl(s, t), torch.tensor(0.5 * math.log(4.0 / 3.0)))
    g = torch.Generator().manual_seed(3)
    t = torch.randn(2, 3, 4, 5, generator=g)
    # a constant per channel leaves every channel's distribution over positions unchanged ...
    assert channel_wise_kl(t + torch.tensor([1.0, -2.0, 5.0]).view(1, 3, 1, 1), t) < 1e-6
    # ... a constant per position across channels does not (it is not a FitNet / PKD distance)
    assert channel_wise_kl(t + torch.randn(1, 1, 4, 5, generator=g), t) > 1e-2
    # at T it is T^2 times the KL of the maps divided by T, per channel over B * C
    loop = sum(F.kl_div(F.log_softmax(t[b, c].flatten() * 0.5, 0), F.softmax(t.flip(0)[b, c].flatten() * 0.5, 0),
                        reduction="sum") for b in range(2) for c in range(3)) * 4 / 6
    torch.testing.assert_close(channel_wise_kl(t, t.flip(0), temperature=2.0), loop)


def test_weighted_mean_keeps_the_graph_when_empty():
    x = torch.zeros(0, requires_grad=True)
    out = weighted_mean(x, None, 3.0)
    out.backward()
    assert out.item() == 0
    torch.testing.assert_close(weighted_mean(torch.tensor([1.0, 3.0]), torch.tensor([2.0, 1.0]), 5.0),
                               torch.tensor(1.0))
