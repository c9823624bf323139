"""Builders of the distillation tests: tiny student / teacher pairs with their files on disk."""
import os
from typing import Optional

import torch

from daik.registry import MODELS
from tests.models.helpers import draw_scenes, make_sample, tiny_model_cfg

import daik.distill  # noqa: F401 (registration)

STUDENT_WIDEN, TEACHER_WIDEN = 0.125, 0.25


def default_teacher_cfg() -> dict:
    """Wider, deeper and with the m/l models' CSP stage blocks: a different network."""
    return tiny_model_cfg(widen=TEACHER_WIDEN, deepen=0.5, stage_block="BepC3")

ALL_PARTS = {
    "ad": dict(type="AngleDistillation"),
    "aal": dict(type="AALAssignment"),
    "sad": dict(type="SampleAlignmentDistillation", temperature=0.1),
    "ld": dict(type="LocalizationDistillation"),
    "cls_kd": dict(type="ClassDistillation"),
    "mimic": dict(type="PredictionMimicking"),
    "cross": dict(type="CrossHeadDistillation", stage=1),
    "cakd": dict(type="CrossAssignmentDistillation", stage=0),
    "pkd": dict(type="FeatureImitation", mode="pkd"),
    "cwd": dict(type="FeatureImitation", mode="cwd"),
    "fitnet": dict(type="FeatureImitation", mode="fitnet", stage=2),
    "frs": dict(type="FeatureRichnessDistillation"),
    "sea": dict(type="SemanticAlignmentDistillation"),
}


def write_teacher(tmp_path, cfg: dict, model: Optional[torch.nn.Module] = None, name: str = "teacher",
                  extra: str = "") -> tuple:
    """Write ``cfg`` as a config file and a checkpoint of ``model`` (built from ``cfg`` if None)."""
    cfg_path = os.path.join(tmp_path, f"{name}_cfg.py")
    with open(cfg_path, "w") as f:
        f.write(f"model = {cfg!r}\n{extra}")
    if model is None:
        torch.manual_seed(1)
        model = MODELS.build(cfg)
        for convs in model.head.preds.values():  # initial predictions are near-uniform: spread them,
            for conv in convs:                   # so the teacher has something to teach
                torch.nn.init.normal_(conv.weight, std=0.3)
    ckpt_path = os.path.join(tmp_path, f"{name}.pth")
    torch.save({"state_dict": model.state_dict()}, ckpt_path)
    return cfg_path, ckpt_path


def build_pair(tmp_path, components: dict, same: bool = False, student_cfg: Optional[dict] = None,
               teacher_cfg: Optional[dict] = None, **kw):
    """A distiller with a tiny student; the teacher is wider (or, with ``same``, the student's
    own weights and config)."""
    student_cfg = student_cfg or tiny_model_cfg(widen=STUDENT_WIDEN)
    torch.manual_seed(0)
    student = MODELS.build(student_cfg)
    if same:
        cfg_path, ckpt_path = write_teacher(tmp_path, student_cfg, student)
    else:
        cfg_path, ckpt_path = write_teacher(tmp_path, teacher_cfg or default_teacher_cfg())
    return MODELS.build(dict(type="RotatedDistiller", student=student, teacher_config=cfg_path,
                             teacher_ckpt=ckpt_path, components=components, **kw))


def batch(model, num_images: int = 2, size: int = 96, per_image: int = 2, empty: bool = False, seed: int = 0):
    """A preprocessed batch of drawn scenes (``empty``: the same images with no ground truth)."""
    inputs, samples = draw_scenes(num_images, size=size, per_image=per_image, seed=seed)
    if empty:
        samples = [make_sample([], [], (size, size), img_id=f"empty{i}") for i in range(num_images)]
    return model.data_preprocessor(dict(inputs=inputs, data_samples=samples), True)


def kd_losses(losses: dict) -> dict:
    """The distillation losses of a loss dict (not the student's own four)."""
    own = {"loss_cls", "loss_bbox", "loss_dfl", "loss_angle"}
    return {k: v for k, v in losses.items() if k.startswith("loss") and k not in own}
