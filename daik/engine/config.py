"""Distillation configs as three independent keys, and what a resolved config runs.

A distillation config is put together from three axes, each in its own file::

    _base_ = ["../_base_/synthetic_quick.py",        # data, schedule, runtime (with the KD hooks)
              "../pairs/n_from_s_synthetic.py",      # student = dict(config=<its own config>)
                                                     # teacher = dict(config=..., checkpoint=...)
              "../methods/daik_full.py"]             # kd = dict(components=..., schedule=...,
                                                     #           student=<what the method changes>)

:func:`compose_distillation` (run by :func:`daik.engine.runner.load_config`) turns the three into
the ``model`` the runner builds: a :class:`~daik.distill.RotatedDistiller` of ``student`` with
``kd.student`` merged in (CAKD's one-to-one head, say; mmengine's merge rules, ``_delete_``
included), the teacher's config and checkpoint, and ``kd``'s components and schedule. The three
keys are consumed, so ``--cfg-options`` and the dumped config speak of ``model`` only. Swapping
the student (what the KD benchmark does) is replacing ``student`` before composing.

Paths: write the teacher's config as ``"{{ fileDirname }}/..."``, relative to the file that names
it (mmengine substitutes the folder); the checkpoint is read like mmengine's ``load_from``: an
absolute path, or relative to the working directory.

:func:`canonical_config` is what a resolved config runs, independent of how its files are laid
out: the keys the runner and daik read, teacher paths made absolute, composition inputs (module
variables such as ``widen_factor``, the three axes) left out. :func:`config_digest` hashes it.
"""
import copy
import hashlib
import json
import os
import os.path as osp
from typing import Optional

from mmengine.config import Config, ConfigDict

AXES = ("student", "teacher", "kd")
# top-level keys that change what a run does (the runner's, and those daik reads itself)
RUN_KEYS = ("model", "train_dataloader", "val_dataloader", "test_dataloader", "train_cfg", "val_cfg", "test_cfg",
            "val_evaluator", "test_evaluator", "optim_wrapper", "param_scheduler", "default_hooks", "custom_hooks",
            "env_cfg", "randomness", "default_scope", "load_from", "resume", "auto_scale_lr", "log_processor",
            "log_level", "classes", "img_scale", "test_pipeline", "infer_cfg", "visualizer", "work_dir", "launcher",
            "model_wrapper_cfg", "find_unused_parameters")
DEFAULT_KD_SCHEDULE = dict(schedule="constant", start=1.0)


class DistillConfigError(ValueError):
    """A distillation config whose axes are incomplete or mixed with a hand-written model."""


def compose_distillation(cfg: Config, source: str = "config") -> Config:
    """Build ``cfg.model`` from the ``student``, ``teacher`` and ``kd`` keys (in place; returned).

    A config without ``kd`` is returned unchanged (a plain detector, or a distiller written out
    as a ``model`` dict).

    Raises:
        DistillConfigError: ``kd`` without ``student`` or ``teacher``, a teacher without
            ``config`` / ``checkpoint``, unknown keys in ``kd`` / ``teacher``, a student that is
            neither a model dict nor ``dict(config=PATH)`` of an existing config.
    """
    if "kd" not in cfg:
        return cfg
    missing = [k for k in AXES if cfg.get(k) is None]
    if missing:
        raise DistillConfigError(f"{source}: a distillation config needs {' / '.join(AXES)}; {missing} missing "
                                 "(put a pair file, e.g. configs/distill/pairs/n_from_s.py, in its _base_)")
    student, teacher, kd = (cfg.pop(k) for k in AXES)
    unknown = set(kd) - {"components", "schedule", "student"}
    if unknown:
        raise DistillConfigError(f"{source}: unknown keys in kd: {sorted(unknown)} (components, schedule, student)")
    if set(teacher) != {"config", "checkpoint"}:
        raise DistillConfigError(f"{source}: teacher must be dict(config=..., checkpoint=...), got {sorted(teacher)}")
    student = _student_model(student, source)
    if kd.get("student"):
        student = Config._merge_a_into_b(copy.deepcopy(kd.student.to_dict()), student)
    cfg["model"] = ConfigDict(
        type="RotatedDistiller", student=student, teacher_config=osp.normpath(str(teacher.config)),
        teacher_ckpt=str(teacher.checkpoint), components=dict(kd.get("components") or {}),
        kd_schedule=dict(kd.get("schedule") or DEFAULT_KD_SCHEDULE))
    return cfg


def _student_model(student, source: str) -> ConfigDict:
    """The student's model dict: given as one, or ``dict(config=PATH)`` (that config's ``model``)."""
    student = student.to_dict() if hasattr(student, "to_dict") else dict(student)
    if set(student) == {"config"}:
        path = str(student["config"])
        if not osp.isfile(path):
            raise DistillConfigError(f"{source}: student config not found: {path}")
        model = Config.fromfile(path).get("model")
        if model is None:
            raise DistillConfigError(f"{source}: the student config {path} has no model")
        student = model.to_dict()
    elif "type" not in student:
        raise DistillConfigError(f"{source}: student must be a model dict (with its type) or dict(config=PATH), "
                                 f"got keys {sorted(student)}")
    return ConfigDict(copy.deepcopy(student))


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    return obj


def _absolute(path: str, folder: Optional[str], must_exist: bool) -> str:
    """``path`` made absolute: against ``folder`` (where the distiller would look first), else
    against the working directory."""
    if osp.isabs(path):
        return osp.normpath(path)
    if folder:
        candidate = osp.normpath(osp.join(folder, path))
        if not must_exist or osp.isfile(candidate):
            return candidate
    return osp.normpath(osp.abspath(path))


def canonical_config(cfg: Config, root: Optional[str] = None) -> dict:
    """What a resolved config runs, as plain JSON-able values (see the module docstring). With
    ``root``, paths under it are written ``<root>/...`` (the same on any checkout)."""
    d = cfg.to_dict() if hasattr(cfg, "to_dict") else copy.deepcopy(dict(cfg))
    out = {k: d[k] for k in RUN_KEYS if k in d}
    model = out.get("model")
    if isinstance(model, dict) and model.get("type") == "RotatedDistiller":
        model = dict(model)
        folder = model.pop("config_dir", None)
        model["teacher_config"] = _absolute(str(model["teacher_config"]), folder, must_exist=False)
        model["teacher_ckpt"] = _absolute(str(model["teacher_ckpt"]), folder, must_exist=True)
        model.setdefault("components", {})
        model.setdefault("kd_schedule", dict(DEFAULT_KD_SCHEDULE))
        out["model"] = model
    out = _jsonable(out)
    return out if root is None else _relative_to(out, osp.normpath(osp.abspath(root)))


def _relative_to(obj, root: str):
    if isinstance(obj, dict):
        return {k: _relative_to(v, root) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_relative_to(v, root) for v in obj]
    if isinstance(obj, str) and (obj == root or obj.startswith(root + os.sep)):
        return "<root>" + obj[len(root):]
    return obj


def digest(canonical: dict) -> str:
    """sha256 of a :func:`canonical_config` (keys sorted)."""
    return hashlib.sha256(json.dumps(canonical, sort_keys=True, default=repr).encode()).hexdigest()


def config_digest(cfg: Config, root: Optional[str] = None) -> str:
    """:func:`digest` of :func:`canonical_config`: equal for two configs that run the same. With
    ``root``, paths under it count relative to it (a digest that holds on any checkout); without,
    absolute paths count (a cache on one machine)."""
    return digest(canonical_config(cfg, root))
