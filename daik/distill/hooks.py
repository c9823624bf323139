"""Hooks of distillation training: the KD-weight schedule and the diagnostics recorder."""
import json
import math
import os
from typing import Dict, List, Optional

from mmengine.dist import master_only
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from daik.registry import HOOKS

from .diagnostics import plot_history

SCHEDULES = ("constant", "cosine", "linear")


def kd_weight(progress: float, schedule: str = "constant", start: float = 1.0, end: float = 0.01,
              warmup: float = 1.0) -> float:
    """The KD-loss multiplier at training ``progress`` in [0, 1].

    - ``constant``: ``start``;
    - ``cosine``: from ``start`` to ``end`` along half a cosine (YOLOv6's distillation decay
      ``((1 - cos(pi p)) / 2) * (end - start) + start`` with ``start = 1``, ``end = 0.01``);
    - ``linear``: from ``start`` to ``end`` linearly.

    ``warmup`` in [0, 1] multiplies the result (a linear warm-up from 0 is passed here as
    ``iter / warmup_iters``).
    """
    if schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {SCHEDULES}, got {schedule!r}")
    p = min(max(float(progress), 0.0), 1.0)
    if schedule == "constant":
        w = start
    elif schedule == "cosine":
        w = start + (end - start) * (1 - math.cos(math.pi * p)) / 2
    else:
        w = start + (end - start) * p
    return w * min(max(float(warmup), 0.0), 1.0)


def _unwrap(model):
    return model.module if is_model_wrapper(model) else model


@HOOKS.register_module()
class KDScheduleHook(Hook):
    """Set the distiller's ``kd_scale`` before every training iteration.

    Arguments left ``None`` come from the distiller's ``kd_schedule`` (its config), then from
    the defaults in brackets, so one generic hook in the runtime serves every method config.

    Args:
        schedule: ``"constant"``, ``"cosine"`` (YOLOv6-R's decay) or ``"linear"`` [constant].
        start, end: multiplier at the start and at the end of training [1.0, 0.01].
        warmup_iters: linear warm-up from 0 over this many iterations (FRS uses 500) [0].
        by_epoch: progress counted in epochs (``epoch / max_epochs``, YOLOv6) or iterations [True].
    """

    priority = "NORMAL"
    DEFAULTS = dict(schedule="constant", start=1.0, end=0.01, warmup_iters=0, by_epoch=True)

    def __init__(self, schedule: Optional[str] = None, start: Optional[float] = None, end: Optional[float] = None,
                 warmup_iters: Optional[int] = None, by_epoch: Optional[bool] = None):
        self.given = {k: v for k, v in dict(schedule=schedule, start=start, end=end, warmup_iters=warmup_iters,
                                             by_epoch=by_epoch).items() if v is not None}
        self.resolve({})  # validates what was given

    def resolve(self, model_schedule: Dict) -> Dict:
        """The schedule in force: hook arguments, then the model's ``kd_schedule``, then defaults."""
        unknown = set(model_schedule) - set(self.DEFAULTS)
        if unknown:
            raise KeyError(f"unknown kd_schedule keys {sorted(unknown)}; use {sorted(self.DEFAULTS)}")
        cfg = {**self.DEFAULTS, **model_schedule, **self.given}
        kd_weight(0.0, cfg["schedule"])  # validates the name
        return cfg

    def value(self, runner, cfg: Dict) -> float:
        if cfg["by_epoch"]:
            progress = runner.epoch / max(runner.max_epochs, 1)
        else:
            progress = runner.iter / max(runner.max_iters, 1)
        warm = 1.0 if cfg["warmup_iters"] <= 0 else runner.iter / cfg["warmup_iters"]
        return kd_weight(progress, cfg["schedule"], cfg["start"], cfg["end"], warm)

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        model = _unwrap(runner.model)
        if not hasattr(model, "kd_scale"):
            raise TypeError(f"KDScheduleHook needs a distiller (a model with kd_scale), got {type(model).__name__}")
        model.kd_scale = self.value(runner, self.resolve(getattr(model, "kd_schedule", None) or {}))


@HOOKS.register_module()
class KDDiagnosticsHook(Hook):
    """Every ``interval`` iterations, record the target-conflict ratios and L1 distances of the
    step (:func:`daik.distill.diagnostics.step_diagnostics`) and the gradient norm of each loss
    on the student (``grad_<loss>``, before clipping; ``grad_total`` is what ``clip_grad``
    compares), send them to the message hub (``train/kd_<key>``) and, after training, write
    ``kd_diagnostics.json`` and ``kd_diagnostics.png`` into ``out_dir`` (default: the work dir).
    Every iteration it counts whether ``clip_grad`` fired (``train/kd_clip_rate``, and
    ``clip_rate`` in the records).

    Args:
        interval: record every this many iterations.
        out_dir: where the JSON and the plot go.
    """

    priority = "LOW"

    def __init__(self, interval: int = 50, out_dir: Optional[str] = None):
        self.interval, self.out_dir = int(interval), out_dir
        self.history: List[Dict[str, float]] = []
        self.steps, self.clipped = 0, 0

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        _unwrap(runner.model).diagnostics_enabled = self.every_n_train_iters(runner, self.interval) or runner.iter == 0

    def count_clipping(self, runner) -> None:
        """Count the steps whose pre-clip gradient norm (mmengine's ``train/grad_norm``) exceeded
        the optimizer's ``clip_grad`` ``max_norm``; the share goes to ``train/kd_clip_rate``."""
        max_norm = (getattr(runner.optim_wrapper, "clip_grad_kwargs", None) or {}).get("max_norm")
        hub = runner.message_hub
        if max_norm is None or "train/grad_norm" not in hub.log_scalars:
            return
        self.steps += 1
        self.clipped += int(hub.get_scalar("train/grad_norm").current() > max_norm)
        hub.update_scalar("train/kd_clip_rate", self.clipped / self.steps)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        self.count_clipping(runner)
        model = _unwrap(runner.model)
        if not model.diagnostics_enabled or model.last_diagnostics is None:
            return
        record = {"iter": runner.iter + 1, "epoch": runner.epoch, **model.last_diagnostics}
        if self.steps:
            record["clip_rate"] = self.clipped / self.steps
        self.history.append(record)
        for key, value in model.last_diagnostics.items():
            if not math.isnan(value):
                runner.message_hub.update_scalar(f"train/kd_{key}", value)
        model.diagnostics_enabled, model.last_diagnostics = False, None

    @master_only
    def after_train(self, runner) -> None:
        if not self.history:
            return
        out = self.out_dir or runner.work_dir
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, "kd_diagnostics.json"), "w") as f:
            json.dump(self.history, f, indent=1)
        plot_history(self.history, os.path.join(out, "kd_diagnostics.png"))
