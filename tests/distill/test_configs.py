"""Every config in configs/distill builds a distiller (n student, s teacher) that takes a step
and logs its parts' losses by name."""
import glob
import os

import pytest
import torch
from mmengine.config import Config

from daik.engine.runner import load_config
from daik.registry import MODELS

from .helpers import batch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIGS = sorted(glob.glob(os.path.join(ROOT, "configs", "distill", "*.py")))
EXPECTED = {  # config -> parts and the losses they must log
    "mimic": {"mimic": ["loss_mimic_cls", "loss_mimic_dfl", "loss_mimic_angle"]},
    "fitnet": {"fitnet": ["loss_fitnet"]},
    "pkd": {"pkd": ["loss_pkd"]},
    "frs": {"frs": ["loss_frs_feat", "loss_frs_cls"]},
    "sea": {"sea": ["loss_sea_anchor", "loss_sea_topo", "loss_sea_loc"]},
    "crosskd": {"cross": [f"loss_cross_{t}" for t in ("cls", "dfl", "angle", "box")]},
    "crosskd_pkd": {"cross": ["loss_cross_cls"], "pkd": ["loss_pkd"]},
    "cakd": {"cakd": [f"loss_cakd_{t}" for t in ("cls", "dfl", "angle", "box")]},
    "ld": {"ld": ["loss_ld"], "cls_kd": ["loss_cls_kd"]},
    "daik_ad": {"ad": ["loss_ad"]},
    "daik_ad_aal": {"ad": ["loss_ad"], "aal": ["aal_lut"]},
    "daik_ad_aal_sad": {"ad": ["loss_ad"], "aal": ["aal_lut"], "sad": ["loss_sad"]},
    "daik_full": {"ad": ["loss_ad"], "aal": ["aal_lut"], "sad": ["loss_sad"], "ld": ["loss_ld"],
                  "cls_kd": ["loss_cls_kd"], "ld_pos": ["loss_ld_ld_pos"]},
}


@pytest.fixture(scope="module")
def teacher_ckpt(tmp_path_factory):
    cfg = Config.fromfile(os.path.join(ROOT, "configs", "_base_", "models", "rotated_yolo_s.py"))
    torch.manual_seed(0)
    path = str(tmp_path_factory.mktemp("teacher") / "s.pth")
    torch.save({"state_dict": MODELS.build(cfg.model).state_dict()}, path)
    return path


def test_every_config_is_covered():
    names = {os.path.splitext(os.path.basename(p))[0] for p in CONFIGS}
    assert names == set(EXPECTED)


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: os.path.basename(p))
def test_config_builds_and_logs_its_losses(path, teacher_ckpt):
    name = os.path.splitext(os.path.basename(path))[0]
    cfg = load_config(path)
    assert cfg.model.type == "RotatedDistiller" and "custom_hooks" not in cfg  # model part only
    cfg.model.teacher_ckpt = teacher_ckpt
    model = MODELS.build(cfg.model)
    assert set(model.distill) == set(EXPECTED[name])
    assert model.teacher.head.in_channels[0] == 2 * model.head.in_channels[0]  # s teacher, n student
    losses = model.loss(**batch(model, num_images=1, size=64, per_image=1))
    for part, keys in EXPECTED[name].items():
        for key in keys:
            assert key in losses and torch.isfinite(losses[key]), f"{name}: {key}"
    if name == "cakd":
        assert type(model.head).__name__ == "RotatedYOLOv6O2OHead" and model.head.test_cfg["nms"] is None
    assert model.kd_schedule["schedule"] == "constant"  # DAIK too: the cosine decay is an ablation


SYNTHETIC = sorted(glob.glob(os.path.join(ROOT, "configs", "distill", "synthetic", "*.py")))


@pytest.fixture(scope="module")
def synthetic_teacher_ckpt(tmp_path_factory):
    cfg = Config.fromfile(os.path.join(ROOT, "configs", "synthetic", "rotated_yolo_s.py"))
    torch.manual_seed(0)
    path = str(tmp_path_factory.mktemp("teacher") / "s7.pth")
    torch.save({"state_dict": MODELS.build(cfg.model).state_dict()}, path)
    return path


def test_every_method_has_a_synthetic_config():
    names = {os.path.splitext(os.path.basename(p))[0] for p in SYNTHETIC}
    assert names == set(EXPECTED) | {"cakd_student"}


@pytest.mark.parametrize("path", SYNTHETIC, ids=lambda p: os.path.basename(p))
def test_synthetic_configs_are_full_training_configs(path):
    cfg = load_config(path)
    assert {"train_dataloader", "optim_wrapper", "param_scheduler", "train_cfg", "val_evaluator"} <= set(cfg)
    if cfg.model.type == "RotatedDistiller":
        assert [h["type"] for h in cfg.custom_hooks].count("KDScheduleHook") == 1
        assert cfg.model.student.head.num_classes == 7
    else:  # the one-to-one student alone
        assert cfg.model.head.type == "RotatedYOLOv6O2OHead" and cfg.model.test_cfg.nms is None


@pytest.mark.parametrize("name", ["daik_full", "cakd", "cakd_student"])
def test_synthetic_configs_build(name, synthetic_teacher_ckpt):
    cfg = load_config(os.path.join(ROOT, "configs", "distill", "synthetic", f"{name}.py"))
    if cfg.model.type == "RotatedDistiller":
        cfg.model.teacher_ckpt = synthetic_teacher_ckpt
    model = MODELS.build(cfg.model)
    assert model.head.num_classes == 7
    if name != "cakd_student":
        assert model.teacher.head.num_classes == 7  # the synthetic s teacher config resolved
    if name.startswith("cakd"):
        assert type(model.head).__name__ == "RotatedYOLOv6O2OHead"


def test_teacher_paths_resolve_from_the_config_folder(tmp_path, monkeypatch):
    """The default teacher config path is relative to the config's folder: it resolves from any
    working directory."""
    monkeypatch.chdir(tmp_path)
    cfg = load_config(os.path.join(ROOT, "configs", "distill", "daik_ad.py"))
    with pytest.raises(FileNotFoundError, match="teacher checkpoint not found"):
        MODELS.build(cfg.model)  # the config was found (else: teacher config not found)


BENCHMARK_SETS = sorted(glob.glob(os.path.join(ROOT, "configs", "distill", "dota", "*.py")) +
                        glob.glob(os.path.join(ROOT, "configs", "distill", "dior", "*.py")))


@pytest.mark.parametrize("path", BENCHMARK_SETS, ids=lambda p: os.path.relpath(p, ROOT))
def test_dota_and_dior_distillation_configs_build(path, tmp_path):
    """The DOTA / DIOR-R configs are full training configs whose student and teacher (its own
    config from configs/models/) agree on the data set's classes."""
    cfg = load_config(path)
    want = 15 if os.sep + "dota" + os.sep in path else 20
    assert {"train_dataloader", "optim_wrapper", "param_scheduler", "train_cfg", "val_evaluator"} <= set(cfg)
    assert [h["type"] for h in cfg.custom_hooks].count("KDScheduleHook") == 1
    assert cfg.custom_hooks[-1]["type"] == "PlainCheckpointHook"
    assert cfg.train_dataloader.dataset.type == ("DOTADataset" if want == 15 else "DIORRDataset")
    teacher_cfg = Config.fromfile(os.path.join(ROOT, "configs", "models", os.path.basename(cfg.model.teacher_config)))
    torch.manual_seed(0)
    ckpt = str(tmp_path / "t.pth")
    torch.save({"state_dict": MODELS.build(teacher_cfg.model).state_dict()}, ckpt)
    cfg.model.teacher_ckpt = ckpt
    model = MODELS.build(cfg.model)
    assert model.head.num_classes == want and model.teacher.head.num_classes == want


ABLATIONS = sorted(glob.glob(os.path.join(ROOT, "configs", "distill", "synthetic", "ablations", "daik_full_*.py")))


# What each daik_full_<name> ablation changes of its base: daik_full for pooled (daik_full before
# per_instance) and the tt_instance_* rows, pooled for student_targets (the authors' soft targets) and the
# other tt_* rows, student_targets for no_ld_pos and the ld_pos_* rows, DAIK's core (daik_full_no_ld_pos:
# student_targets without the positives' LD) for the rest.
CHANGES = {"sin_table": {"aal"}, "pos_cls": {"cls_kd"}, "cls_positives": {"cls_kd"}, "ld_pos": {"ld"},
           "softmax_cls": {"cls_kd"}, "cosine": {"kd_schedule"}, "ad_t1": {"ad"}, "ad_dense": {"ad"}, "ad_t5": {"ad"},
           "ad_w02": {"ad"}, "guide_only": {"sad"}, "kl_only": {"sad"}, "ad_w2": {"ad"}, "sad_kl3": {"sad"},
           "cls05": {"cls_kd"}, "cls2": {"cls_kd"}, "ld1": {"ld"}, "dense_angle": {"dense_angle"}, "cwd": {"cwd"},
           "cwd1": {"cwd"}, "teacher_targets": {"sad"}, "cls_t2": {"cls_kd"}, "cls_t2q": {"cls_kd"},
           "guide12": {"sad"}, "no_ld_pos": {"ld_pos"}, "ld_pos_w05": {"ld_pos"}, "student_targets": {"sad"},
           "ld_pos_adw": {"ad"},
           "ld_pos_no_aal": {"aal"}, "ld_pos_no_ad": {"ad"}, "ld_pos_union": {"sad"},
           "ld_pos_ad_gt": {"ad"}, "ld_pos_ad_teacher": {"ad"}, "ld_pos_ad_t50": {"ad"},
           "ld_pos_tt_adw": {"ad", "sad"}, "tt_dense2": {"cls_kd", "ld"},
           "pooled": {"ad", "ld_pos"}, "tt_dense_angle": {"dense_angle"},
           "tt_cls_qfl": {"cls_kd"}, "tt_instance_ar10": {"ad"},
           "tt_instance_ar10_gap": {"ad"}}
ADDED = {"dense_angle", "cwd"}  # parts an ablation adds
DROPPED = {"no_ld_pos": {"ld_pos"}, "ld_pos_no_aal": {"aal"}, "ld_pos_no_ad": {"ad"}}  # parts it drops


def test_every_ablation_says_what_it_changes():
    assert {os.path.basename(p)[len("daik_full_"):-3] for p in ABLATIONS} == set(CHANGES)


@pytest.mark.parametrize("path", ABLATIONS, ids=lambda p: os.path.basename(p))
def test_daik_ablations_change_one_thing(path, synthetic_teacher_ckpt):
    """Each DAIK ablation builds and differs from its base only where its name says; DAIK's core
    is daik_full without the positives' LD and nothing else."""
    name = os.path.basename(path)[len("daik_full_"):-3]
    synthetic = os.path.join(ROOT, "configs", "distill", "synthetic")
    base = ("daik_full.py" if name == "pooled" or name.startswith("tt_instance")
            else "ablations/daik_full_pooled.py" if name == "student_targets" or name.startswith("tt_")
            else "ablations/daik_full_student_targets.py" if name == "no_ld_pos" or name.startswith("ld_pos_")
            else "ablations/daik_full_no_ld_pos.py")
    full = load_config(os.path.join(synthetic, base)).model.to_dict()
    cfg = load_config(path)
    abl = cfg.model.to_dict()
    changed = {k for k in set(full["components"]) | set(abl["components"])
               if full["components"].get(k) != abl["components"].get(k)}
    if full["kd_schedule"] != abl["kd_schedule"]:
        changed.add("kd_schedule")
    assert changed == CHANGES[name]
    assert {k: v for k, v in abl.items() if k not in ("components", "kd_schedule")} == \
        {k: v for k, v in full.items() if k not in ("components", "kd_schedule")}
    cfg.model.teacher_ckpt = synthetic_teacher_ckpt
    model = MODELS.build(cfg.model)
    parts = set(EXPECTED["daik_full"]) - ({"ld_pos"} if base.endswith("no_ld_pos.py") else set()) - DROPPED.get(name, set())
    assert set(model.distill) == parts | (CHANGES[name] & ADDED)
    assert model.distill["sad"].teacher_targets == (name in ("teacher_targets", "ld_pos_tt_adw", "pooled")
                                                    or name.startswith("tt_"))
    if "ad" in model.distill:  # per ground truth in daik_full and what is built on it, a mean over positives before
        assert model.distill["ad"].per_instance == name.startswith("tt_instance")
    assert model.distill["sad"].union == (name == "ld_pos_union")
    if name == "guide12":
        assert model.distill["sad"].guide_epochs == 12 and model.distill["sad"].teacher_assign
    if name == "sin_table":
        assert type(model.distill["aal"]).__name__ == "AALSinReweighting"
    elif "aal" in model.distill:
        assert type(model.distill["aal"]).__name__ == "AALAssignment"


# What each crosskd_<name> / mimic_<name> ablation changes in its method's one component, and to what.
ONE_PART_CHANGES = {
    "crosskd": {"pos_norm": {"cls_normaliser": "positives"}, "dfl3": {"dfl_weight": 3.0}, "stage2": {"stage": 2},
                "angle1": {"angle_weight": 1.0}, "stage0": {"stage": 0}, "cls2": {"cls_weight": 2.0}},
    "mimic": {"teacher_norm": {"normaliser": "teacher_targets"}},
}
PART = {"crosskd": "cross", "mimic": "mimic"}


@pytest.mark.parametrize("method,name", [(m, n) for m, names in ONE_PART_CHANGES.items() for n in sorted(names)])
def test_one_part_ablations_change_one_setting(method, name, synthetic_teacher_ckpt):
    """Each crosskd / mimic ablation is its method with one setting of its one part changed,
    and the built part carries the new value."""
    synthetic = os.path.join(ROOT, "configs", "distill", "synthetic")
    assert {os.path.basename(p)[len(method) + 1:-3]
            for p in glob.glob(os.path.join(synthetic, "ablations", f"{method}_*.py"))} == set(ONE_PART_CHANGES[method])
    base = load_config(os.path.join(synthetic, f"{method}.py")).model.to_dict()
    cfg = load_config(os.path.join(synthetic, "ablations", f"{method}_{name}.py"))
    abl = cfg.model.to_dict()
    part, base_part = abl["components"].pop(PART[method]), base["components"].pop(PART[method])
    assert abl == base
    change = ONE_PART_CHANGES[method][name]
    assert {k for k in set(part) | set(base_part) if part.get(k) != base_part.get(k)} == set(change)
    cfg.model.teacher_ckpt = synthetic_teacher_ckpt
    built = MODELS.build(cfg.model).distill[PART[method]]
    for key, value in change.items():
        assert getattr(built, key) == value


def test_sea_low_weight_ablation_changes_only_the_two_weights(synthetic_teacher_ckpt):
    ablation = load_config(os.path.join(ROOT, "configs", "distill", "synthetic", "ablations",
                                            "sea_low_weight.py")).model.to_dict()
    sea = load_config(os.path.join(ROOT, "configs", "distill", "synthetic", "sea.py")).model.to_dict()
    low, full = ablation["components"].pop("sea"), sea["components"].pop("sea")
    assert ablation == sea  # student, teacher, schedule and the other components as sea's
    assert (low["anchor_weight"], low["topo_weight"]) == (0.1, 0.1)
    assert (full["anchor_weight"], full["topo_weight"]) == (1.0, 1.0)
    assert {k: v for k, v in low.items() if not k.endswith(("anchor_weight", "topo_weight"))} == \
        {k: v for k, v in full.items() if not k.endswith(("anchor_weight", "topo_weight"))}
    cfg = load_config(os.path.join(ROOT, "configs", "distill", "synthetic", "ablations", "sea_low_weight.py"))
    cfg.model.teacher_ckpt = synthetic_teacher_ckpt
    part = MODELS.build(cfg.model).distill["sea"]
    assert (part.anchor_weight, part.topo_weight, part.loc_weight) == (0.1, 0.1, 0.25)


@pytest.mark.parametrize("method", ["daik_full", "crosskd", "mimic"])
def test_demo_configs_distil_the_pico_student_from_the_nano_teacher(method):
    """The demo's distillation configs hold exactly the student that student_pico.py trains alone
    (their comparison in `make demo` is like for like) and name the shipped teacher."""
    cfg = load_config(os.path.join(ROOT, "configs", "demo", f"{method}_pico.py"))
    pico = load_config(os.path.join(ROOT, "configs", "demo", "student_pico.py")).model.to_dict()
    assert cfg.model.student.to_dict() == pico and pico["backbone"]["widen_factor"] == 0.125
    assert cfg.model.teacher_config == os.path.join(ROOT, "configs", "demo", "teacher_n.py")
    assert cfg.model.teacher_ckpt == "checkpoints/demo_teacher_n.pth"
