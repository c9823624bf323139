"""The distillation benchmark's runs: a teacher, the student alone and the student with each
distiller, over several seeds, evaluated on a held-out split (:mod:`.kd` drives it and writes
the report).

Every run is an ordinary ``daik train`` run of a config from ``configs/`` (with the data
folders, schedule and seed overridden), in its own process, followed by ``daik test`` on the
held-out split (:func:`step_command`), whose ``metrics.json`` is the run's result
(:func:`read_test_metrics`). Each run leaves ``result.json`` and ``settings.json`` in its work
dir; a later benchmark reuses the run only when its settings are exactly the ones it would run
with (see :func:`~.kd_cache.run_settings`), so an interrupted benchmark continues where it
stopped and a cache can never mix runs made with other data, schedules, configs or teachers.
"""
import json
import os
import os.path as osp
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple

from daik.bench.common import ROOT, daik_command, iteration_times, run_logged, steady_median
from daik.bench.kd_cache import (StaleRunError, gradient_stats, load_cached, record_run, restore_records, run_settings,
                                 write_result)
from mmengine.config import Config

from daik.engine.runner import prepare_config

__all__ = ["ROOT", "BenchSettings", "StaleRunError", "build_run_config", "step_command",
           "read_test_metrics", "train_and_test", "run_benchmark", "make_synthetic_split"]


@dataclass
class BenchSettings:
    """What one benchmark runs (see :data:`daik.bench.kd.PRESETS`).

    Attributes:
        data: folder with ``train/{images,labelTxt}`` and ``val/{images,labelTxt}``.
        work_dir: where runs, logs and checkpoints go.
        student_config / teacher_config: training configs (paths under ``configs/``).
        methods: ``{name: distillation config}``.
        img_scale: network input size (long side).
        student_epochs / teacher_epochs: schedules.
        batch_size, seeds, threads: as they say; ``threads`` torch threads per run.
        teacher_ckpt: reuse this teacher instead of training one.
        device: ``"cpu"`` or ``"cuda"``.
        record_dir: a folder in the repository that keeps every finished run's result and
            settings (:func:`~.kd_cache.record_run`) and gives them back to an empty work
            directory (:func:`~.kd_cache.restore_records`), so a fresh clone reports, and
            continues, the runs behind a table.
    """

    data: str
    work_dir: str
    student_config: str = "configs/synthetic/rotated_yolo_n.py"
    teacher_config: str = "configs/synthetic/rotated_yolo_s.py"
    methods: Dict[str, str] = field(default_factory=dict)
    img_scale: int = 256
    student_epochs: int = 30
    teacher_epochs: int = 30
    batch_size: int = 16
    seeds: List[int] = field(default_factory=lambda: [0, 1, 2])
    threads: int = 1
    teacher_ckpt: Optional[str] = None
    device: str = "cpu"
    val_interval: Optional[int] = None
    show: bool = False
    record_dir: Optional[str] = None


def _recorded(settings: BenchSettings, work: str, result: dict, made_now: bool = False) -> dict:
    """``result``, with its run copied into the record when the benchmark keeps one and the
    record lacks it, or over the record's when the run was made just now (the one it replaces
    was made with other settings)."""
    if settings.record_dir:
        record = osp.join(settings.record_dir, osp.relpath(work, settings.work_dir))
        if made_now or not osp.isfile(osp.join(record, "result.json")):
            record_run(work, record)
    return result


def _schedule(cfg, epochs: int, val_interval: Optional[int], iters_per_epoch: int) -> None:
    """Shrink or stretch a config's schedule to ``epochs`` (warm-up capped at a third of it)."""
    cfg.train_cfg.update(max_epochs=epochs, val_interval=val_interval or epochs)
    for sched in cfg.param_scheduler:
        if sched.get("type") == "CosineAnnealingLR":
            sched["end"] = epochs
        if sched.get("type") == "LinearLR":
            sched["end"] = max(1, min(sched["end"], iters_per_epoch * epochs // 3))
    cfg.default_hooks.checkpoint.update(interval=epochs, save_best=None)


def _data(cfg, settings: BenchSettings, loader_cfg) -> None:
    """Point a (student or distiller) config at the benchmark's folders and input size."""
    for key, split in (("train_dataloader", "train"), ("val_dataloader", "val"), ("test_dataloader", "val")):
        loader = cfg[key]
        loader.dataset.data_root = osp.join(settings.data, split)
        for step in loader.dataset.get("pipeline", []):
            if step.get("type") == "Resize":
                step["scale"] = settings.img_scale
        loader.update(loader_cfg)
    cfg.train_dataloader.batch_size = settings.batch_size


def build_run_config(settings: BenchSettings, config: str, epochs: int, seed: int, teacher_ckpt=None):
    """The config of one run: ``config`` with the benchmark's data, schedule and seed. A
    distillation config gets the benchmark's student (``student`` replaced before its axes are
    composed, so what the method changes in a student, CAKD's one-to-one head say, lands on this
    one) and, with ``teacher_ckpt``, the benchmark's teacher."""
    path = osp.join(ROOT, config) if not osp.isabs(config) else config
    raw = Config.fromfile(path)
    if "kd" in raw:
        raw.student = dict(config=osp.join(ROOT, settings.student_config))
        if teacher_ckpt is not None:
            raw.teacher = dict(config=osp.join(ROOT, settings.teacher_config), checkpoint=osp.abspath(teacher_ckpt))
    cfg = prepare_config(raw, source=path)
    workers = 0 if settings.device == "cpu" else 2
    _data(cfg, settings, dict(num_workers=workers, persistent_workers=workers > 0))
    n_train = len(os.listdir(osp.join(settings.data, "train", "labelTxt")))
    _schedule(cfg, epochs, settings.val_interval, max(1, n_train // settings.batch_size))
    cfg.randomness = dict(seed=seed)
    return cfg


def step_command(step: str, config: str, work: str, ckpt: Optional[str] = None, show: bool = False) -> List[str]:
    """The command of one step of a run in ``work`` (every ``daik train`` / ``daik test`` process
    the benchmarks start is made here).

    ``"train"``: ``daik train CONFIG --work-dir WORK``. ``"test"``: ``daik test CONFIG CKPT
    --out-dir WORK/test --work-dir WORK/test_logs`` (``show``: detections drawn into
    ``WORK/test/show``); its result is :func:`read_test_metrics` of ``WORK/test``.
    """
    if step == "train":
        return daik_command("train", config, "--work-dir", work)
    if step != "test":
        raise ValueError(f"step is 'train' or 'test', not {step!r}")
    out_dir = osp.join(work, "test")
    show_dir = ["--show-dir", osp.join(out_dir, "show")] if show else []
    return daik_command("test", config, ckpt, "--out-dir", out_dir, "--work-dir", osp.join(work, "test_logs"),
                        *show_dir)


def read_test_metrics(out_dir: str) -> Dict[str, float]:
    """The result of ``daik test ... --out-dir OUT_DIR``: ``OUT_DIR/metrics.json``.

    That file is the defined result format of an evaluation: one JSON object of floats, every
    metric the test run's evaluator returned under its name, for the DOTA Task1 metric
    ``"dota/mAP"`` (mAP50), ``"dota/mAP50:95"`` and ``"dota/AP_<class>"`` per class.
    """
    with open(osp.join(out_dir, "metrics.json")) as f:
        return json.load(f)


def train_and_test(settings: BenchSettings, name: str, config: str, epochs: int, seed: int,
                   teacher_ckpt: Optional[str] = None, eval_config: Optional[str] = None,
                   cached_only: bool = False) -> dict:
    """Train one run and evaluate its last checkpoint on the held-out split (cached, see
    :func:`load_cached`; ``cached_only`` raises :class:`StaleRunError` instead of re-running).

    Returns:
        ``{"metrics": {...}, "seconds_per_iter": float, "train_seconds": float, "ckpt": path}``.
    """
    work = osp.join(settings.work_dir, name, f"seed{seed}")
    cfg = build_run_config(settings, config, epochs, seed, teacher_ckpt)
    cfg.default_hooks.logger.interval = 1  # every iteration's time lands in scalars.json
    eval_cfg = build_run_config(settings, eval_config, epochs, seed) if eval_config else cfg
    wanted = run_settings(settings, cfg, epochs, seed, teacher_ckpt, eval_cfg if eval_config else None)
    cached = load_cached(work, wanted, cached_only)
    if cached is not None:
        if not osp.isfile(osp.join(work, "train_config.py")):  # a restored run: the config it ran (same digest)
            cfg.dump(osp.join(work, "train_config.py"))
        return _recorded(settings, work, cached)
    if cached_only:
        raise StaleRunError(f"{work}: no cached result")
    os.makedirs(work, exist_ok=True)
    cfg_path = osp.join(work, "train_config.py")
    cfg.dump(cfg_path)
    start = time.time()
    run_logged(step_command("train", cfg_path, work), osp.join(work, "train.out"), settings.threads)
    train_seconds = time.time() - start
    ckpt = osp.join(work, f"epoch_{epochs}.pth")
    eval_path = osp.join(work, "test_config.py")
    eval_cfg.dump(eval_path)
    run_logged(step_command("test", eval_path, work, ckpt, show=settings.show), osp.join(work, "test.out"),
               settings.threads)
    times = iteration_times(work)
    result = dict(metrics=read_test_metrics(osp.join(work, "test")),
                  seconds_per_iter=steady_median(times, min(5, len(times) // 4)),
                  train_seconds=train_seconds, ckpt=ckpt, **gradient_stats(work))
    write_result(work, result, wanted)
    return _recorded(settings, work, result, made_now=True)


def run_benchmark(settings: BenchSettings, log=print, runs: Optional[Set[Tuple[str, int]]] = None,
                  cached_only: bool = False) -> dict:
    """Teacher (trained or reused), student per seed, each method per seed; the raw results.

    Args:
        runs: only these ``(name, seed)`` runs (name ``"student"`` or a method); the others are
            taken from the cache when there, else left out. Lets several processes or machines
            share one benchmark's work directory, each with its own runs.
        cached_only: run nothing beyond the teacher's evaluation; report what is cached.
    """
    if settings.record_dir:
        restored = restore_records(settings.record_dir, settings.work_dir)
        if restored:
            log(f"{len(restored)} recorded run(s) restored from {settings.record_dir}")
    if settings.teacher_ckpt:
        log(f"teacher: reusing {settings.teacher_ckpt}")
        teacher = _evaluate_only(settings, settings.teacher_config, settings.teacher_ckpt, cached_only)
    else:
        log(f"teacher: {settings.teacher_config}, {settings.teacher_epochs} epochs")
        teacher = train_and_test(settings, "teacher", settings.teacher_config, settings.teacher_epochs, 0,
                                 cached_only=cached_only)
    teacher_ckpt = settings.teacher_ckpt or teacher["ckpt"]
    results = dict(teacher=teacher, student={}, distilled={})

    def wanted(name: str, seed: int) -> bool:
        if osp.isfile(osp.join(settings.work_dir, name, f"seed{seed}", "result.json")):
            return True  # cached (reused only if its settings match: see train_and_test)
        return not cached_only and (runs is None or (name, seed) in runs)

    for seed in settings.seeds:
        if wanted("student", seed):
            log(f"student alone, seed {seed}")
            results["student"][seed] = train_and_test(settings, "student", settings.student_config,
                                                      settings.student_epochs, seed, cached_only=cached_only)
        for method, config in settings.methods.items():
            if not wanted(method, seed):
                continue
            log(f"{method}, seed {seed}")
            results["distilled"].setdefault(method, {})[seed] = train_and_test(
                settings, method, config, settings.student_epochs, seed, teacher_ckpt=teacher_ckpt,
                eval_config=settings.student_config, cached_only=cached_only)
    for method in results["distilled"]:  # a distilled run needs its student alone on the same seed
        results["distilled"][method] = {s: r for s, r in results["distilled"][method].items() if s in results["student"]}
    return results


def make_synthetic_split(folder: str, train_images: int, val_images: int, preset: str = "quick") -> str:
    """Generate ``folder/train`` (seed 0) and ``folder/val`` (seed 1) synthetic scenes unless
    already there with those counts; returns ``folder``."""
    from daik.data.synthetic import make_config, write_dataset

    cfg = make_config(preset)
    for split, n, seed in (("train", train_images, 0), ("val", val_images, 1)):
        out = osp.join(folder, split)
        labels = osp.join(out, "labelTxt")
        if osp.isdir(labels) and len(os.listdir(labels)) == n:
            continue
        write_dataset(out, n, cfg, seed=seed, nproc=min(2, os.cpu_count() or 1))
    return folder


def _evaluate_only(settings: BenchSettings, config: str, ckpt: str, cached_only: bool = False) -> dict:
    """Evaluate an existing checkpoint (a reused teacher) on the held-out split (cached)."""
    work = osp.join(settings.work_dir, "teacher_reused")
    cfg = build_run_config(settings, config, 1, 0)
    wanted = run_settings(settings, cfg, 0, 0, ckpt)
    cached = load_cached(work, wanted, cached_only=False)  # re-evaluating a teacher is cheap
    if cached is not None:
        return _recorded(settings, work, cached)
    os.makedirs(work, exist_ok=True)
    cfg_path = osp.join(work, "test_config.py")
    cfg.dump(cfg_path)
    run_logged(step_command("test", cfg_path, work, ckpt), osp.join(work, "test.out"), settings.threads)
    result = dict(metrics=read_test_metrics(osp.join(work, "test")), seconds_per_iter=float("nan"),
                  train_seconds=0.0, ckpt=ckpt)
    write_result(work, result, wanted)
    return _recorded(settings, work, result, made_now=True)
