"""Losses: zero (or minimal) at the optimum, positive away from it, finite without positives."""
import math

import pytest
import torch

from daik.models.losses import CSLLoss, DistributionFocalLoss, QualityFocalLoss, RotatedIoULoss, VarifocalLoss
from daik.models.task_modules import CSLCoder

from .helpers import build_tiny, make_sample


def _logit(p):
    return torch.log(p) - torch.log1p(-p)


def _is_local_min(loss_fn, x_opt, *args, steps=(0.3, -0.3, 1.0, -1.0)):
    x = x_opt.clone().requires_grad_(True)
    value = loss_fn(x, *args)
    (grad,) = torch.autograd.grad(value, x)
    assert grad.abs().max() < 1e-5, f"gradient {grad.abs().max()} at the optimum"
    for s in steps:
        assert loss_fn(x_opt + s, *args) > value + 1e-6


@pytest.mark.parametrize("loss", [VarifocalLoss(), QualityFocalLoss()])
def test_classification_losses(loss):
    q = torch.tensor([[0.0, 0.3, 0.0], [0.9, 0.0, 0.0]], dtype=torch.float64)
    pos = q > 0
    opt_pos = _logit(q[pos])
    _is_local_min(lambda x, t: loss(x, t), opt_pos, q[pos])
    if isinstance(loss, QualityFocalLoss):
        assert loss(opt_pos, q[pos]).abs() < 1e-12  # zero exactly at p = q
    # negatives: the loss falls towards 0 as the logit goes down, positive at p = 0.5
    neg = torch.zeros(4, dtype=torch.float64)
    values = [loss(torch.full((4,), v, dtype=torch.float64), neg).item() for v in (2.0, 0.0, -3.0, -12.0)]
    assert values == sorted(values, reverse=True) and values[1] > 0 and values[-1] < 1e-6
    assert loss(torch.zeros(0, 3), torch.zeros(0, 3)).item() == 0


def test_varifocal_weights_negatives_down():
    vfl = VarifocalLoss(alpha=0.75, gamma=2.0, reduction="none")
    x = torch.tensor([0.0])
    bce_neg = math.log(2)
    assert abs(vfl(x, torch.tensor([0.0])).item() - 0.75 * 0.25 * bce_neg) < 1e-6
    assert abs(vfl(x, torch.tensor([0.8])).item() - 0.8 * bce_neg) < 1e-6  # positive: weighted by q


def test_rotated_iou_loss():
    loss = RotatedIoULoss()
    target = torch.tensor([[50.0, 40.0, 30.0, 10.0, 0.4], [10.0, 10.0, 8.0, 8.0, -1.0]], dtype=torch.float64)
    assert loss(target.clone(), target).abs() < 1e-9
    pred = target.clone().requires_grad_(True)
    shifted = pred + torch.tensor([3.0, 0, 0, 0, 0], dtype=torch.float64)
    value = loss(shifted, target)
    assert value > 0.05
    value.backward()
    assert pred.grad[:, 0].abs().sum() > 0 and pred.grad[:, 2].abs().sum() > 0
    assert RotatedIoULoss(mode="log")(target.clone(), target).abs() < 1e-6
    empty = torch.zeros(0, 5, requires_grad=True)
    out = loss(empty, torch.zeros(0, 5))
    out.backward()
    assert out.item() == 0


def test_dfl():
    dfl = DistributionFocalLoss()
    target = torch.tensor([3.0, 7.25, 0.5, 15.9], dtype=torch.float64)
    # an integer target: -> 0 as the distribution concentrates on it
    one_hot = torch.full((1, 17), -40.0, dtype=torch.float64)
    one_hot[0, 3] = 40.0
    assert dfl(one_hot, target[:1]) < 1e-12
    # fractional targets: minimal at the two-hot distribution around them
    left = target.floor().long()
    two_hot = torch.full((4, 17), 1e-300, dtype=torch.float64)
    two_hot[torch.arange(4), left] = left + 1 - target
    two_hot[torch.arange(4), left + 1] = target - left
    opt = two_hot.clamp(min=1e-300).log()
    x = opt.clone().requires_grad_(True)
    value = dfl(x, target)
    (grad,) = torch.autograd.grad(value, x)
    assert grad.abs().max() < 1e-9
    g = torch.Generator().manual_seed(0)
    for _ in range(5):
        assert dfl(opt + torch.randn(4, 17, generator=g, dtype=torch.float64), target) > value
    assert dfl(torch.zeros(0, 17), torch.zeros(0)).item() == 0


def test_csl_loss_zero_at_the_window():
    coder, loss = CSLCoder(), CSLLoss()
    theta = torch.tensor([-1.5707, -0.3, 0.0, 1.2, 1.5707], dtype=torch.float64)
    target = coder.encode(theta)
    opt = _logit(target.clamp(1e-12, 1 - 1e-12))
    assert loss(opt, target).abs() < 1e-6
    _is_local_min(lambda x, t: loss(x, t), opt, target)
    wrong = _logit(coder.encode(theta + 0.3).clamp(1e-12, 1 - 1e-12))
    assert loss(wrong, target) > 1.0
    # the plain BCE differs from it by the target's entropy only
    bce = CSLLoss(subtract_entropy=False)
    assert bce(opt, target) > 1.0 and abs((bce(wrong, target) - loss(wrong, target)) - (bce(opt, target) - 0)) < 1e-6
    assert loss(torch.zeros(0, 180), torch.zeros(0, 180)).item() == 0


def _batch(model, boxes_per_image):
    samples = [make_sample(b, [0] * len(b), (64, 64), img_id=f"i{k}") for k, b in enumerate(boxes_per_image)]
    inputs = [torch.randint(0, 255, (3, 64, 64), dtype=torch.uint8) for _ in samples]
    return model.data_preprocessor(dict(inputs=inputs, data_samples=samples), True)


def test_head_losses_without_positives_are_finite():
    model = build_tiny()
    data = _batch(model, [[], []])
    losses = model(**data, mode="loss")
    assert set(losses) == {"loss_cls", "loss_bbox", "loss_dfl", "loss_angle"}
    assert all(torch.isfinite(v) for v in losses.values())
    assert losses["loss_cls"] > 0 and losses["loss_bbox"] == 0 and losses["loss_dfl"] == 0 and losses["loss_angle"] == 0
    sum(losses.values()).backward()
    assert model.head.preds["cls"][0].bias.grad.abs().sum() > 0


def test_loss_by_assign_weights():
    model = build_tiny()
    data = _batch(model, [[[30, 30, 40, 16, 0.5]], [[20, 40, 30, 30, -0.2], [45, 20, 24, 10, 1.0]]])
    feats = model.extract_feat(data["inputs"])
    losses, st = model.head.loss_and_state(feats, data["data_samples"])
    assert st.assign.num_pos > 0 and all(v > 0 for v in losses.values())
    head, raw, dec, asg = model.head, st.raw, st.decoded, st.assign
    ones = torch.ones(asg.fg_mask.shape)
    for k, v in head.loss_by_assign(raw, dec, asg, weights=ones).items():
        torch.testing.assert_close(v, losses[k])
    for k, v in head.loss_by_assign(raw, dec, asg, weights=2 * ones).items():
        torch.testing.assert_close(v, 2 * losses[k])
    only_cls = head.loss_by_assign(raw, dec, asg, weights={"cls": 0 * ones})
    assert only_cls["loss_cls"] == 0
    torch.testing.assert_close(only_cls["loss_angle"], losses["loss_angle"])
    with pytest.raises(KeyError):
        head.loss_by_assign(raw, dec, asg, weights={"box": ones})
