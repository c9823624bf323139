"""Every distillation part: zero when the student is the teacher, positive otherwise, finite on
images without ground truth, gradients into the student only."""
import math

import pytest
import torch
import torch.nn as nn

from daik.distill.component import KDComponent

from .helpers import ALL_PARTS, batch, build_pair, kd_losses

LOSS_PARTS = sorted(k for k in ALL_PARTS if k != "aal")  # AAL re-weights, it adds no loss


def _identity_adapters(model):
    """FRS adapts even equal widths; start its convs at the identity for the equality check."""
    for m in model.distill.modules():
        if isinstance(m, nn.Conv2d) and m.in_channels == m.out_channels:
            nn.init.dirac_(m.weight)
            nn.init.zeros_(m.bias)


@pytest.mark.parametrize("name", LOSS_PARTS)
def test_zero_when_student_is_teacher(tmp_path, name):
    model = build_pair(tmp_path, {name: ALL_PARTS[name]}, same=True)
    _identity_adapters(model)
    model.eval()  # both use running statistics, so the networks compute the same function
    with torch.no_grad():
        losses = kd_losses(model.loss(**batch(model)))
    assert losses, f"{name} returned no loss"
    for key, value in losses.items():
        assert abs(float(value)) < 1e-5, f"{key} = {float(value)} for identical networks"


@pytest.mark.parametrize("name", LOSS_PARTS)
def test_positive_for_another_teacher_and_gradients_reach_the_student_only(tmp_path, name):
    model = build_pair(tmp_path, {name: ALL_PARTS[name]})
    teacher_before = {k: v.clone() for k, v in model.teacher.state_dict().items()}
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    losses = kd_losses(model.loss(**batch(model)))
    for key, value in losses.items():
        v = float(value.detach())
        assert v > 0 and math.isfinite(v), f"{key} = {v}"
    sum(losses.values()).backward()
    grads = [p.grad.abs().sum() for p in model.student.parameters() if p.grad is not None]
    assert grads and float(sum(grads)) > 0, f"{name}: no gradient reached the student"
    assert all(p.grad is None for p in model.teacher.parameters())
    opt.step()
    for k, v in model.teacher.state_dict().items():
        assert torch.equal(v, teacher_before[k]), f"teacher {k} changed"
    assert not model.teacher.training


@pytest.mark.parametrize("name", LOSS_PARTS)
def test_finite_without_ground_truth(tmp_path, name):
    model = build_pair(tmp_path, {name: ALL_PARTS[name]})
    losses = model.loss(**batch(model, empty=True))
    total = sum(v for k, v in losses.items() if k.startswith("loss"))
    assert all(torch.isfinite(v).all() for v in losses.values()), {k: float(v) for k, v in losses.items()}
    total.backward()  # the graph survives an empty assignment


def test_all_parts_together_log_every_loss_by_name(tmp_path):
    model = build_pair(tmp_path, dict(ALL_PARTS))
    losses = model.loss(**batch(model))
    expected = {"loss_ad", "loss_sad", "loss_ld", "loss_cls_kd", "loss_mimic_cls", "loss_mimic_dfl",
                "loss_mimic_angle", "loss_pkd", "loss_cwd", "loss_fitnet", "loss_frs_feat", "loss_frs_cls", "loss_sea_anchor",
                "loss_sea_topo", "loss_sea_loc", "aal_lut", "kd_scale"}
    expected |= {f"loss_{p}_{t}" for p in ("cross", "cakd") for t in ("cls", "dfl", "angle", "box")}
    assert expected <= set(losses), sorted(expected - set(losses))
    total, log_vars = model.parse_losses(losses)
    assert "aal_lut" in log_vars and torch.isfinite(total)


def test_kd_scale_multiplies_only_distillation_losses(tmp_path):
    model = build_pair(tmp_path, {"ad": ALL_PARTS["ad"], "mimic": ALL_PARTS["mimic"]})
    model.eval()
    data = batch(model)
    with torch.no_grad():
        full = model.loss(**data)
        model.kd_scale = 0.25
        quarter = model.loss(**data)
    for key in full:
        if key == "kd_scale":
            continue
        factor = 0.25 if key in kd_losses(full) else 1.0
        torch.testing.assert_close(quarter[key], full[key] * factor)
    assert float(quarter["kd_scale"]) == 0.25


def test_two_parts_of_one_kind_keep_both_losses_under_their_names(tmp_path):
    """LD at every point and LD on the positives side by side: the later part's loss carries its
    name and equals what that part gives alone; a clash with the student's own loss stays an error."""
    dense = dict(type="LocalizationDistillation", region="all", temperature=1.0)
    pos = dict(type="LocalizationDistillation", region="pos", temperature=10.0)
    both = build_pair(tmp_path, {"ld": dense, "ld_pos": pos})
    alone = build_pair(tmp_path, {"ld_pos": pos})
    both.eval(), alone.eval()
    with torch.no_grad():
        two, one = both.loss(**batch(both)), alone.loss(**batch(alone))
    assert {"loss_ld", "loss_ld_ld_pos"} <= set(two)
    torch.testing.assert_close(two["loss_ld_ld_pos"], one["loss_ld"])
    assert not torch.allclose(two["loss_ld"], two["loss_ld_ld_pos"])


def test_a_part_may_not_shadow_the_students_own_loss(tmp_path):
    class Shadow(KDComponent):
        def forward(self, ctx):
            return {"loss_cls": ctx.s_raw.cls_logits.sum() * 0}

    model = build_pair(tmp_path, {"ld": ALL_PARTS["ld"]})
    model.distill["shadow"] = Shadow()
    with pytest.raises(KeyError, match="already returns"):
        model.loss(**batch(model))
