"""The KD benchmark's run cache: what made a run (:func:`run_settings`), reuse only of an exact
match (:func:`load_cached`), atomic result files, the gradient statistics of a finished run, and
the run record kept in the repository (:func:`record_run`, :func:`restore_records`)."""
import hashlib
import json
import os
import os.path as osp
import platform
import statistics
from typing import Dict, List, Optional, Tuple

from daik.bench.common import ROOT, git_commit, scalar_records
from daik.engine.config import config_digest
from daik.engine.runner import load_config


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


def run_settings(settings, cfg, epochs: int, seed: int, teacher_ckpt: Optional[str],
                 eval_cfg=None) -> dict:
    """What made (or would make) one run. ``config_sha256`` is the digest of what the resolved
    training config runs (:func:`daik.engine.config.config_digest`: model, teacher paths, data
    roots, schedule, seed, hooks; not how its files are laid out; paths under the repository
    relative to it, so two checkouts of one commit share a cache); the teacher checkpoint and the
    data folder are hashed by content / file list, so a re-trained teacher or a regenerated data
    set under the same path is not mistaken for the old one; a data folder under the repository is
    named relative to it. ``commit`` and ``machine`` are recorded, not matched: a commit that changes
    none of these (documentation, another method) keeps the cache, and :func:`machine` says where a
    run was made (the same run is bit-identical on one machine; on another CPU it moves as far as
    another seed does)."""
    out = dict(config_sha256=config_digest(cfg, ROOT), data=_repo_relative(settings.data),
               data_sha256=_fingerprint(settings.data), epochs=int(epochs), seed=int(seed),
               img_scale=int(settings.img_scale), batch_size=int(settings.batch_size),
               threads=int(settings.threads), device=settings.device,
               teacher_ckpt_sha256=_ckpt_hash(teacher_ckpt) if teacher_ckpt else None,
               eval_config_sha256=config_digest(eval_cfg, ROOT) if eval_cfg is not None else None,
               commit=git_commit(ROOT), machine=machine(settings.device))
    return out


def _repo_relative(path: str) -> str:
    """``path`` relative to the repository when it lies under it, else absolute."""
    path = osp.abspath(path)
    rel = osp.relpath(path, ROOT)
    return path if rel == ".." or rel.startswith(".." + os.sep) else rel


def machine(device: str = "cpu") -> str:
    """The processor a run's numbers came from: the CPU's model and the vector instructions torch
    uses on it (or the GPU's name), and torch's version."""
    import torch

    if device == "cuda" and torch.cuda.is_available():
        name = torch.cuda.get_device_name(0)
    else:
        name = platform.processor() or platform.machine()
        try:
            with open("/proc/cpuinfo") as f:
                name = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), name)
        except OSError:
            pass
        name = f"{name} ({torch.backends.cpu.get_cpu_capability()})"
    return f"{name}, torch {torch.__version__}"


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
    """Names of the matched settings that differ (all of them when nothing was recorded); a data
    folder recorded as an absolute path under this repository matches its relative name."""
    if not cached:
        return ["(no settings.json: made before runs recorded their settings)"]
    cached = dict(cached, data=_repo_relative(cached["data"]) if cached.get("data") else cached.get("data"))
    return [k for k in MATCHED_SETTINGS if cached.get(k) != wanted.get(k)]


def _rebased(result: dict, work: str) -> dict:
    """``result`` with its checkpoint in ``work``: a run directory moved or copied since it ran (a
    method renamed, one cache shared by two checkouts) still reads its own checkpoint and logs,
    never those of whatever now lies at the recorded path."""
    ckpt = result.get("ckpt")
    if ckpt and osp.dirname(osp.abspath(ckpt)) != osp.abspath(work):
        result["ckpt"] = osp.join(osp.abspath(work), osp.basename(ckpt))
    return result


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
        return _rebased(result, work)
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


def gradient_stats(work_dir: str) -> dict:
    """From one run's logs: ``clip_rate`` (share of iterations whose pre-clip gradient norm, as
    mmengine logs it, exceeded the config's ``clip_grad.max_norm``), ``grad_norm_median`` and
    ``step0_grad`` (each loss's gradient norm on the student at the first iteration, recorded by
    ``KDDiagnosticsHook``; empty for a run without it)."""
    cfg_path = osp.join(work_dir, "train_config.py")
    clip = (load_config(cfg_path).get("optim_wrapper", {}).get("clip_grad") or {}) if osp.isfile(cfg_path) else {}
    max_norm = clip.get("max_norm")
    norms = [float(r["grad_norm"]) for r in scalar_records(work_dir) if "grad_norm" in r and "loss" in r]
    step0 = {}
    diag = osp.join(work_dir, "kd_diagnostics.json")
    if osp.isfile(diag):
        with open(diag) as f:
            first = (json.load(f) or [{}])[0]
        step0 = {k[len("grad_"):]: v for k, v in first.items() if k.startswith("grad_")} if first.get("iter") == 1 else {}
    return dict(clip_rate=statistics.fmean(n > max_norm for n in norms) if norms and max_norm else float("nan"),
                grad_norm_median=statistics.median(norms) if norms else float("nan"), step0_grad=step0)


def write_result(work: str, result: dict, settings: dict) -> None:
    """``settings.json`` first, then ``result.json`` (the marker of a finished run), each atomically."""
    for name, obj in (("settings.json", settings), ("result.json", result)):
        tmp = osp.join(work, name + ".tmp")
        with open(tmp, "w") as f:
            json.dump(obj, f, indent=2)
        os.replace(tmp, osp.join(work, name))


#: stands for the repository's path in a recorded run's settings (they name the data folder by path)
_ROOT_MARK = "{{DAIK_ROOT}}/"


def _read_json(path: str):
    with open(path) as f:
        return json.load(f)


def _rerooted(obj: dict, old: str, new: str) -> dict:
    """``obj`` with ``old`` replaced by ``new`` in every string (the repository's path and its mark)."""
    return json.loads(json.dumps(obj, ensure_ascii=False).replace(old, new))


def record_run(work: str, record: str) -> None:
    """Copy a finished run's settings and result from ``work`` to ``record`` (a folder in the
    repository; :func:`write_result`, so the result lands last): the settings with the
    repository's path written as a mark that :func:`restore_records` turns back into the path of
    the clone it restores into, the result with its held-out curve (read from the scalar logs,
    which stay behind) and its checkpoint named by file only (a restored run points into its own
    directory). The training config is not kept: it is made again from the settings."""
    result = _read_json(osp.join(work, "result.json"))
    if result.get("ckpt"):
        result["ckpt"] = osp.basename(result["ckpt"])
    result.setdefault("curve", {str(int(r["step"])): float(r["dota/mAP"])
                                for r in scalar_records(work) if "dota/mAP" in r})
    os.makedirs(record, exist_ok=True)
    write_result(record, result, _rerooted(_read_json(osp.join(work, "settings.json")), ROOT + os.sep, _ROOT_MARK))


def restore_records(record_root: str, work_root: str) -> List[str]:
    """Copy every recorded run under ``record_root`` whose run directory under ``work_root`` has
    no result yet (a fresh clone, a cleaned work directory) into it, so the cache reads it as its
    own: matched against the wanted settings like any cached run, never over a run that is there.
    Returns the restored runs' directories (relative)."""
    restored = []
    if not osp.isdir(record_root):
        return restored
    for root, _, files in sorted(os.walk(record_root)):
        if "result.json" not in files:
            continue
        rel = osp.relpath(root, record_root)
        work = osp.join(work_root, rel)
        if osp.isfile(osp.join(work, "result.json")):
            continue
        os.makedirs(work, exist_ok=True)
        settings = _rerooted(_read_json(osp.join(root, "settings.json")), _ROOT_MARK, ROOT + os.sep)
        write_result(work, _read_json(osp.join(root, "result.json")), settings)
        restored.append(rel)
    return restored
