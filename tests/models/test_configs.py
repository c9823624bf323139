"""The n/s/m/l configs: they build, and the horizontal counterparts match YOLOv6 v3.0's size."""
import os

import pytest
import torch
import torch.nn as nn
from mmengine.config import Config

from daik.models import reparameterize
from daik.registry import MODELS

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CFG = os.path.join(ROOT, "configs", "_base_", "models", "rotated_yolo_{}.py")
# YOLOv6 v3.0 (README of release 0.3.0): params (M) of the deployed COCO models.
PUBLISHED_PARAMS = {"n": 4.7, "s": 18.5, "m": 34.9, "l": 59.6}
HORIZONTAL_REG_MAX = {"n": 0, "s": 0, "m": 16, "l": 16}  # n/s deploy without DFL


class _Horizontal(nn.Module):
    def __init__(self, model_cfg, size):
        super().__init__()
        self.backbone = MODELS.build(model_cfg.backbone)
        self.neck = MODELS.build(model_cfg.neck)
        self.head = MODELS.build(dict(type="EffiDeHead", num_classes=80, in_channels=model_cfg.head.in_channels,
                                      widen_factor=model_cfg.head.widen_factor, reg_max=HORIZONTAL_REG_MAX[size]))

    def forward(self, x):
        return self.head(self.neck(self.backbone(x)))


@pytest.mark.parametrize("size", ["n", "s"])
def test_horizontal_param_count_matches_yolov6_v3(size):
    cfg = Config.fromfile(CFG.format(size))
    model = reparameterize(_Horizontal(cfg.model, size))
    params = sum(p.numel() for p in model.parameters()) / 1e6
    assert abs(params / PUBLISHED_PARAMS[size] - 1) < 0.05, f"{size}: {params:.2f} M vs {PUBLISHED_PARAMS[size]} M"


def test_configs_build_and_scale():
    counts = {}
    for size in "nsml":
        cfg = Config.fromfile(CFG.format(size))
        model = MODELS.build(cfg.model)
        counts[size] = sum(p.numel() for p in model.parameters())
        assert model.head.num_classes == 15 and model.head.reg_max == 16
    assert counts["n"] < counts["s"] < counts["m"] < counts["l"]


def test_nano_config_runs():
    cfg = Config.fromfile(CFG.format("n"))
    model = MODELS.build(cfg.model).eval()
    with torch.no_grad():
        cls, reg, ang = model(torch.rand(1, 3, 64, 96), mode="tensor")
    assert cls[0].shape == (1, 15, 8, 12) and ang[0].shape == (1, 180, 8, 12)


def test_flop_counter_on_a_conv_and_the_family_table():
    from daik.models.complexity import count_flops, family_info, format_table

    conv = nn.Conv2d(3, 8, 3, padding=1, bias=False)
    assert count_flops(conv, 16) == 2 * 3 * 8 * 9 * 16 * 16
    rows = family_info(sizes=("n",), img_sizes=(640,), root=ROOT)
    horizontal, rotated = rows
    assert abs(horizontal["params_m"] / PUBLISHED_PARAMS["n"] - 1) < 0.05
    assert abs(horizontal["gflops_640"] / horizontal["published_gflops_640"] - 1) < 0.05
    assert rotated["params_m"] > horizontal["params_m"] and rotated["gflops_640"] > horizontal["gflops_640"]
    assert "YOLOv6-R-n (rotated)" in format_table(rows, (640,))


@pytest.mark.parametrize("name,size,epochs",
                         [("teacher_s", "s", 24), ("teacher_m", "m", 24), ("teacher_m_12e", "m", 12)])
def test_demo_teachers_are_the_synthetic_models_on_the_demo_schedule(name, size, epochs):
    """configs/demo/teacher_{s,m}.py restate the s / m model on top of teacher_n.py: the model
    must be the synthetic config's, the data and the rest of the schedule teacher_n's."""
    demo = Config.fromfile(os.path.join(ROOT, "configs", "demo", f"{name}.py"))
    synth = Config.fromfile(os.path.join(ROOT, "configs", "synthetic", f"rotated_yolo_{size}.py"))
    n = Config.fromfile(os.path.join(ROOT, "configs", "demo", "teacher_n.py"))
    assert demo.model.to_dict() == synth.model.to_dict() != n.model.to_dict()
    assert demo.train_dataloader.to_dict() == n.train_dataloader.to_dict()
    assert demo.optim_wrapper.to_dict() == n.optim_wrapper.to_dict()
    assert demo.train_cfg.max_epochs == epochs and demo.param_scheduler[1]["end"] == epochs
    assert demo.param_scheduler[0] == n.param_scheduler[0]
    if epochs == 24:
        assert demo.param_scheduler == n.param_scheduler and demo.train_cfg == n.train_cfg
