"""What every benchmark suite repeats, once: the environment a measurement ran in, timing,
markdown tables, the suite's section of ``benchmarks/README.md``, plots and JSON files, and the
``daik`` commands the suites run in processes of their own."""
import datetime
import json
import os
import os.path as osp
import platform
import shlex
import statistics
import subprocess
import sys
import time
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from daik.utils import git_commit, replace_section

__all__ = ["ROOT", "now", "machine", "cpu_name", "load_average", "environment", "median_time", "best_time",
           "interleaved_medians", "steady_median", "scalar_records", "iteration_times", "md_table",
           "write_json", "write_text", "beside", "pyplot", "save_figure", "argv_of", "tool_command",
           "daik_command", "process_env", "run_checked", "run_logged", "git_commit", "replace_section"]

#: the repository checkout this package lives in (configs/, tools/, benchmarks/ are beside it)
ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


# ------------------------------------------------------------------------------ environment
def now() -> str:
    """Local date and time to the minute, as every report shows it."""
    return datetime.datetime.now().strftime("%Y-%m-%d %H:%M")


def machine() -> str:
    """``"<processor>, <n> cpus"``."""
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cpus"


def cpu_name() -> str:
    """The CPU's model name and count (``"AMD EPYC x2"``), or the machine type without /proc."""
    if not osp.exists("/proc/cpuinfo"):
        return platform.machine()
    with open("/proc/cpuinfo") as f:
        cpus = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
    return f"{cpus[0]} x{len(cpus)}" if cpus else platform.machine()


def load_average() -> float:
    """The 1-minute load average (the cores may be shared: reports give it at start and end)."""
    return os.getloadavg()[0]


def environment() -> Dict[str, str]:
    """``{"date", "commit", "machine", "torch"}``: where and on which code a report was measured."""
    import torch

    return dict(date=now(), commit=git_commit(), machine=machine(), torch=torch.__version__)


# ------------------------------------------------------------------------------ timing
def median_time(fn: Callable, repeats: int, sync: Optional[Callable] = None) -> dict:
    """``{"median_s", "runs_s"}`` of ``fn()`` over ``repeats`` calls after one warm-up call;
    ``sync`` (e.g. ``torch.cuda.synchronize``) is called after each."""
    sync = sync or (lambda: None)
    fn()
    sync()
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        sync()
        runs.append(time.perf_counter() - t0)
    return {"median_s": statistics.median(runs), "runs_s": runs}


def best_time(fn: Callable, repeats: int) -> Tuple[float, object]:
    """``(fastest seconds, the last result)`` of ``repeats`` calls of ``fn()``."""
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def interleaved_medians(fns: Dict[str, Callable], repeats: int, warmup: int = 2) -> Dict[str, float]:
    """Median seconds of each ``fns[name]()``, called in turn (one of each per round, so that all
    see the same machine load), after ``warmup`` untimed rounds."""
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    times = {k: [] for k in fns}
    for _ in range(repeats):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t0)
    return {k: statistics.median(v) for k, v in times.items()}


def steady_median(times: List[float], skip: int) -> float:
    """Median of ``times`` after the first ``skip`` (all of them when that leaves none); NaN if empty."""
    steady = times[skip:] or times
    return statistics.median(steady) if steady else float("nan")


def scalar_records(work_dir: str) -> Iterator[dict]:
    """Every record of mmengine's scalar logs (``*/vis_data/scalars.json``) under ``work_dir``."""
    for root, _, files in os.walk(work_dir):
        if "scalars.json" in files and "vis_data" in root:
            with open(osp.join(root, "scalars.json")) as f:
                yield from map(json.loads, f)


def iteration_times(work_dir: str) -> List[float]:
    """Seconds per training iteration (data loading included) from mmengine's scalar log."""
    return [float(r["time"]) for r in scalar_records(work_dir) if "time" in r and "loss" in r]


# ------------------------------------------------------------------------------ reports
def md_table(header: Sequence[str], rows: Iterable[Sequence], align: str, spaced: bool = False) -> List[str]:
    """The lines of a markdown table.

    Args:
        header: column titles.
        rows: cells (``str()`` of each).
        align: ``"l"`` or ``"r"`` per column (``---`` / ``---:``).
        spaced: ``| --- | ---: |`` rather than ``|---|---:|``.
    """
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(header) + " |",
             "| " + " | ".join(rule) + " |" if spaced else "|" + "|".join(rule) + "|"]
    return lines + ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]


def write_json(path: str, obj, indent: int = 2) -> None:
    """``obj`` as JSON at ``path`` (folders made), ending with a newline."""
    write_text(path, json.dumps(obj, indent=indent) + "\n")


def write_text(path: str, text: str) -> None:
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def beside(path: str, ext: str) -> str:
    """``path`` with its extension replaced by ``ext`` (``beside("a/kd.json", ".md")``)."""
    return osp.splitext(path)[0] + ext


def pyplot():
    """``matplotlib.pyplot`` on the Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, path: str, dpi: int = 110) -> None:
    """Lay out, write and close ``fig``."""
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    pyplot().close(fig)


# ------------------------------------------------------------------------------ commands
def argv_of(argv: Optional[Sequence[str]]) -> List[str]:
    """The suite's own arguments: ``argv``, or the command line's when called as a script."""
    return list(sys.argv[1:] if argv is None else argv)


def tool_command(tool: str, argv: Sequence[str]) -> str:
    """How a report names the command that made it: ``python tools/<tool> ARGS``."""
    return shlex.join(["python", f"tools/{tool}", *argv])


def daik_command(*args) -> List[str]:
    """``daik ARGS`` run by this interpreter (``python -m daik``; run by :func:`run_logged` or
    :func:`run_checked`, it is this checkout's daik)."""
    return [sys.executable, "-m", "daik", *map(str, args)]


def process_env(threads: Optional[int] = None) -> Dict[str, str]:
    """This environment with this checkout first on ``PYTHONPATH`` and, given ``threads``, the
    OpenMP / MKL thread counts set."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (ROOT, os.environ.get("PYTHONPATH")) if p))
    if threads:
        env.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    return env


def run_checked(cmd: List[str], threads: Optional[int] = None, capture: bool = False) -> subprocess.CompletedProcess:
    """Run ``cmd`` from the repository root (paths in it must be absolute) with
    :func:`process_env`; ``capture``: its standard output is returned as text.

    Raises:
        subprocess.CalledProcessError: it failed.
    """
    return subprocess.run(cmd, env=process_env(threads), cwd=ROOT, check=True, text=True,
                          stdout=subprocess.PIPE if capture else None)


def run_logged(cmd: List[str], log_path: str, threads: int) -> None:
    """Run ``cmd`` from the repository root, its output appended to ``log_path``.

    Raises:
        RuntimeError: it failed (the message names the log).
    """
    with open(log_path, "a") as log:
        proc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, env=process_env(threads), cwd=ROOT)
    if proc.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed (exit {proc.returncode}); see {log_path}")
