"""CrossKD on the rotated head: the student's stage-k features through the frozen teacher head."""
import pytest
import torch
import torch.nn as nn

from daik.distill.context import KDContext

from .helpers import batch, build_pair, kd_losses


def _ctx(model, data):
    ctx = KDContext(model.student, model.teacher, data["inputs"], data["data_samples"])
    model.student_losses(ctx)
    return ctx


@pytest.mark.parametrize("stage", [0, 1, 2])
def test_cross_predictions_equal_the_teachers_for_a_student_equal_to_the_teacher(tmp_path, stage):
    model = build_pair(tmp_path, {"cross": dict(type="CrossHeadDistillation", stage=stage, align_stats=False)},
                       same=True)
    model.eval()
    with torch.no_grad():
        ctx = _ctx(model, batch(model))
        cross = model.distill["cross"].cross_raw(ctx)
    assert model.distill["cross"].adapter.is_identity
    for name in ("cls_logits", "reg_logits", "ang_logits"):
        torch.testing.assert_close(getattr(cross, name), getattr(ctx.t_raw, name))


@pytest.mark.parametrize("stage", [0, 1, 2])
def test_adapters_when_widths_differ(tmp_path, stage):
    model = build_pair(tmp_path, {"cross": dict(type="CrossHeadDistillation", stage=stage)})
    adapter = model.distill["cross"].adapter
    assert not adapter.is_identity
    convs = [m for m in adapter.modules() if isinstance(m, nn.Conv2d)]
    assert len(convs) == 3 * (3 if stage == 2 else 1)  # per level (and branch at stage 2)
    assert [c.in_channels for c in convs[:3]] == list(model.head.in_channels)
    assert [c.out_channels for c in convs[:3]] == list(model.teacher.head.in_channels)


def test_cross_loss_alone_trains_the_student_tower_through_the_frozen_teacher_head(tmp_path):
    """Stage 1: the gradient of the cross losses crosses the teacher's branch convs and
    predictors (no grad of theirs) and reaches the student's stems and everything below, not the
    student's own branch convs and predictors."""
    model = build_pair(tmp_path, {"cross": dict(type="CrossHeadDistillation", stage=1)})
    losses = kd_losses(model.loss(**batch(model)))
    assert set(losses) == {"loss_cross_cls", "loss_cross_dfl", "loss_cross_angle", "loss_cross_box"}
    sum(losses.values()).backward()
    stem_grad = sum(float(p.grad.abs().sum()) for p in model.head.stems.parameters())
    backbone_grad = sum(float(p.grad.abs().sum()) for p in model.backbone.parameters() if p.grad is not None)
    assert stem_grad > 0 and backbone_grad > 0
    for p in list(model.head.convs.parameters()) + list(model.head.preds.parameters()):
        assert p.grad is None or p.grad.abs().sum() == 0
    assert all(p.grad is None for p in model.teacher.parameters())
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.distill.parameters())


def test_each_cross_term_alone_reaches_the_student(tmp_path):
    model = build_pair(tmp_path, {"cross": dict(type="CrossHeadDistillation", stage=1)})
    losses = kd_losses(model.loss(**batch(model)))
    for key, value in losses.items():
        model.zero_grad()
        value.backward(retain_graph=True)
        grad = sum(float(p.grad.abs().sum()) for p in model.head.stems.parameters())
        assert grad > 0, f"{key} sends no gradient into the student's stems"


def test_cross_box_term_uses_the_teacher_angle(tmp_path):
    """Distances equal to the teacher's and any cross angle: the box term is 0."""
    model = build_pair(tmp_path, {"cross": dict(type="CrossHeadDistillation", stage=1, align_stats=False)},
                       same=True)
    model.eval()
    part = model.distill["cross"]
    with torch.no_grad():
        ctx = _ctx(model, batch(model))
        cross = part.cross_raw(ctx)
        cross.ang_logits = torch.roll(cross.ang_logits, 45, dims=-1)  # turn every cross angle
        w, _ = part.point_weights(ctx)
        loss = part.box_loss(ctx, cross, w, float(w.sum()))
    assert abs(float(loss)) < 1e-5


def test_class_term_normaliser_positives_is_crosskds_avg_factor(tmp_path):
    """``cls_normaliser="positives"`` divides the same summed class term by the student's number
    of positives (CrossKD's ``avg_factor``) instead of its soft-target sum; the other terms are
    untouched."""
    losses = {}
    for norm in ("targets", "positives"):
        model = build_pair(tmp_path, {"cross": dict(type="CrossHeadDistillation", stage=1, cls_normaliser=norm)})
        model.eval()
        with torch.no_grad():
            ctx = _ctx(model, batch(model))
            losses[norm] = model.distill["cross"](ctx)
            n_pos, soft = float(ctx.assign.fg_mask.sum()), ctx.norm
    assert n_pos > soft >= 1.0  # an untrained student's soft targets sum to less than its positives
    torch.testing.assert_close(losses["positives"]["loss_cross_cls"] * n_pos, losses["targets"]["loss_cross_cls"] * soft)
    for key in ("loss_cross_dfl", "loss_cross_angle", "loss_cross_box"):
        torch.testing.assert_close(losses["positives"][key], losses["targets"][key])
    with pytest.raises(ValueError, match="cls_normaliser"):
        build_pair(tmp_path, {"cross": dict(type="CrossHeadDistillation", cls_normaliser="gt")})
