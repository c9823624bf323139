"""Distillation configs as three axes (student / teacher / kd): every shipped config resolves to
what it ran before the axes existed, and the composition refuses what it cannot build.

``resolved_digests.json`` holds, per shipped config, the digest of what it resolved to under the
earlier layout (each method config restated its student, teacher config and checkpoint);
:func:`daik.engine.config.config_digest` is taken over the keys that change a run, with paths
under the repository written relative to it.
"""
import json
import os
import os.path as osp

import pytest
from mmengine.config import Config

from daik.engine.config import (DistillConfigError, canonical_config, compose_distillation, config_digest,
                                digest)
from daik.engine.runner import load_config

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BEFORE = json.load(open(os.path.join(os.path.dirname(__file__), "resolved_digests.json")))
# The one intended difference: the model files took the one name stem of the project
# (configs/_base_/models/rotated_yolov6_<size>.py -> rotated_yolo_<size>.py), which renames the
# generic pair's teacher config and its default checkpoint folder. Mapped back, the digests match.
RENAMED = {"<root>/configs/_base_/models/rotated_yolo_s.py": "<root>/configs/_base_/models/rotated_yolov6_s.py",
           "<root>/work_dirs/rotated_yolo_s/teacher.pth": "<root>/work_dirs/rotated_yolov6_s/teacher.pth"}
# The second: daik_full gained LD on the positives (its part ``ld_pos``; what it was before is
# configs/distill/methods/daik_core.py), SAD's ``teacher_targets`` and AD's ``per_instance`` (its
# positives' LD has it too, inside the gained part). Without these each daik_full config resolves as
# before, and nothing else gained them.
DAIK_FULL = {"configs/demo/daik_full_pico.py", "configs/distill/daik_full.py", "configs/distill/dior/daik_full.py",
             "configs/distill/dota/daik_full.py", "configs/distill/synthetic/daik_full.py"}
GAINED = {"ld_pos": DAIK_FULL}
GAINED_SWITCHES = {("sad", "teacher_targets"): DAIK_FULL, ("ad", "per_instance"): DAIK_FULL}


def _digest_before_renames(cfg, config: str) -> str:
    canonical = canonical_config(cfg, ROOT)
    model = canonical.get("model", {})
    for part, configs in GAINED.items():
        assert (part in model.get("components", {})) == (config in configs)
        model.get("components", {}).pop(part, None)
    for (part, switch), configs in GAINED_SWITCHES.items():
        settings = model.get("components", {}).get(part) or {}
        assert settings.get(switch, False) == (config in configs)
        settings.pop(switch, None)
    for key in ("teacher_config", "teacher_ckpt"):
        if key in model:
            model[key] = RENAMED.get(model[key], model[key])
    return digest(canonical)


def shipped_configs(root: str):
    """Every runnable or model-only config under ``root/configs`` (not the ``_base_`` parts or
    the axis files under ``pairs/`` and ``methods/``), as paths relative to ``root``."""
    out = []
    for folder, _, files in os.walk(osp.join(root, "configs")):
        rel = osp.relpath(folder, root)
        if {"_base_", "pairs", "methods"} & set(rel.split(os.sep)):
            continue
        out += [osp.join(rel, f) for f in files if f.endswith(".py")]
    return out


def test_no_config_recorded_before_the_axes_went_missing():
    """(Configs added since, such as later ablations, have no earlier form to compare with.)"""
    assert set(BEFORE) <= set(shipped_configs(ROOT))


@pytest.mark.parametrize("config", sorted(BEFORE))
def test_every_shipped_config_resolves_to_what_it_ran_before(config, monkeypatch):
    monkeypatch.chdir(ROOT)  # checkpoints are read relative to the working directory
    cfg = load_config(config)
    assert _digest_before_renames(cfg, config) == BEFORE[config]
    assert not any(key in cfg for key in ("student", "teacher", "kd")), "the axes are consumed"


def test_the_digest_sees_what_changes_a_run_and_not_how_the_files_are_laid_out(monkeypatch):
    monkeypatch.chdir(ROOT)
    a = load_config("configs/distill/synthetic/daik_full.py")
    b = load_config("configs/distill/synthetic/daik_full.py")
    b["widen_factor"] = 0.5  # a module variable: consumed while the files were read
    assert config_digest(a, ROOT) == config_digest(b, ROOT)
    b.model.components.ad.temperature = 5.0
    assert config_digest(a, ROOT) != config_digest(b, ROOT)


def _axes(**over):
    cfg = Config(dict(student=dict(config=os.path.join(ROOT, "configs", "synthetic", "rotated_yolo_n.py")),
                      teacher=dict(config="t.py", checkpoint="t.pth"),
                      kd=dict(components=dict(ld=dict(type="LocalizationDistillation")))))
    for key, value in over.items():
        if value is None:
            cfg.pop(key)
        else:
            cfg[key] = value
    return cfg


def test_a_method_changes_the_student_it_is_given_and_nothing_else():
    """CAKD's one-to-one head lands on whatever student the pair names (the pico student here),
    keeping that student's widths: no diffing against a reference student."""
    cfg = load_config(os.path.join(ROOT, "configs", "distill", "synthetic", "cakd.py"))
    pico = _axes(student=dict(config=os.path.join(ROOT, "configs", "demo", "student_pico.py")),
                 kd=Config.fromfile(os.path.join(ROOT, "configs", "distill", "methods", "cakd.py")).kd)
    student = compose_distillation(pico).model.student
    assert student.head.type == "RotatedYOLOv6O2OHead" == cfg.model.student.head.type
    assert student.head.widen_factor == 0.125 and cfg.model.student.head.widen_factor == 0.25
    assert student.train_cfg.assigner == dict(type="RotatedOneToOneAssigner", alpha=1.0, beta=1.0)


@pytest.mark.parametrize("over, message", [
    (dict(teacher=None), "teacher"),
    (dict(teacher=dict(config="t.py")), "config=..., checkpoint=..."),
    (dict(kd=dict(components={}, shedule={})), "unknown keys in kd"),
    (dict(student=dict(config="/no/such/student.py")), "student config not found"),
    (dict(student=dict(head=dict(num_classes=3))), "model dict"),
])
def test_incomplete_axes_are_refused_naming_what_is_wrong(over, message):
    with pytest.raises(DistillConfigError, match=message):
        compose_distillation(_axes(**over), source="my_config.py")
