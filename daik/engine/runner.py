"""Building mmengine Runners from daik configs: what ``daik train`` and ``daik test``
do, reachable from tests and other code."""
import os
import os.path as osp
from typing import Optional, Sequence

import torch
from mmengine.config import Config
import daik.engine  # noqa: F401  (registers daik's hooks and EMA)

from .cfg_options import DictAction, check_cfg_options  # noqa: F401  (DictAction re-exported for tools)
from .checked_runner import DaikRunner
from .config import compose_distillation


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """Read a config file (a distillation config's ``student`` / ``teacher`` / ``kd`` composed
    into its ``model``: :func:`daik.engine.config.compose_distillation`) and apply
    ``--cfg-options`` style overrides, refusing keys nothing would read
    (:func:`daik.engine.cfg_options.check_cfg_options`)."""
    if not osp.isfile(path):
        raise FileNotFoundError(f"config not found: {path}")
    return prepare_config(Config.fromfile(path), cfg_options, source=path)


def prepare_config(cfg: Config, cfg_options: Optional[dict] = None, source: str = "config") -> Config:
    """What :func:`load_config` does after reading the file (for a config built in code, e.g. a
    distillation config whose ``student`` the KD benchmark replaced before composing)."""
    cfg = compose_distillation(cfg, source=source)
    if cfg_options:
        check_cfg_options(cfg, cfg_options)
        cfg.merge_from_dict(cfg_options)
    cfg.setdefault("default_scope", "daik")
    return cfg


def default_work_dir(config_path: str) -> str:
    """``work_dirs/<config stem>``, as mmengine projects do."""
    return osp.join("work_dirs", osp.splitext(osp.basename(config_path))[0])


def _init_cpu_distributed(cfg: Config) -> None:
    """DDP on CPUs: start the gloo process group ourselves (mmengine 0.10.7's launcher calls
    ``torch.cuda.set_device`` unconditionally) and wrap the model without ``device_ids``."""
    import torch.distributed as dist

    if not dist.is_initialized():
        dist.init_process_group(backend="gloo")
    wrapper = dict(cfg.get("model_wrapper_cfg") or {})
    wrapper.setdefault("type", "MMDistributedDataParallel")
    wrapper.setdefault("broadcast_buffers", False)
    wrapper.setdefault("find_unused_parameters", cfg.get("find_unused_parameters", False))
    wrapper["device_ids"] = None
    cfg.model_wrapper_cfg = wrapper


def close_distributed() -> None:
    """Destroy the default process group, if one was started, while the interpreter is still
    whole: a gloo group left to interpreter shutdown can abort a rank whose work is done (SIGABRT,
    "terminate called without an active exception": its worker threads still hold Python objects)."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def _adapt_to_machine(cfg: Config, launcher: str) -> None:
    """Without CUDA: gloo for DDP, no AMP; dataloader workers capped by the CPUs we have."""
    if not torch.cuda.is_available():
        cfg.env_cfg.setdefault("dist_cfg", {})["backend"] = "gloo"
        if launcher == "pytorch":
            _init_cpu_distributed(cfg)
    for key in ("train_dataloader", "val_dataloader", "test_dataloader"):
        loader = cfg.get(key)
        if loader is not None and loader.get("num_workers", 0) > (os.cpu_count() or 1):
            loader["num_workers"] = os.cpu_count() or 1
        if loader is not None and loader.get("num_workers", 0) == 0:
            loader["persistent_workers"] = False
    cfg.launcher = launcher


def build_train_runner(cfg: Config, work_dir: str, resume: bool = False, amp: bool = False,
                       launcher: str = "none", load_from: Optional[str] = None,
                       load_strict: bool = True) -> DaikRunner:
    """A Runner for training.

    Args:
        cfg: a daik training (or distillation) config.
        work_dir: where logs, checkpoints and curves go.
        resume: continue from the latest checkpoint in ``work_dir``.
        amp: mixed precision (CUDA only; ignored with a warning on CPU).
        launcher: ``"none"`` or ``"pytorch"`` (torchrun).
        load_from: initialise from this checkpoint (not a resume).
        load_strict: with ``load_from``, stop when a key is missing, unexpected or mis-shaped;
            False loads what fits (fine-tuning) and logs what was skipped.
    """
    cfg.work_dir = work_dir
    cfg.resume = resume
    if load_from is not None:
        cfg.load_from = load_from
    if amp:
        if torch.cuda.is_available():
            cfg.optim_wrapper.type = "AmpOptimWrapper"
            cfg.optim_wrapper.setdefault("loss_scale", "dynamic")
        else:
            print("daik: --amp needs CUDA; training in float32 on the CPU")
    _adapt_to_machine(cfg, launcher)
    runner = DaikRunner.from_cfg(cfg)
    runner.load_strict = load_strict
    return runner


def build_test_runner(cfg: Config, checkpoint: str, work_dir: str, out_dir: Optional[str] = None,
                      launcher: str = "none", show_dir: Optional[str] = None,
                      show_score_thr: float = 0.3) -> DaikRunner:
    """A Runner for ``runner.test()`` with ``checkpoint`` loaded strictly (a checkpoint that
    does not fit the config stops ``test()`` before the first image, its keys listed).

    With ``out_dir`` the DOTA metric also writes ``Task1_<class>.txt`` files there; with
    ``show_dir`` detections are drawn on every test image.
    """
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(f"checkpoint not found: {checkpoint}")
    cfg.work_dir = work_dir
    cfg.load_from = checkpoint
    cfg.resume = False
    for key in ("train_dataloader", "train_cfg", "optim_wrapper", "param_scheduler"):
        cfg.pop(key, None)
    evaluator = cfg.get("test_evaluator", cfg.get("val_evaluator"))
    if evaluator is None:
        raise KeyError("the config has no test_evaluator / val_evaluator")
    evaluator = dict(evaluator)
    if out_dir is not None and evaluator.get("type") == "DOTAMetric":
        evaluator["outfile_prefix"] = osp.join(out_dir, "Task1")
        evaluator.setdefault("plot_pr", True)
    cfg.test_evaluator = evaluator
    hooks: Sequence[dict] = [h for h in cfg.get("custom_hooks", []) if h.get("type") != "EMAHook"]
    if show_dir is not None:
        hooks = list(hooks) + [dict(type="DrawDetectionsHook", out_dir=show_dir, score_thr=show_score_thr)]
    cfg.custom_hooks = list(hooks)
    _adapt_to_machine(cfg, launcher)
    return DaikRunner.from_cfg(cfg)
