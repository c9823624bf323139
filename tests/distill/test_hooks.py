"""KD schedule, diagnostics and a real mmengine training run of a distiller."""
import json
import math
import os
from types import SimpleNamespace

import pytest
import torch
from mmengine.logging import MessageHub
from mmengine.dataset import pseudo_collate
from mmengine.runner import Runner

from daik.distill import KDDiagnosticsHook, KDScheduleHook, kd_weight
from daik.distill.diagnostics import (angle_diff_deg, collect, plot_angle_histograms, plot_history,
                                      target_conflict_ratio)
from daik.models.task_modules import AssignResult, Priors
from tests.models.helpers import draw_scenes

from .helpers import ALL_PARTS, build_pair


def test_kd_weight_schedules():
    assert kd_weight(0.3, "constant", start=2.0) == 2.0
    assert kd_weight(0.0, "cosine") == pytest.approx(1.0)
    assert kd_weight(1.0, "cosine") == pytest.approx(0.01)
    assert kd_weight(0.5, "cosine") == pytest.approx(0.505)  # YOLOv6: ((1 - cos(pi/2)) / 2) * (0.01 - 1) + 1
    assert kd_weight(0.25, "linear", start=1.0, end=0.0) == pytest.approx(0.75)
    assert kd_weight(0.0, "constant", warmup=0.4) == pytest.approx(0.4)
    assert kd_weight(2.0, "cosine") == pytest.approx(0.01)  # clamped progress
    with pytest.raises(ValueError):
        kd_weight(0.1, "step")


def test_schedule_hook_sets_the_distiller_scale():
    model = SimpleNamespace(kd_scale=1.0)
    runner = SimpleNamespace(model=model, epoch=3, max_epochs=12, iter=10, max_iters=100)
    KDScheduleHook("cosine").before_train_iter(runner, 0)
    assert model.kd_scale == pytest.approx(0.01 + 0.99 * (1 + math.cos(math.pi * 0.25)) / 2)
    KDScheduleHook("constant", start=0.5, warmup_iters=40, by_epoch=False).before_train_iter(runner, 0)
    assert model.kd_scale == pytest.approx(0.5 * 10 / 40)
    # arguments left out come from the model's kd_schedule; given ones win
    model.kd_schedule = dict(schedule="linear", start=1.0, end=0.0)
    KDScheduleHook().before_train_iter(runner, 0)
    assert model.kd_scale == pytest.approx(0.75)
    KDScheduleHook(schedule="constant").before_train_iter(runner, 0)
    assert model.kd_scale == pytest.approx(1.0)
    model.kd_schedule = dict(shedule="cosine")
    with pytest.raises(KeyError, match="unknown kd_schedule keys"):
        KDScheduleHook().before_train_iter(runner, 0)
    with pytest.raises(ValueError):
        KDScheduleHook(schedule="steps")
    with pytest.raises(TypeError, match="needs a distiller"):
        KDScheduleHook().before_train_iter(SimpleNamespace(model=torch.nn.Linear(1, 1), epoch=0, max_epochs=1,
                                                           iter=0, max_iters=1), 0)


def test_target_conflict_ratio_hand_case():
    # 2 levels of 2 points each; positives: level 0 both (targets 0.9, 0.2), level 1 one (0.8)
    fg = torch.tensor([[True, True, True, False]])
    labels = torch.tensor([[0, 1, 0, 2]])
    scores = torch.zeros(1, 4, 2)
    scores[0, 0, 0], scores[0, 1, 1], scores[0, 2, 0] = 0.9, 0.2, 0.8
    teacher = torch.zeros(1, 4, 2)
    teacher[0, 0, 0], teacher[0, 1, 1], teacher[0, 2, 0] = 0.3, 0.1, 0.9  # gaps 0.6, 0.1, 0.1
    z = torch.zeros(1, 1, 4)
    asg = AssignResult(fg, labels.clone(), labels, torch.zeros(1, 4, 5), scores, z, z, z.bool(), z.bool(),
                       torch.ones(1, 1, dtype=torch.bool))
    priors = Priors(torch.zeros(4, 2), torch.tensor([8.0, 8, 16, 16]), [(1, 2), (1, 2)])
    assert target_conflict_ratio(asg, teacher, priors) == [0.5, 0.0]


def test_angle_difference_wraps_at_180_degrees():
    a = torch.tensor([math.radians(89.0), math.radians(-89.0), 0.3])
    b = torch.tensor([math.radians(-89.0), math.radians(89.0), 0.3])
    torch.testing.assert_close(angle_diff_deg(a, b), torch.tensor([-2.0, 2.0, 0.0]))


def test_collect_and_plots(tmp_path):
    model = build_pair(tmp_path, {})
    inputs, samples = draw_scenes(2, size=96, per_image=2)
    out = collect(model, [dict(inputs=inputs, data_samples=samples)] * 2)
    assert len(out["steps"]) == 2 and "conflict_P3" in out["mean"] and "l1_angle_gt" in out["mean"]
    assert len(out["student_angle_err"]) == out["steps"][0]["num_pos"] * 2
    assert all(-90 <= e < 90 for e in out["student_angle_err"] + out["teacher_angle_err"])
    hist = plot_angle_histograms(out["student_angle_err"], out["teacher_angle_err"], str(tmp_path / "angles.png"))
    curve = plot_history([{"iter": 1, **out["steps"][0]}, {"iter": 2, **out["steps"][1]}], str(tmp_path / "h.png"))
    assert os.path.getsize(hist) > 1000 and os.path.getsize(curve) > 1000


class _Scenes(torch.utils.data.Dataset):
    def __init__(self, n):
        self.inputs, self.samples = draw_scenes(n, size=64, per_image=1, seed=3)

    def __len__(self):
        return len(self.inputs)

    def __getitem__(self, i):
        return dict(inputs=self.inputs[i], data_samples=self.samples[i])


def test_mmengine_runner_trains_a_distiller(tmp_path):
    """Through mmengine's Runner: teacher params out of the optimizer, every KD loss logged by
    name, the cosine schedule applied per epoch, diagnostics written."""
    model = build_pair(tmp_path, {"ad": ALL_PARTS["ad"], "cross": ALL_PARTS["cross"], "aal": ALL_PARTS["aal"]})
    MessageHub.get_instance("distill_test_runner")
    runner = Runner(
        model=model, work_dir=str(tmp_path / "work"), experiment_name="distill_test_runner",
        train_dataloader=torch.utils.data.DataLoader(_Scenes(4), batch_size=2, collate_fn=pseudo_collate),
        train_cfg=dict(by_epoch=True, max_epochs=2), optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.001)),
        custom_hooks=[KDScheduleHook("cosine"), KDDiagnosticsHook(interval=1)],
        default_hooks=dict(checkpoint=None, logger=dict(type="LoggerHook", interval=1)), default_scope="daik")
    teacher_ids = {id(p) for p in model.teacher.parameters()}
    runner.train()
    opt_ids = {id(p) for g in runner.optim_wrapper.optimizer.param_groups for p in g["params"]}
    assert opt_ids and not opt_ids & teacher_ids
    hub = runner.message_hub
    for key in ("loss_ad", "loss_cross_cls", "loss_cross_box", "aal_lut", "kd_scale", "kd_conflict_P3"):
        assert f"train/{key}" in hub.log_scalars, key
    assert model.kd_scale == pytest.approx(0.505)  # epoch 1 of 2
    hist = json.load(open(tmp_path / "work" / "kd_diagnostics.json"))
    assert len(hist) == 4 and os.path.exists(tmp_path / "work" / "kd_diagnostics.png")
