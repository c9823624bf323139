"""DAIK's parts on hand-made cases: the rotated-IoU lookup table, AAL in the assignment, the
teacher-guided assignment, SAD's grouped distributions and its bounded gradient."""
import math
from types import SimpleNamespace

import pytest
import torch

from daik.distill import AALAssignment, AALSinReweighting
from daik.distill.sad import SampleAlignmentDistillation, group_log_softmax, grouped_kl
from daik.models.task_modules import AngleIoUTable, BatchGT, Priors, RotatedTaskAlignedAssigner
from daik.ops import box_iou_rotated

from .helpers import ALL_PARTS, batch, build_pair, kd_losses

D = math.radians


def _lut(ar, deg, table=None):
    table = table or AngleIoUTable()
    return table(torch.tensor([float(ar)]), torch.tensor([D(deg)])).item()


@pytest.mark.parametrize("ar", [1.0, 1.7, 3.0, 6.5, 7.0])
def test_lut_is_one_unturned_and_half_turned(ar):
    assert _lut(ar, 0) == pytest.approx(1.0, abs=1e-6)
    assert _lut(ar, 180) == pytest.approx(1.0, abs=1e-6)
    assert _lut(ar, -180) == pytest.approx(1.0, abs=1e-6)


def test_lut_closed_forms():
    assert _lut(1.0, 45) == pytest.approx(1 / math.sqrt(2), abs=1e-3)  # square turned 45: octagon
    assert _lut(3.0, 90) == pytest.approx(0.2, abs=1e-3)  # 3x1 crossing 1x3: 1 / (3 + 3 - 1)
    assert _lut(1.0, 90) == pytest.approx(1.0, abs=1e-3)  # a square is symmetric at 90
    assert _lut(3.0, 30) == pytest.approx(_lut(3.0, 150), abs=1e-6)  # symmetric about 90
    assert _lut(3.0, 30) == pytest.approx(_lut(3.0, -30), abs=1e-6)


def test_regression_an_elongated_box_turned_90_degrees_is_not_aligned():
    """The earlier sin table gave W = 0 (aligned) to a 3:1 box turned by 90 degrees; the LUT keeps
    a fifth of its overlap, so AAL's factor LUT^3 nearly removes such a point from the top-k."""
    aal = AALAssignment(gamma=3.0)
    gt = torch.tensor([[0.0, 0.0, 30.0, 10.0, 0.0]])
    assert aal.lut(torch.tensor([D(90)]), gt).item() == pytest.approx(0.2, abs=1e-3)
    assert aal.lut(torch.tensor([D(90)]), gt).item() ** 3 < 0.01
    old = AALSinReweighting(ratio_thr=1.5)
    assert old.weight_of_pairs(torch.tensor([D(90)]), gt).item() == pytest.approx(0.0, abs=1e-6)


def test_lut_equals_box_iou_rotated_to_the_grid_resolution():
    g = torch.Generator().manual_seed(0)
    ar = 1 + 6 * torch.rand(500, generator=g, dtype=torch.float64)
    theta = (torch.rand(500, generator=g, dtype=torch.float64) * 2 - 1) * math.pi
    z, o = torch.zeros_like(ar), torch.ones_like(ar)
    ref = box_iou_rotated(torch.stack([z, z, ar, o, z], 1), torch.stack([z, z, ar, o, theta], 1), aligned=True)
    fine = AngleIoUTable()(ar, theta).double()
    coarse = AngleIoUTable(num_ar=61, num_theta=37)(ar, theta).double()
    err_fine, err_coarse = (fine - ref).abs().max(), (coarse - ref).abs().max()
    assert err_fine < 2e-3 and err_coarse > 5 * err_fine  # the error shrinks with the grid


def _one_gt_two_points():
    gt = torch.tensor([[50.0, 50.0, 30.0, 10.0, 0.0]])
    priors = Priors(torch.tensor([[48.0, 50.0], [52.0, 50.0]]), torch.tensor([8.0, 8.0]), [(1, 2)])
    return BatchGT.from_lists([gt], [torch.zeros(1, dtype=torch.long)]), priors


def test_aal_turns_the_assignment_towards_the_aligned_prediction():
    """Elongated GT (3:1). Point A predicts the GT turned by 25 degrees (IoU_A = LUT_A), point B
    the right angle but a box half as long (IoU_B = 0.5 < IoU_A). With s * IoU, A wins; with the
    LUT^3 factor B wins, and the metric is exactly s * IoU * LUT^3."""
    gtb, priors = _one_gt_two_points()
    gt = gtb.boxes[0]
    a = torch.tensor([50.0, 50.0, 30.0, 10.0, D(25)])
    b = torch.tensor([50.0, 50.0, 15.0, 10.0, 0.0])
    boxes = torch.stack([a, b])[None]
    iou = box_iou_rotated(boxes[0], gt.expand(2, 5), aligned=True)
    assert iou[0] > iou[1]
    scores = torch.full((1, 2, 1), 0.5)
    assigner = RotatedTaskAlignedAssigner(num_classes=1, topk=1, alpha=1.0, beta=1.0)
    plain = assigner.assign(scores, boxes, priors, gtb)
    aal = AALAssignment(gamma=3.0)
    ctx = SimpleNamespace(s_dec=SimpleNamespace(angles=boxes[:, :, 4]), gt=gtb)
    turned = assigner.assign(scores, boxes, priors, gtb, metric_factor=aal.metric_factor(ctx))
    assert plain.fg_mask[0].tolist() == [True, False]
    assert turned.fg_mask[0].tolist() == [False, True]
    lut = aal.lut(boxes[0, :, 4], gt.expand(2, 5))
    torch.testing.assert_close(lut[0], iou[0], atol=2e-3, rtol=0)  # A is the GT turned: LUT == IoU
    torch.testing.assert_close(turned.align_metric[0, 0], 0.5 * iou * lut.pow(3))


def test_guided_assignment_with_the_predictions_as_guide_is_the_plain_assignment(tmp_path):
    model = build_pair(tmp_path, {})
    data = batch(model, num_images=3, per_image=3)
    head = model.head
    with torch.no_grad():
        raw = head.flatten(head.forward_preds(model.student.extract_feat(data["inputs"]), 0))
        dec = head.decode(raw)
    gt = head.gt_from_samples(data["data_samples"])
    plain = head.assign(raw, dec, gt)
    guided, metric, overlaps = head.assign_guided(raw, dec, dec, gt)
    assert plain.num_pos > 0
    for name in ("fg_mask", "gt_index", "labels", "boxes", "scores", "align_metric", "overlaps", "pos_mask"):
        assert torch.equal(getattr(plain, name), getattr(guided, name)), name
    assert torch.equal(metric, plain.align_metric) and torch.equal(overlaps, plain.overlaps)


def test_guided_assignment_takes_the_teachers_positives_and_the_students_targets():
    """The student localises point 0 well, the teacher point 1: guided by the teacher, point 1 is
    the positive, and its soft target is the student's normalised metric there."""
    gtb, priors = _one_gt_two_points()
    good = torch.tensor([50.0, 50.0, 30.0, 10.0, 0.0])
    poor = torch.tensor([50.0, 50.0, 20.0, 10.0, 0.0])  # IoU 2/3
    student = torch.stack([good, poor])[None]
    teacher = torch.stack([poor, good])[None]
    scores = torch.full((1, 2, 1), 0.5)
    assigner = RotatedTaskAlignedAssigner(num_classes=1, topk=1, alpha=1.0, beta=1.0)
    own = assigner.assign(scores, student, priors, gtb)
    res, t_metric, _ = assigner.assign_guided(scores, student, scores, teacher, priors, gtb)
    assert own.fg_mask[0].tolist() == [True, False]
    assert res.fg_mask[0].tolist() == [False, True]
    assert t_metric[0, 0, 1] > t_metric[0, 0, 0]
    # TOOD target of the lone positive: t * maxIoU / max t = IoU of the student's box there
    assert res.scores[0, 1, 0].item() == pytest.approx(2 / 3, abs=1e-4)
    # with the teacher's targets: the same positive, its target the teacher's IoU there (1), the
    # stored metric and IoU still the student's (SAD's KL reads them)
    tt, _, _ = assigner.assign_guided(scores, student, scores, teacher, priors, gtb, guide_targets=True)
    assert torch.equal(tt.fg_mask, res.fg_mask) and torch.equal(tt.overlaps, res.overlaps)
    assert tt.scores[0, 1, 0].item() == pytest.approx(1.0, abs=1e-4)


def test_guided_union_keeps_the_students_own_positives_beside_the_teachers():
    """With ``union`` the student's best point (0) stays positive beside the teacher's pick (1),
    each with the student's own normalised metric as its target; guided by itself, the union is
    the plain assignment."""
    gtb, priors = _one_gt_two_points()
    good = torch.tensor([50.0, 50.0, 30.0, 10.0, 0.0])
    poor = torch.tensor([50.0, 50.0, 20.0, 10.0, 0.0])  # IoU 2/3
    student, teacher = torch.stack([good, poor])[None], torch.stack([poor, good])[None]
    scores = torch.full((1, 2, 1), 0.5)
    assigner = RotatedTaskAlignedAssigner(num_classes=1, topk=1, alpha=1.0, beta=1.0)
    res, _, _ = assigner.assign_guided(scores, student, scores, teacher, priors, gtb, union=True)
    assert res.fg_mask[0].tolist() == [True, True]
    # targets t * maxIoU / max t over the two positives: IoU 1 and 2/3 of the student's boxes
    assert res.scores[0, :, 0].tolist() == pytest.approx([1.0, 2 / 3], abs=1e-4)
    own = assigner.assign(scores, student, priors, gtb)
    same, _, _ = assigner.assign_guided(scores, student, scores, student, priors, gtb, union=True)
    for name in ("fg_mask", "gt_index", "labels", "scores", "align_metric", "overlaps"):
        assert torch.equal(getattr(own, name), getattr(same, name)), name
    with pytest.raises(ValueError, match="need teacher_assign"):
        SampleAlignmentDistillation(teacher_assign=False, union=True)


def test_sad_with_the_student_as_teacher_changes_nothing(tmp_path):
    """Teacher == student: the teacher-guided assignment is the student's own, and the KL is 0."""
    alone = build_pair(tmp_path, {}, same=True)
    guided = build_pair(tmp_path, {"sad": dict(type="SampleAlignmentDistillation", kl_weight=1.0),
                                   "aal": dict(type="AALAssignment")}, same=True)
    plain_aal = build_pair(tmp_path, {"aal": dict(type="AALAssignment")}, same=True)
    data = batch(alone, num_images=2, per_image=3)
    with torch.no_grad():
        a, g, p = alone.eval().loss(**data), guided.eval().loss(**data), plain_aal.eval().loss(**data)
    for key in ("loss_cls", "loss_bbox", "loss_dfl", "loss_angle"):
        torch.testing.assert_close(g[key], p[key])  # same positives and targets as the student's own (with AAL)
    assert abs(float(g["loss_sad"])) < 1e-6
    assert a["loss_cls"] != p["loss_cls"]  # AAL's factor did change the plain assignment


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


def test_sad_gradient_is_bounded_and_reaches_class_scores_only(tmp_path):
    """IoU -> 0 (boxes spread to garbage): the KL's gradient on the class logits stays finite and
    within its bound (kl_weight * T * alpha per candidate, over the number of ground truths);
    the box and angle branches get none from it."""
    model = build_pair(tmp_path, {"sad": dict(type="SampleAlignmentDistillation", kl_weight=1.0, temperature=1.0)})
    for conv in model.head.preds["reg"]:
        torch.nn.init.normal_(conv.weight, std=3.0)  # wild distances: IoUs near 0
    data = batch(model, num_images=2, per_image=3)
    captured = {}
    orig = model.student_losses

    def keep(ctx):
        out = orig(ctx)
        ctx.s_raw.cls_logits.retain_grad()
        captured["ctx"] = ctx
        return out
    model.student_losses = keep
    losses = kd_losses(model.loss(**data))
    ctx = captured["ctx"]
    assert float(ctx.assign.overlaps[ctx.assign.candidate_mask].min()) < 0.05
    losses["loss_sad"].backward()
    grad = ctx.s_raw.cls_logits.grad
    assert grad is not None and torch.isfinite(grad).all() and grad.abs().sum() > 0
    assert grad.abs().max() <= 1.0 + 1e-6
    assert all(c.weight.grad is None or c.weight.grad.abs().sum() == 0 for c in model.head.preds["reg"])
    assert all(c.weight.grad is None or c.weight.grad.abs().sum() == 0 for c in model.head.preds["ang"])


def test_sad_switches(tmp_path):
    """kl_weight 0 adds no loss; teacher_assign False leaves the student's own assignment."""
    off = build_pair(tmp_path, {"sad": dict(type="SampleAlignmentDistillation", teacher_assign=False, kl_weight=0.0)})
    alone = build_pair(tmp_path, {})
    data = batch(alone)
    with torch.no_grad():
        a, o = alone.eval().loss(**data), off.eval().loss(**data)
    assert "loss_sad" not in o
    for key in ("loss_cls", "loss_bbox", "loss_dfl", "loss_angle"):
        torch.testing.assert_close(a[key], o[key])


def _kd_ctx(tmp_path, parts, spread_angles=False, spread_teacher_scores=False, same=False):
    model = build_pair(tmp_path, parts, same=same)
    if spread_angles:  # the student's angle logits far from the teacher's
        torch.manual_seed(3)
        for conv in model.head.preds["ang"]:
            torch.nn.init.normal_(conv.weight, std=1.0)
    if spread_teacher_scores:  # the teacher's class probabilities far apart from point to point
        torch.manual_seed(4)
        for conv in model.teacher.head.preds["cls"]:
            torch.nn.init.normal_(conv.weight, std=1.0)
    data = batch(model, num_images=2, per_image=3)
    captured = {}
    orig = model.student_losses

    def keep(ctx):
        out = orig(ctx)
        captured["ctx"] = ctx
        return out
    model.student_losses = keep
    with torch.no_grad():
        losses = model.eval().loss(**data)
    return losses, captured["ctx"]


def test_ad_is_the_mean_over_positives_of_t2_kl(tmp_path):
    """AD as the authors' CSL branch: lambda * mean over the positives of T^2 KL of the angle
    softmax at T, the teacher detached."""
    losses, ctx = _kd_ctx(tmp_path, {"ad": dict(type="AngleDistillation", loss_weight=3.0, temperature=2.0)},
                          spread_angles=True)
    fg = ctx.assign.fg_mask
    assert int(fg.sum()) > 0
    t = 2.0
    pt = torch.softmax(ctx.t_raw.ang_logits[fg].float() / t, -1)
    ps = torch.log_softmax(ctx.s_raw.ang_logits[fg].float() / t, -1)
    want = 3.0 * (t * t) * (pt * (pt.log() - ps)).sum(-1).mean()
    assert float(want) > 1e-4
    torch.testing.assert_close(losses["loss_ad"], want, rtol=1e-3, atol=1e-8)


@pytest.mark.parametrize("normaliser", ["targets", "positives", "images", "points"])
def test_dense_class_kd_normalisers(tmp_path, normaliser):
    """The dense class KD is the summed binary KL over every point divided by the named count."""
    losses, ctx = _kd_ctx(tmp_path, {"cls_kd": dict(type="ClassDistillation", region="all", normaliser=normaliser)})
    from daik.distill.losses import binary_kl_logits
    total = binary_kl_logits(ctx.s_raw.cls_logits, ctx.t_raw.cls_logits).sum()
    fg = ctx.assign.fg_mask
    count = {"targets": ctx.norm, "positives": float(fg.sum()), "images": float(fg.shape[0]),
             "points": float(fg.numel())}[normaliser]
    torch.testing.assert_close(losses["loss_cls_kd"], total / max(count, 1.0), rtol=1e-5, atol=1e-7)


def test_dense_class_kd_in_quality_focal_form(tmp_path):
    """mode "qfl": each class's binary KL scaled by |p_s - p_t|^beta, summed over every point and
    divided by the soft-target sum (worked out here on logits far apart)."""
    import dataclasses

    from daik.distill.losses import binary_kl_logits
    from daik.distill.prediction_kd import ClassDistillation
    _, ctx = _kd_ctx(tmp_path, {"cls_kd": dict(type="ClassDistillation", region="all")})
    torch.manual_seed(5)
    ctx.s_raw = dataclasses.replace(ctx.s_raw, cls_logits=3 * torch.randn_like(ctx.s_raw.cls_logits))
    ctx._t_raw = dataclasses.replace(ctx.t_raw, cls_logits=3 * torch.randn_like(ctx.t_raw.cls_logits))
    s, t = ctx.s_raw.cls_logits, ctx.t_raw.cls_logits
    gap = (s.sigmoid() - t.sigmoid()).abs()
    got = ClassDistillation(loss_weight=2.0, region="all", mode="qfl", beta=2.0)(ctx)["loss_cls_kd"]
    want = 2.0 * (binary_kl_logits(s, t) * gap ** 2).sum() / max(ctx.norm, 1.0)
    plain = 2.0 * binary_kl_logits(s, t).sum() / max(ctx.norm, 1.0)
    assert 1e-3 < float(want) < 0.9 * float(plain)  # the scale matters in this case
    torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-8)
    with pytest.raises(ValueError, match="temperature"):
        ClassDistillation(mode="qfl", temperature=2.0)


def test_teacher_targets_normaliser_is_the_teachers_soft_target_sum(tmp_path):
    """``normaliser="teacher_targets"`` divides by the teacher's own soft-target sum: with the
    student's weights as the teacher it is the student's ``ctx.norm``; with a different teacher
    mimicking's three terms are the default's rescaled by the ratio of the two sums."""
    from daik.distill.prediction_kd import kd_normaliser
    _, ctx = _kd_ctx(tmp_path, {"mimic": dict(type="PredictionMimicking")}, same=True)
    own = float(ctx.assign.scores.sum())
    assert own > 1e-3  # an untrained student: both sums clamp to 1, so compare the targets themselves
    torch.testing.assert_close(ctx.teacher_assign().scores, ctx.assign.scores)
    assert kd_normaliser(ctx, "teacher_targets") == kd_normaliser(ctx, "targets")

    # a teacher whose soft targets sum to 6 (an untrained one's clamp to 1 like the student's)
    losses, ctx = _kd_ctx(tmp_path, {"mimic": dict(type="PredictionMimicking")})
    scores = torch.zeros_like(ctx.assign.scores)
    scores.view(-1)[:12] = 0.5
    ctx.teacher_assign = lambda *a, **k: SimpleNamespace(scores=scores)
    assert kd_normaliser(ctx, "teacher_targets") == 6.0
    from daik.distill.prediction_kd import PredictionMimicking
    with torch.no_grad():
        rescaled = PredictionMimicking(normaliser="teacher_targets")(ctx)
    for key in ("loss_mimic_cls", "loss_mimic_dfl", "loss_mimic_angle"):
        assert float(losses[key]) > 0
        torch.testing.assert_close(rescaled[key] * 6.0, losses[key] * ctx.norm)
    with pytest.raises(ValueError, match="normaliser"):
        build_pair(tmp_path, {"mimic": dict(type="PredictionMimicking", normaliser="teacher")})


def test_dense_ld_is_mimickings_dfl_term(tmp_path):
    """LD over every point at T = 1 equals prediction mimicking's DFL term at the same weight."""
    ld, _ = _kd_ctx(tmp_path, {"ld": dict(type="LocalizationDistillation", region="all", temperature=1.0,
                                          loss_weight=0.25)})
    mim, _ = _kd_ctx(tmp_path, {"mimic": dict(type="PredictionMimicking", cls_weight=0.0, dfl_weight=0.25,
                                              angle_weight=0.0)})
    torch.testing.assert_close(ld["loss_ld"], mim["loss_mimic_dfl"])


def test_dense_ad_is_mimickings_angle_term_at_the_same_temperature(tmp_path):
    """AD over every point equals prediction mimicking's angle term (T^2 KL over the soft-target sum)."""
    ad, _ = _kd_ctx(tmp_path, {"ad": dict(type="AngleDistillation", region="all", temperature=1.0, loss_weight=0.05)},
                    spread_angles=True)
    mim, _ = _kd_ctx(tmp_path, {"mimic": dict(type="PredictionMimicking", cls_weight=0.0, dfl_weight=0.0,
                                              angle_weight=0.05)}, spread_angles=True)
    assert float(ad["loss_ad"]) > 0
    torch.testing.assert_close(ad["loss_ad"], mim["loss_mimic_angle"])


@pytest.mark.parametrize("region", ["gt", "teacher"])
def test_ad_between_the_positives_and_every_point(tmp_path, region):
    """AD's ablation regions: a plain mean over the points inside a ground truth ("gt"), or every
    point weighted by the teacher's highest class probability over the weights' sum ("teacher")."""
    losses, ctx = _kd_ctx(tmp_path, {"ad": dict(type="AngleDistillation", region=region, temperature=2.0,
                                                loss_weight=3.0)}, spread_angles=True, spread_teacher_scores=True)
    t = 2.0
    pt = torch.softmax(ctx.t_raw.ang_logits.float() / t, -1)
    kl = t * t * (pt * (pt.log() - torch.log_softmax(ctx.s_raw.ang_logits.float() / t, -1))).sum(-1)  # (B, N)
    if region == "gt":
        inside = ctx.assign.candidate_mask.any(1)
        assert 0 < int(ctx.assign.fg_mask.sum()) <= int(inside.sum()) < inside.numel()
        want = 3.0 * kl[inside].mean()
    else:
        w = torch.sigmoid(ctx.t_raw.cls_logits.float()).amax(-1)
        want = 3.0 * (kl * w).sum() / w.sum()
    assert float(want) > 1e-4
    assert abs(float(want) / float(3.0 * kl.mean()) - 1) > 1e-2  # the region's weights matter in this case
    torch.testing.assert_close(losses["loss_ad"], want, rtol=1e-3, atol=1e-8)
    with pytest.raises(ValueError, match="weighted"):
        from daik.distill.prediction_kd import AngleDistillation
        AngleDistillation(region=region, weighted=True)


def test_per_instance_ad_and_ld_count_every_ground_truth_once(tmp_path):
    """per_instance: AD (a plain mean) and the positives' LD (alignment-weighted) are averaged
    within each ground truth's positives, then over the ground truths - worked out here by a loop
    over the ground truths; the ground truths have different numbers of positives, so the result
    differs from the mean over the positives."""
    parts = {"ad": dict(type="AngleDistillation", loss_weight=3.0, temperature=2.0, per_instance=True),
             "ld_pos": dict(type="LocalizationDistillation", loss_weight=0.5, temperature=2.0, region="pos",
                            weighted=True, per_instance=True)}
    losses, ctx = _kd_ctx(tmp_path, parts, spread_angles=True)
    fg, t = ctx.assign.fg_mask, 2.0

    def kl(s, te):
        pt = torch.softmax(te.float() / t, -1)
        return t * t * (pt * (pt.log() - torch.log_softmax(s.float() / t, -1))).sum(-1)
    ad = kl(ctx.s_raw.ang_logits, ctx.t_raw.ang_logits)  # (B, N)
    ld = kl(ctx.s_raw.reg_logits, ctx.t_raw.reg_logits).mean(-1)  # (B, N), mean over the 4 sides
    w = ctx.assign.scores.sum(-1)  # (B, N) alignment scores of the positives
    ad_inst, ld_inst, counts = [], [], []
    for b in range(fg.shape[0]):
        for g in ctx.assign.gt_index[b][fg[b]].unique().tolist():
            sel = fg[b] & (ctx.assign.gt_index[b] == g)
            counts.append(int(sel.sum()))
            ad_inst.append(ad[b][sel].mean())
            ld_inst.append((w[b][sel] * ld[b][sel]).sum() / w[b][sel].sum())
    assert len(set(counts)) > 1  # ground truths with different numbers of positives
    want_ad, want_ld = 3.0 * torch.stack(ad_inst).mean(), 0.5 * torch.stack(ld_inst).mean()
    torch.testing.assert_close(losses["loss_ad"], want_ad, rtol=1e-3, atol=1e-8)
    torch.testing.assert_close(losses["loss_ld"], want_ld, rtol=1e-3, atol=1e-8)
    assert abs(float(want_ad) / float(3.0 * ad[fg].mean()) - 1) > 1e-2  # not the mean over the positives
    from daik.distill.prediction_kd import AngleDistillation, LocalizationDistillation
    with pytest.raises(ValueError, match="per_instance"):
        AngleDistillation(region="all", per_instance=True)
    with pytest.raises(ValueError, match="per_instance"):
        LocalizationDistillation(region="all", per_instance=True)


def test_sad_guides_only_its_first_epochs(tmp_path):
    """guide_epochs 2: epochs 0-1 take the teacher's positives (as a guide for every epoch does),
    from epoch 2 on the student's own assignment (as without guidance); the KL stays on."""
    sad = dict(type="SampleAlignmentDistillation", kl_weight=1.0)
    limited = build_pair(tmp_path, {"sad": dict(sad, guide_epochs=2)})
    always = build_pair(tmp_path, {"sad": sad})
    never = build_pair(tmp_path, {"sad": dict(sad, teacher_assign=False)})
    data = batch(limited, num_images=2, per_image=3)
    for model in (limited, always, never):
        model.student.head.assigner.topk = 1  # fewer positives than candidates: the choice matters

    def losses(model, epoch):
        model.set_epoch(epoch)
        with torch.no_grad():
            return model.train().loss(**data)
    early, late = losses(limited, 1), losses(limited, 2)
    guided, own = losses(always, 2), losses(never, 2)
    assert not torch.allclose(guided["loss_bbox"], own["loss_bbox"])  # the teacher picks other positives
    for key in ("loss_cls", "loss_bbox", "loss_dfl", "loss_angle", "loss_sad"):
        torch.testing.assert_close(early[key], guided[key])
        torch.testing.assert_close(late[key], own[key])
    with pytest.raises(ValueError, match="guide_epochs"):
        build_pair(tmp_path, {"sad": dict(sad, teacher_assign=False, guide_epochs=2)})


@pytest.mark.parametrize("per_instance, gap", [(False, False), (True, False), (True, True)])
def test_ad_aspect_focus_weights_each_positive_by_the_iou_its_ground_truth_loses_when_turned(tmp_path, per_instance,
                                                                                             gap):
    """aspect_focus: each positive's KL weighted by 1 - IoU(its ground truth, the same box turned by
    the focus angle, or by the teacher-student angle gap where that is larger with focus_gap) -
    worked out here with box_iou_rotated on the ground truths themselves, not the table - and the
    term the weighted mean (per ground truth first with per_instance)."""
    parts = {"ad": dict(type="AngleDistillation", loss_weight=3.0, temperature=2.0, per_instance=per_instance,
                        aspect_focus=20.0, focus_gap=gap)}
    losses, ctx = _kd_ctx(tmp_path, parts, spread_angles=True)
    fg, t = ctx.assign.fg_mask, 2.0
    pt = torch.softmax(ctx.t_raw.ang_logits.float() / t, -1)
    kl = t * t * (pt * (pt.log() - torch.log_softmax(ctx.s_raw.ang_logits.float() / t, -1))).sum(-1)  # (B, N)
    gts = ctx.assign.boxes.float()  # (B, N, 5) the assigned ground truth of each point
    turned = gts.clone()
    turn = torch.full(fg.shape, math.radians(20.0))
    if gap:
        d = (ctx.t_dec.angles - ctx.s_dec.angles).float().remainder(math.pi)
        d = torch.minimum(d, math.pi - d)
        assert bool((d[fg] > math.radians(20.0)).any()) and bool((d[fg] < math.radians(20.0)).any())
        turn = torch.maximum(turn, d)
    turned[..., 4] += turn
    focus = 1 - box_iou_rotated(gts.reshape(-1, 5), turned.reshape(-1, 5), aligned=True).reshape(fg.shape)
    if per_instance:
        num, den = [], []
        for b in range(fg.shape[0]):
            for g in ctx.assign.gt_index[b][fg[b]].unique().tolist():
                sel = fg[b] & (ctx.assign.gt_index[b] == g)
                num.append(focus[b][sel].mean() * kl[b][sel].mean())
                den.append(focus[b][sel].mean())
        assert len(den) > 1 and float(torch.stack(den).std()) > 1e-2  # ground truths of different shapes
        want = 3.0 * torch.stack(num).sum() / torch.stack(den).sum()
        plain = 3.0 * torch.stack([n / d for n, d in zip(num, den)]).mean()
    else:
        want = 3.0 * (focus[fg] * kl[fg]).sum() / focus[fg].sum()
        plain = 3.0 * kl[fg].mean()
    torch.testing.assert_close(losses["loss_ad"], want, rtol=2e-3, atol=1e-8)
    assert abs(float(want) / float(plain) - 1) > 1e-2  # the focus moves the term in this case
    from daik.distill.prediction_kd import AngleDistillation
    with pytest.raises(ValueError, match="aspect_focus"):
        AngleDistillation(region="all", aspect_focus=10.0)
    with pytest.raises(ValueError, match="exclusive"):
        AngleDistillation(weighted=True, aspect_focus=10.0)
    with pytest.raises(ValueError, match="degrees"):
        AngleDistillation(aspect_focus=-5.0)
    with pytest.raises(ValueError, match="focus_gap"):
        AngleDistillation(focus_gap=True)
