"""The teacher: built from its own config file, loaded from its checkpoint, checked against the
student, frozen.

Every failure here happens at construction, before any training step, and names the file:

- a config or checkpoint path that does not exist (relative paths are tried against the
  distillation config's folder, then the working directory; both are listed);
- a checkpoint that does not fit the teacher config (missing / unexpected keys, shapes);
- a teacher whose classes differ from the student's (names when both configs give them,
  otherwise the head's class count), or whose strides / angle bins differ.
"""
import os
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.config import Config

from daik.classes import get_classes
from daik.checkpoint import load_plain_checkpoint
from daik.models import reparameterize
from daik.registry import MODELS

# a distiller's own (distillation-only) modules sit under this key prefix in its state dict and
# checkpoints; whatever loads a distilled checkpoint into a plain detector leaves them out
DISTILL_PREFIX = "distill."


def resolve_path(path: str, config_dir: Optional[str], what: str) -> str:
    """An existing file: ``path`` if absolute, else ``config_dir/path``, else ``./path``.

    Raises:
        FileNotFoundError: naming every place that was tried.
    """
    path = os.path.expanduser(str(path))
    tried = [path] if os.path.isabs(path) else (
        ([os.path.normpath(os.path.join(config_dir, path))] if config_dir else []) + [os.path.abspath(path)])
    for p in tried:
        if os.path.isfile(p):
            return p
    raise FileNotFoundError(f"{what} not found: {path!r} (tried {', '.join(tried)})")


def config_classes(cfg: Config) -> Optional[Tuple[str, ...]]:
    """The class names a config declares (top-level ``classes`` or its train/test data set's),
    or None when it declares none."""
    candidates = [cfg.get("classes")]
    for loader in ("train_dataloader", "test_dataloader", "val_dataloader"):
        ds = (cfg.get(loader) or {}).get("dataset") or {}
        candidates.append(ds.get("classes") or (ds.get("metainfo") or {}).get("classes"))
    for c in candidates:
        if c:
            return get_classes(c)
    return None


def _strip_state_dict(sd: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Drop distillation-only keys and a DDP ``module.`` prefix."""
    sd = {k: v for k, v in sd.items() if not k.startswith(DISTILL_PREFIX)}
    if sd and all(k.startswith("module.") for k in sd):
        sd = {k[len("module."):]: v for k, v in sd.items()}
    return sd


def check_state_dict_fits(model: nn.Module, sd: Dict[str, torch.Tensor], path: str) -> None:
    """Raise ``ValueError`` naming ``path`` unless ``sd`` has exactly the model's keys and shapes."""
    own = model.state_dict()
    missing = sorted(set(own) - set(sd))
    unexpected = sorted(set(sd) - set(own))
    shapes = [f"{k}: checkpoint {tuple(sd[k].shape)} vs config {tuple(own[k].shape)}"
              for k in own if k in sd and tuple(sd[k].shape) != tuple(own[k].shape)]
    if missing or unexpected or shapes:
        def few(xs: List[str]) -> str:
            return ", ".join(xs[:5]) + (f" (+{len(xs) - 5} more)" if len(xs) > 5 else "")
        parts = [f"{len(missing)} missing keys: {few(missing)}" if missing else "",
                 f"{len(unexpected)} unexpected keys: {few(unexpected)}" if unexpected else "",
                 f"{len(shapes)} shape mismatches: {few(shapes)}" if shapes else ""]
        raise ValueError(f"teacher checkpoint {path} does not fit the teacher config: "
                         + "; ".join(p for p in parts if p))


def freeze(model: nn.Module) -> nn.Module:
    """``eval()`` and ``requires_grad_(False)``: no statistics or weights of it ever change."""
    model.eval()
    model.requires_grad_(False)
    return model


def build_teacher(teacher_config: str, teacher_ckpt: str, config_dir: Optional[str] = None,
                  student: Optional[nn.Module] = None, classes: Optional[Sequence[str]] = None,
                  fuse: bool = True, channels_last: bool = True) -> nn.Module:
    """Build, load, check and freeze the teacher.

    Args:
        teacher_config: the teacher's own config file (its ``model`` is built).
        teacher_ckpt: checkpoint whose ``state_dict`` holds the teacher's weights (daik's plain
            checkpoints: EMA weights when EMA was on); loaded with ``weights_only=True``.
        config_dir: folder of the distillation config (relative paths are tried there first).
        student: the student, to compare classes, strides and angle bins with.
        classes: the student's class names, compared by name with the teacher config's.
        fuse: run the teacher in its deployment form (RepVGG branches and batch norms folded
            into single convs: the eval-mode function, up to float rounding, at less cost).
        channels_last: hold the teacher's weights channels-last (NHWC), the layout oneDNN's CPU
            convolutions run fastest in (its no-grad forward 12 % faster for n, 21 % for s at
            160 px, batch 16; outputs equal to float rounding); ``teacher_input`` gives its input
            the same layout.

    Returns:
        the frozen teacher (``eval()``, no parameter requires grad).
    """
    cfg_path = resolve_path(teacher_config, config_dir, "teacher config")
    ckpt_path = resolve_path(teacher_ckpt, config_dir, "teacher checkpoint")
    cfg = Config.fromfile(cfg_path)
    if "model" not in cfg:
        raise ValueError(f"teacher config {cfg_path} has no `model`")
    teacher = MODELS.build(cfg.model)
    ckpt = load_plain_checkpoint(ckpt_path)
    if not isinstance(ckpt, dict) or not isinstance(ckpt.get("state_dict"), dict):
        raise ValueError(f"teacher checkpoint {ckpt_path} has no `state_dict` dict (keys: "
                         f"{sorted(ckpt)[:8] if isinstance(ckpt, dict) else type(ckpt).__name__})")
    sd = _strip_state_dict(ckpt["state_dict"])
    check_state_dict_fits(teacher, sd, ckpt_path)
    teacher.load_state_dict(sd, strict=True)
    if classes is not None:
        teacher_classes = config_classes(cfg)
        if teacher_classes is not None and tuple(teacher_classes) != tuple(get_classes(classes)):
            raise ValueError(f"teacher config {cfg_path} has classes {teacher_classes}, the student "
                             f"{tuple(get_classes(classes))}")
    if student is not None:
        check_compatible(student, teacher, cfg_path)
    if fuse:
        reparameterize(teacher)
    if channels_last:
        teacher.to(memory_format=torch.channels_last)
    teacher.channels_last = bool(channels_last)
    return freeze(teacher)


def teacher_input(teacher: nn.Module, inputs: torch.Tensor) -> torch.Tensor:
    """``inputs`` in the memory layout the teacher's weights were given (:func:`build_teacher`)."""
    if getattr(teacher, "channels_last", False) and inputs.dim() == 4:
        return inputs.contiguous(memory_format=torch.channels_last)
    return inputs


def check_compatible(student: nn.Module, teacher: nn.Module, where: str) -> None:
    """Same class count, strides and angle bins in both heads (the points must correspond)."""
    sh, th = student.head, teacher.head
    if sh.num_classes != th.num_classes:
        raise ValueError(f"teacher ({where}) predicts {th.num_classes} classes, the student {sh.num_classes}: "
                         "a teacher must be trained on the student's class list")
    if tuple(sh.prior_generator.strides) != tuple(th.prior_generator.strides):
        raise ValueError(f"teacher ({where}) strides {th.prior_generator.strides} differ from the student's "
                         f"{sh.prior_generator.strides}")
    if sh.angle_coder.num_bins != th.angle_coder.num_bins:
        raise ValueError(f"teacher ({where}) has {th.angle_coder.num_bins} angle bins, the student "
                         f"{sh.angle_coder.num_bins}")
    s_pre, t_pre = student.data_preprocessor, teacher.data_preprocessor
    for name in ("mean", "std"):
        a, b = getattr(s_pre, name, None), getattr(t_pre, name, None)
        if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor) and not torch.equal(a, b):
            raise ValueError(f"teacher ({where}) normalises inputs with {name} {b.flatten().tolist()}, the "
                             f"student with {a.flatten().tolist()}: both must see the same inputs")
