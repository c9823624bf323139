"""The distillation benchmark: a teacher, the student alone and the student with each distiller,
over several seeds, evaluated on a held-out split, written as JSON + markdown + a bar plot.

Every run is an ordinary ``tools/train.py`` run of a config from ``configs/`` (with the data
folders, schedule and seed overridden), in its own process, followed by ``tools/test.py`` on
the held-out split. Each run leaves ``result.json`` and ``settings.json`` in its work dir; a
later benchmark reuses the run only when its settings are exactly the ones it would run with
(see :func:`run_settings`), so an interrupted benchmark continues where it stopped and a cache
can never mix runs made with other data, schedules, configs or teachers.
"""
import hashlib
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple

from daik.engine.runner import load_config
from daik.utils import git_commit

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@dataclass
class BenchSettings:
    """What one benchmark runs (see :data:`PRESETS`).

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
    """The config of one run: ``config`` with the benchmark's data, schedule and seed."""
    cfg = load_config(osp.join(ROOT, config) if not osp.isabs(config) else config)
    workers = 0 if settings.device == "cpu" else 2
    _data(cfg, settings, dict(num_workers=workers, persistent_workers=workers > 0))
    n_train = len(os.listdir(osp.join(settings.data, "train", "labelTxt")))
    _schedule(cfg, epochs, settings.val_interval, max(1, n_train // settings.batch_size))
    cfg.randomness = dict(seed=seed)
    if teacher_ckpt is not None:  # the benchmark's teacher, whatever the method config names
        cfg.model.teacher_ckpt = osp.abspath(teacher_ckpt)
        cfg.model.teacher_config = osp.join(ROOT, settings.teacher_config)
    if "student" in cfg.model:  # ... and the benchmark's student, so every method distils the same model
        reference = load_config(osp.join(ROOT, REFERENCE_STUDENT)).model.to_dict()
        student = load_config(osp.join(ROOT, settings.student_config)).model.to_dict()
        cfg.model.student = transplant(cfg.model.student.to_dict(), reference, student)
    return cfg


# The student every configs/distill/synthetic method config is written for; what a method config
# changes relative to it (CAKD's one-to-one head, say) is carried over to the benchmark's student.
REFERENCE_STUDENT = "configs/synthetic/rotated_yolo_n.py"
_MISSING = object()


def transplant(method: dict, reference: dict, base: dict) -> dict:
    """``base`` with the changes a method made to ``reference`` (its student) carried over.

    Key by key: a value the method left as the reference had it comes from ``base``; a value it
    changed or added comes from the method. A dict whose ``type`` the method changed keeps only
    the method's keys (an assigner of another kind takes none of the old one's arguments), its
    unchanged values still from ``base`` (a one-to-one head keeps the base's widths).
    """
    retyped = method.get("type") != reference.get("type")
    keys = list(method) if retyped else list(base) + [k for k in method if k not in base]
    out = {}
    for key in keys:
        m, r, b = method.get(key, _MISSING), reference.get(key, _MISSING), base.get(key, _MISSING)
        if m is _MISSING:  # the method config does not mention it
            out[key] = b
        elif isinstance(m, dict) and isinstance(r, dict) and isinstance(b, dict):
            out[key] = transplant(m, r, b)
        elif m == r and b is not _MISSING:
            out[key] = b
        else:
            out[key] = m
    return out


class StaleRunError(RuntimeError):
    """A cached run was made with other settings and the caller asked not to re-run it."""


def _sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def data_fingerprint(folder: str) -> str:
    """Hash of every file name and size under ``folder`` (a new or changed data set changes it)."""
    h = hashlib.sha256()
    for root, dirs, files in sorted(os.walk(folder)):
        dirs.sort()
        for name in sorted(files):
            path = osp.join(root, name)
            h.update(f"{osp.relpath(path, folder)}\0{os.path.getsize(path)}\n".encode())
    return h.hexdigest()


#: settings that must match for a cached run to be reused; the rest is provenance only
MATCHED_SETTINGS = ("config_sha256", "data", "data_sha256", "epochs", "seed", "img_scale", "batch_size",
                    "threads", "device", "teacher_ckpt_sha256", "eval_config_sha256")


def run_settings(settings: BenchSettings, cfg, epochs: int, seed: int, teacher_ckpt: Optional[str],
                 eval_cfg=None) -> dict:
    """What made (or would make) one run. ``config_sha256`` hashes the whole resolved training
    config (model, teacher paths, data roots, schedule, seed); the teacher checkpoint and the data
    folder are hashed by content / file list, so a re-trained teacher or a regenerated data set
    under the same path is not mistaken for the old one. ``commit`` is recorded, not matched: a
    commit that changes none of these (documentation, another method) keeps the cache."""
    text = cfg.pretty_text
    out = dict(config_sha256=hashlib.sha256(text.encode()).hexdigest(), data=osp.abspath(settings.data),
               data_sha256=_fingerprint(settings.data), epochs=int(epochs), seed=int(seed),
               img_scale=int(settings.img_scale), batch_size=int(settings.batch_size),
               threads=int(settings.threads), device=settings.device,
               teacher_ckpt_sha256=_ckpt_hash(teacher_ckpt) if teacher_ckpt else None,
               eval_config_sha256=(hashlib.sha256(eval_cfg.pretty_text.encode()).hexdigest()
                                   if eval_cfg is not None else None),
               commit=git_commit(ROOT))
    return out


_HASHES: Dict[Tuple[str, float, int], str] = {}


def _cached_hash(kind: str, path: str, fn) -> str:
    st = os.stat(path)
    key = (kind + osp.abspath(path), st.st_mtime, st.st_size)
    if key not in _HASHES:
        _HASHES[key] = fn(path)
    return _HASHES[key]


def _fingerprint(folder: str) -> str:
    return _cached_hash("data:", folder, data_fingerprint)


def _ckpt_hash(path: str) -> str:
    return _cached_hash("ckpt:", path, _sha256_file)


def settings_mismatch(cached: Optional[dict], wanted: dict) -> List[str]:
    """Names of the matched settings that differ (all of them when nothing was recorded)."""
    if not cached:
        return ["(no settings.json: made before runs recorded their settings)"]
    return [k for k in MATCHED_SETTINGS if cached.get(k) != wanted.get(k)]


def load_cached(work: str, wanted: dict, cached_only: bool) -> Optional[dict]:
    """The cached result of a run directory when it was made with ``wanted`` settings.

    A run made with other settings is moved aside (``seedK.stale-N``, nothing is deleted) so it
    runs again, or, with ``cached_only``, raises :class:`StaleRunError` naming what differs."""
    result_path = osp.join(work, "result.json")
    if not osp.isfile(result_path):
        return None
    settings_path = osp.join(work, "settings.json")
    cached = None
    if osp.isfile(settings_path):
        with open(settings_path) as f:
            cached = json.load(f)
    diff = settings_mismatch(cached, wanted)
    if not diff:
        with open(result_path) as f:
            result = json.load(f)
        if "clip_rate" not in result and osp.isfile(osp.join(work, "train_config.py")):
            result.update(gradient_stats(work))  # a run cached before these were recorded
        return result
    if cached_only:
        raise StaleRunError(f"{work} was made with other settings ({', '.join(diff)} differ); "
                            "run without --report-only to re-run it")
    n = 0
    while osp.exists(f"{work}.stale-{n}"):
        n += 1
    os.rename(work, f"{work}.stale-{n}")
    print(f"[bench_kd] {work}: made with other settings ({', '.join(diff)} differ); moved to "
          f"{work}.stale-{n} and running again", flush=True)
    return None


def _run(cmd: List[str], log_path: str, threads: int) -> None:
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads),
               PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    with open(log_path, "a") as log:
        proc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    if proc.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed (exit {proc.returncode}); see {log_path}")


def iteration_times(work_dir: str) -> List[float]:
    """Seconds per training iteration (data loading included) from mmengine's scalar log."""
    times = []
    for root, _, files in os.walk(work_dir):
        if "scalars.json" in files and "vis_data" in root:
            with open(osp.join(root, "scalars.json")) as f:
                for line in f:
                    rec = json.loads(line)
                    if "time" in rec and "loss" in rec:
                        times.append(float(rec["time"]))
    return times


def gradient_stats(work_dir: str) -> dict:
    """From one run's logs: ``clip_rate`` (share of iterations whose pre-clip gradient norm, as
    mmengine logs it, exceeded the config's ``clip_grad.max_norm``), ``grad_norm_median`` and
    ``step0_grad`` (each loss's gradient norm on the student at the first iteration, recorded by
    ``KDDiagnosticsHook``; empty for a run without it)."""
    cfg_path = osp.join(work_dir, "train_config.py")
    clip = (load_config(cfg_path).get("optim_wrapper", {}).get("clip_grad") or {}) if osp.isfile(cfg_path) else {}
    max_norm = clip.get("max_norm")
    norms = []
    for root, _, files in os.walk(work_dir):
        if "scalars.json" in files and "vis_data" in root:
            with open(osp.join(root, "scalars.json")) as f:
                norms += [float(r["grad_norm"]) for r in map(json.loads, f) if "grad_norm" in r and "loss" in r]
    step0 = {}
    diag = osp.join(work_dir, "kd_diagnostics.json")
    if osp.isfile(diag):
        with open(diag) as f:
            first = (json.load(f) or [{}])[0]
        step0 = {k[len("grad_"):]: v for k, v in first.items() if k.startswith("grad_")} if first.get("iter") == 1 else {}
    return dict(clip_rate=statistics.fmean(n > max_norm for n in norms) if norms and max_norm else float("nan"),
                grad_norm_median=statistics.median(norms) if norms else float("nan"), step0_grad=step0)


def train_and_test(settings: BenchSettings, name: str, config: str, epochs: int, seed: int,
                   teacher_ckpt: Optional[str] = None, eval_config: Optional[str] = None,
                   cached_only: bool = False) -> dict:
    """Train one run and evaluate its last checkpoint on the held-out split (cached, see
    :func:`load_cached`; ``cached_only`` raises :class:`StaleRunError` instead of re-running).

    Returns:
        ``{"metrics": {...}, "seconds_per_iter": float, "train_seconds": float, "ckpt": path}``.
    """
    work = osp.join(settings.work_dir, name, f"seed{seed}")
    result_path = osp.join(work, "result.json")
    cfg = build_run_config(settings, config, epochs, seed, teacher_ckpt)
    cfg.default_hooks.logger.interval = 1  # every iteration's time lands in scalars.json
    eval_cfg = build_run_config(settings, eval_config, epochs, seed) if eval_config else cfg
    wanted = run_settings(settings, cfg, epochs, seed, teacher_ckpt, eval_cfg if eval_config else None)
    cached = load_cached(work, wanted, cached_only)
    if cached is not None:
        return cached
    if cached_only:
        raise StaleRunError(f"{work}: no cached result")
    os.makedirs(work, exist_ok=True)
    cfg_path = osp.join(work, "train_config.py")
    cfg.dump(cfg_path)
    start = time.time()
    _run([sys.executable, osp.join(ROOT, "tools", "train.py"), cfg_path, "--work-dir", work],
         osp.join(work, "train.out"), settings.threads)
    train_seconds = time.time() - start
    ckpt = osp.join(work, f"epoch_{epochs}.pth")
    eval_path = osp.join(work, "test_config.py")
    eval_cfg.dump(eval_path)
    out_dir = osp.join(work, "test")
    show = ["--show-dir", osp.join(out_dir, "show")] if settings.show else []
    _run([sys.executable, osp.join(ROOT, "tools", "test.py"), eval_path, ckpt, "--out-dir", out_dir,
          "--work-dir", osp.join(work, "test_logs")] + show, osp.join(work, "test.out"), settings.threads)
    with open(osp.join(out_dir, "metrics.json")) as f:
        metrics = json.load(f)
    times = iteration_times(work)
    steady = times[min(5, len(times) // 4):] or times
    result = dict(metrics=metrics, seconds_per_iter=statistics.median(steady) if steady else float("nan"),
                  train_seconds=train_seconds, ckpt=ckpt, **gradient_stats(work))
    _write_result(work, result, wanted)
    return result


def _write_result(work: str, result: dict, settings: dict) -> None:
    """``settings.json`` first, then ``result.json`` (the marker of a finished run), each atomically."""
    for name, obj in (("settings.json", settings), ("result.json", result)):
        tmp = osp.join(work, name + ".tmp")
        with open(tmp, "w") as f:
            json.dump(obj, f, indent=2)
        os.replace(tmp, osp.join(work, name))


def run_benchmark(settings: BenchSettings, log=print, runs: Optional[Set[Tuple[str, int]]] = None,
                  cached_only: bool = False) -> dict:
    """Teacher (trained or reused), student per seed, each method per seed; the raw results.

    Args:
        runs: only these ``(name, seed)`` runs (name ``"student"`` or a method); the others are
            taken from the cache when there, else left out. Lets several processes or machines
            share one benchmark's work directory, each with its own runs.
        cached_only: run nothing beyond the teacher's evaluation; report what is cached.
    """
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
        return cached
    os.makedirs(work, exist_ok=True)
    cfg_path = osp.join(work, "test_config.py")
    cfg.dump(cfg_path)
    out_dir = osp.join(work, "test")
    _run([sys.executable, osp.join(ROOT, "tools", "test.py"), cfg_path, ckpt, "--out-dir", out_dir,
          "--work-dir", osp.join(work, "test_logs")], osp.join(work, "test.out"), settings.threads)
    with open(osp.join(out_dir, "metrics.json")) as f:
        result = dict(metrics=json.load(f), seconds_per_iter=float("nan"), train_seconds=0.0, ckpt=ckpt)
    _write_result(work, result, wanted)
    return result
