"""DAIK's parts on hand-made cases: the AAL table, AAL in assignment and loss weights, SAD's
grouped distributions and its gradient paths."""
import math
from types import SimpleNamespace

import pytest
import torch

from daik.distill import AALReweighting, AALTable
from daik.distill.sad import group_log_softmax, grouped_kl, top_per_group
from daik.models.task_modules import BatchGT, Priors, RotatedTaskAlignedAssigner
from daik.ops import box_iou_rotated

from .helpers import ALL_PARTS, batch, build_pair, kd_losses

D = math.radians


@pytest.mark.parametrize("delta_deg, ar, expected", [
    (30, 3.0, math.sqrt(3) / 2),   # elongated: |sin(2 * 30)|
    (30, 1.2, 0.5),                # square-like: |sin(30)|
    (90, 3.0, 0.0),                # elongated, quarter turn: sin(180)
    (90, 1.0, 1.0),
    (45, 2.0, 1.0),
    (-30, 3.0, math.sqrt(3) / 2),  # sign does not matter
    (170, 3.0, math.sin(D(20))),   # 170 = -10 modulo 180 -> |sin(-20)|
    (170, 1.0, math.sin(D(10))),
    (30, 1.5, 0.5),                # AR == r is not > r: V = 1
    (179.6, 3.0, 0.0),             # rounds to 180 = 0
])
def test_aal_table_values(delta_deg, ar, expected):
    table = AALTable(ratio_thr=1.5, discrete=True)
    w = table(torch.tensor([D(delta_deg)]), torch.tensor([ar]))
    assert w.item() == pytest.approx(expected, abs=1e-6)


def test_aal_discrete_rounds_to_whole_degrees_continuous_does_not():
    dt, ar = torch.tensor([D(30.4)]), torch.tensor([1.0])
    assert AALTable(discrete=True)(dt, ar).item() == pytest.approx(0.5, abs=1e-6)
    assert AALTable(discrete=False)(dt, ar).item() == pytest.approx(math.sin(D(30.4)), abs=1e-6)
    assert AALTable().table.shape == (2, 180)


def _aal_ctx(pred_angles, gt_boxes):
    gt = BatchGT.from_lists([gt_boxes], [torch.zeros(len(gt_boxes), dtype=torch.long)])
    return SimpleNamespace(s_dec=SimpleNamespace(angles=pred_angles[None]), gt=gt)


def test_aal_turns_the_assignment_towards_the_aligned_prediction():
    """Square-like GT (AR 1.2). Point A predicts the GT turned by 90 degrees (IoU 0.714, W = 1);
    point B the right angle but a smaller box (IoU 0.6, W = 0). One-to-one metric s * IoU: A wins
    alone; with AAL's (1 - 0.5 W) factor B wins."""
    gt = torch.tensor([[50.0, 50.0, 36.0, 30.0, 0.0]])
    a = torch.tensor([50.0, 50.0, 36.0, 30.0, math.pi / 2])
    b = torch.tensor([50.0, 50.0, 36.0 * 0.6, 30.0, 0.0])
    boxes = torch.stack([a, b])[None]
    iou = box_iou_rotated(boxes[0], gt.expand(2, 5), aligned=True)
    assert iou[0] > iou[1]
    priors = Priors(torch.tensor([[48.0, 50.0], [52.0, 50.0]]), torch.tensor([8.0, 8.0]), [(1, 2)])
    scores = torch.full((1, 2, 1), 0.5)
    assigner = RotatedTaskAlignedAssigner(num_classes=1, topk=1, alpha=1.0, beta=1.0)
    gtb = BatchGT.from_lists([gt], [torch.zeros(1, dtype=torch.long)])
    plain = assigner.assign(scores, boxes, priors, gtb)
    aal = AALReweighting(ratio_thr=1.5, metric_coef=-0.5)
    factor = aal.metric_factor(_aal_ctx(boxes[0, :, 4], gt))
    turned = assigner.assign(scores, boxes, priors, gtb, metric_factor=factor)
    assert plain.fg_mask[0].tolist() == [True, False]
    assert turned.fg_mask[0].tolist() == [False, True]
    torch.testing.assert_close(turned.align_metric[0, 0], torch.stack([0.5 * iou[0] * 0.5, 0.5 * iou[1]]))


def test_aal_loss_weights_only_touch_positives():
    fg = torch.tensor([[True, False, True]])
    ctx = _aal_ctx(torch.tensor([D(30), 0.0, 0.0]), torch.tensor([[0.0, 0, 30, 10, 0]]))
    ctx.assign = SimpleNamespace(fg_mask=fg, boxes=torch.tensor([[[0.0, 0, 30, 10, 0]] * 3]))
    w = AALReweighting(loss_coef=1.0, losses=("cls", "angle")).loss_weights(ctx)
    assert set(w) == {"cls", "angle"}
    torch.testing.assert_close(w["cls"], torch.tensor([[1 + math.sqrt(3) / 2, 1.0, 1.0]]))


def test_aal_in_a_distiller_changes_the_student_losses(tmp_path):
    base = build_pair(tmp_path, {})
    data = batch(base)
    with torch.no_grad():
        plain = base.eval().loss(**data)
        base.distill["aal"] = AALReweighting(metric_coef=0.0, loss_coef=1.0)
        weighted = base.loss(**data)
    assert weighted["loss_angle"] > plain["loss_angle"] and 0 < float(weighted["aal_w"]) <= 1
    assert weighted["loss_dfl"] == plain["loss_dfl"]  # not among the re-weighted losses


def test_group_log_softmax_matches_per_group():
    g = torch.Generator().manual_seed(0)
    z = torch.randn(9, generator=g)
    group = torch.tensor([0, 2, 1, 0, 2, 2, 1, 0, 0])
    out = group_log_softmax(z, group, 3)
    for k in range(3):
        torch.testing.assert_close(out[group == k], torch.log_softmax(z[group == k], 0))


def test_grouped_kl_zero_for_identical_metric_distributions():
    g = torch.Generator().manual_seed(1)
    t = torch.randn(8, generator=g)
    group = torch.tensor([0, 0, 0, 1, 1, 1, 1, 1])
    assert grouped_kl(t, t, group, 2).abs().max() < 1e-6
    assert grouped_kl(t, t + 5.0, group, 2).abs().max() < 1e-5  # same distribution
    s = t.clone()
    s[:3] = s[:3].flip(0)
    kl = grouped_kl(t, s, group, 2)
    assert kl[0] > 0 and kl[1].abs() < 1e-6
    pt, ps = torch.softmax(t[:3], 0), torch.softmax(s[:3], 0)
    torch.testing.assert_close(kl[0], (pt * (pt.log() - ps.log())).sum())


def test_top_per_group():
    values = torch.tensor([0.1, 0.9, 0.5, 0.3, 0.8, 0.7])
    group = torch.tensor([0, 0, 0, 1, 1, 1])
    assert sorted(top_per_group(values, group, 2).tolist()) == [1, 2, 4, 5]


def test_sad_gradient_reaches_class_scores_and_box_distances(tmp_path):
    model = build_pair(tmp_path, {"sad": ALL_PARTS["sad"]})
    losses = kd_losses(model.loss(**batch(model)))
    losses["loss_sad"].backward()
    cls_grad = sum(float(c.weight.grad.abs().sum()) for c in model.head.preds["cls"])
    reg_grad = sum(float(c.weight.grad.abs().sum()) for c in model.head.preds["reg"])
    assert cls_grad > 0 and reg_grad > 0
    assert all(c.weight.grad is None or c.weight.grad.abs().sum() == 0 for c in model.head.preds["ang"])
