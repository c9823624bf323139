"""The distiller: an mmengine model holding a trained student and a frozen teacher.

Layout (what ``state_dict()`` holds)::

    data_preprocessor.*, backbone.*, neck.*, head.*   the student, under its own key names
    distill.<part>.*                                  trainable distillation-only modules

So a distilled checkpoint loads straight into the student's own config: daik's loaders
(:func:`daik.checkpoint.load_weights` with ``ignore_prefixes``) leave the ``distill.*`` keys
out, and ``daik publish`` drops them. The teacher is held outside the module tree: it
is in no ``state_dict``, no optimizer, no DDP bucket, yet ``.to()`` / ``.cuda()`` move it, and
``train()`` never switches it out of ``eval()``.
"""
import copy
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModel
from torch.profiler import record_function

from daik.registry import MODELS

from .component import KDComponent
from .context import KDContext
from .diagnostics import loss_gradient_norms, step_diagnostics
from .sad import teacher_guided
from .teacher import DISTILL_PREFIX, build_teacher


def _combine_factors(factors):
    if not factors:
        return None
    if len(factors) == 1:
        return factors[0]

    def product(bi, mi, ni):
        out = factors[0](bi, mi, ni)
        for f in factors[1:]:
            out = out * f(bi, mi, ni)
        return out
    return product


def _merge_weights(items) -> Optional[Dict[str, torch.Tensor]]:
    """Multiply per-loss weights of several parts (tensors apply to every loss)."""
    merged: Dict[str, torch.Tensor] = {}
    for w in items:
        if w is None:
            continue
        w = {k: w for k in ("cls", "bbox", "dfl", "angle")} if isinstance(w, torch.Tensor) else w
        for k, v in w.items():
            merged[k] = v if k not in merged else merged[k] * v
    return merged or None


@MODELS.register_module()
class RotatedDistiller(BaseModel):
    """Student + frozen teacher + distillation parts.

    Args:
        student: the student's model config (e.g. a ``RotatedYOLO`` dict) or model.
        teacher_config: the teacher's own config file.
        teacher_ckpt: the teacher's checkpoint (``state_dict`` key; plain, ``weights_only``).
        components: ``{name: part config or None}``; ``None`` switches a part off.
        config_dir: folder of the distillation config; relative teacher paths are tried
            there first (configs pass ``"{{ fileDirname }}"``), then in the working directory.
        classes: the student's class names (a list or a key of :mod:`daik.classes`), compared
            by name with the teacher config's when that declares them.
        kd_scale: initial multiplier of every distillation loss (``KDScheduleHook`` sets it).
        kd_schedule: the schedule ``KDScheduleHook`` follows unless given its own arguments:
            ``dict(schedule="constant"|"cosine"|"linear", start, end, warmup_iters, by_epoch)``
            (see :func:`daik.distill.hooks.kd_weight`), so a method config carries its schedule.
        fuse_teacher: run the frozen teacher in its deployment form (RepVGG branches and batch
            norms folded; the same function, cheaper).
        teacher_channels_last: hold the teacher channels-last (see
            :func:`daik.distill.teacher.build_teacher`; the same function, cheaper on CPU).
        init_cfg: mmengine init config.
    """

    def __init__(self, student: Union[dict, nn.Module], teacher_config: str, teacher_ckpt: str,
                 components: Optional[Dict[str, Optional[dict]]] = None, config_dir: Optional[str] = None,
                 classes: Optional[Union[str, Sequence[str]]] = None, kd_scale: float = 1.0,
                 kd_schedule: Optional[dict] = None, fuse_teacher: bool = True, teacher_channels_last: bool = True,
                 init_cfg: Optional[dict] = None):
        student = MODELS.build(student) if isinstance(student, dict) else student
        super().__init__(data_preprocessor=student.data_preprocessor, init_cfg=init_cfg)
        object.__setattr__(self, "student", student)  # its modules are registered below, itself is not
        for name, module in student.named_children():
            if name != "data_preprocessor":
                self.add_module(name, module)
        teacher = build_teacher(teacher_config, teacher_ckpt, config_dir, student=student, classes=classes,
                                fuse=fuse_teacher, channels_last=teacher_channels_last)
        object.__setattr__(self, "teacher", teacher)  # outside the module tree
        self.distill = nn.ModuleDict()
        for name, cfg in (components or {}).items():
            if cfg is None:
                continue
            part = MODELS.build(cfg) if isinstance(cfg, dict) else cfg
            if not isinstance(part, KDComponent):
                raise TypeError(f"distillation part {name!r} is a {type(part).__name__}, not a KDComponent")
            part.setup(student, teacher)
            self.distill[name] = part
        self.kd_scale = float(kd_scale)
        self.kd_schedule = dict(kd_schedule or {})
        self.epoch = 0  # the training epoch (set_epoch), which parts read as ctx.epoch
        self.diagnostics_enabled = False  # set by KDDiagnosticsHook on the steps it records
        self.last_diagnostics: Optional[Dict[str, float]] = None

    # ------------------------------------------------------------------ module plumbing
    def _apply(self, fn, *args, **kwargs):
        self.teacher._apply(fn, *args, **kwargs)
        return super()._apply(fn, *args, **kwargs)

    def _set_device(self, device: torch.device) -> None:
        super()._set_device(device)
        self.teacher._set_device(device)

    def train(self, mode: bool = True):
        super().train(mode)
        self.student.train(mode)
        self.teacher.train(False)
        return self

    def __deepcopy__(self, memo):
        """Copies (EMA) share the frozen teacher instead of duplicating it."""
        memo[id(self.teacher)] = self.teacher
        new = self.__class__.__new__(self.__class__)
        memo[id(self)] = new
        for key, value in self.__dict__.items():
            new.__dict__[key] = copy.deepcopy(value, memo)
        return new

    def set_epoch(self, epoch: int) -> None:
        """Forward the epoch to the student (its head switches from a warm-up assigner by it) and
        keep it for the parts (``ctx.epoch``)."""
        self.epoch = int(epoch)
        self.student.set_epoch(epoch)

    def student_parameters(self) -> List[nn.Parameter]:
        """The student's trainable parameters (not the distillation parts' adapters)."""
        return [p for n, p in self.named_parameters() if p.requires_grad and not n.startswith(DISTILL_PREFIX)]

    @property
    def parts(self) -> List[KDComponent]:
        return list(self.distill.values())

    # ------------------------------------------------------------------ forward
    def forward(self, inputs: torch.Tensor, data_samples: Optional[Sequence] = None, mode: str = "tensor"):
        """``"loss"``: student + distillation losses; ``"predict"`` / ``"tensor"``: the student only."""
        if mode == "loss":
            return self.loss(inputs, data_samples)
        return self.student(inputs, data_samples, mode=mode)

    def predict(self, inputs: torch.Tensor, data_samples: Sequence, rescale: bool = True) -> Sequence:
        """The student's detections (see :meth:`daik.models.RotatedYOLO.predict`)."""
        return self.student.predict(inputs, data_samples, rescale=rescale)

    def loss(self, inputs: torch.Tensor, data_samples: Sequence) -> Dict[str, torch.Tensor]:
        """The student's losses (assignment and weights as the parts ask) plus every part's."""
        ctx = KDContext(self.student, self.teacher, inputs, data_samples)
        ctx.epoch = self.epoch
        losses = self.student_losses(ctx)
        own = set(losses)
        for name, part in self.distill.items():
            with record_function(f"daik/kd.{name}"):
                part_losses = part(ctx)
            for key, value in part_losses.items():
                if key in losses and key not in own:  # two parts of one kind: the later one's keys carry its name
                    key = f"{key}_{name}"
                if key in losses:
                    raise KeyError(f"distillation part {name!r} returns {key!r}, which another part or the "
                                   "student already returns")
                losses[key] = value * self.kd_scale if key.startswith("loss") else value
        losses["kd_scale"] = torch.tensor(self.kd_scale, device=inputs.device)
        if self.diagnostics_enabled:
            self.last_diagnostics = step_diagnostics(ctx)
            if self.training and torch.is_grad_enabled():
                self.last_diagnostics.update(loss_gradient_norms(losses, self.student_parameters()))
        return losses

    def student_losses(self, ctx: KDContext) -> Dict[str, torch.Tensor]:
        """Run the student's head from the deepest stage any part reads, assign (with the parts'
        metric factors) and compute its losses (with the parts' weights); fills ``ctx``."""
        head = self.student.head
        k = max([p.student_stage for p in self.parts if p.student_stage is not None], default=0)
        with record_function("daik/student.forward"):
            raw = head.flatten(head.forward_preds(ctx.student_tower(k), k))
            ctx.s_raw, ctx.s_dec = raw, head.decode(raw)
            ctx.gt = head.gt_from_samples(ctx.data_samples)
        ctx.parts_factor = lambda preds: _combine_factors(
            [f for f in (p.metric_factor(ctx, preds) for p in self.parts) if f is not None])
        ctx.s_factor = ctx.parts_factor(None)
        guide = teacher_guided(self.parts)
        with record_function("daik/student.assign"):
            # the teacher's metric (same factors, on its own angles) picks the positives while the guide says so
            ctx.assign = guide.assignment(ctx, ctx.s_factor, ctx.t_factor) if guide is not None else None
            if ctx.assign is None:
                ctx.assign = head.assign(ctx.s_raw, ctx.s_dec, ctx.gt, metric_factor=ctx.s_factor)
        weights = _merge_weights(p.loss_weights(ctx) for p in self.parts)
        with record_function("daik/student.loss"):
            return head.loss_by_assign(ctx.s_raw, ctx.s_dec, ctx.assign, weights)
