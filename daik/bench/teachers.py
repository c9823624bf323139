"""Held-out accuracy of trained teachers, side by side: a table, a plot of mAP per epoch.

    python tools/report_teachers.py work_dirs/demo_teacher_n work_dirs/demo_teacher_s \
        work_dirs/demo_teacher_m_12e [--out benchmarks/teachers.json]

(``python -m daik.bench.teachers`` does the same.)

Reads what ``daik train`` left in each work dir - the dumped config (model size, epochs,
validation interval), ``curves.json`` (every validation's metrics) and the run's log (wall time
from its first to its last line) - and trains nothing. Writes the JSON, a plot beside it and the
``teachers`` section of ``benchmarks/README.md``.
"""
import argparse
import datetime
import glob
import json
import os.path as osp

from daik.bench.common import ROOT, beside, git_commit, md_table, now, pyplot, replace_section, save_figure, write_json

SIZES = {0.25: "n", 0.5: "s", 0.75: "m", 1.0: "l"}  # YOLOv6 width multipliers


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("runs", nargs="+", help="work dirs of finished (or stopped) daik train runs")
    p.add_argument("--out", default=osp.join(ROOT, "benchmarks", "teachers.json"))
    p.add_argument("--readme", default=osp.join(ROOT, "benchmarks", "README.md"))
    return p.parse_args(argv)


def _log_span_minutes(work_dir: str) -> float:
    """Minutes between the first and the last timestamped line of the run's newest log."""
    logs = sorted(glob.glob(osp.join(work_dir, "*", "*.log")))
    if not logs:
        return float("nan")
    stamps = []
    with open(logs[-1]) as f:
        for line in f:
            try:
                stamps.append(datetime.datetime.strptime(line[:19], "%Y/%m/%d %H:%M:%S"))
            except ValueError:
                continue
    return (stamps[-1] - stamps[0]).total_seconds() / 60 if len(stamps) > 1 else float("nan")


def read_run(work_dir: str) -> dict:
    """One run's figures (see the module docstring).

    Raises:
        FileNotFoundError: no dumped config or no ``curves.json`` in ``work_dir``.
    """
    from mmengine.config import Config

    configs = [p for p in glob.glob(osp.join(work_dir, "*.py"))]
    curves_path = osp.join(work_dir, "curves.json")
    if len(configs) != 1 or not osp.isfile(curves_path):
        raise FileNotFoundError(f"{work_dir}: expected one dumped config (*.py) and curves.json from daik train.py")
    cfg = Config.fromfile(configs[0])
    with open(curves_path) as f:
        metrics = json.load(f)["metrics"]
    interval = int(cfg.train_cfg.get("val_interval", 1))
    map50 = [v for _, v in metrics.get("dota/mAP", [])]
    map5095 = [v for _, v in metrics.get("dota/mAP50:95", [])]
    if not map50:
        raise ValueError(f"{curves_path}: no dota/mAP validation recorded")
    return {
        "work_dir": osp.relpath(osp.abspath(work_dir), ROOT), "config": osp.basename(configs[0]),
        "size": SIZES.get(float(cfg.model.backbone.widen_factor), "?"), "epochs": int(cfg.train_cfg.max_epochs),
        "val_epochs": [interval * (k + 1) for k in range(len(map50))], "map50": map50, "map50_95": map5095,
        "final_map50": map50[-1], "final_map50_95": map5095[-1] if map5095 else float("nan"),
        "wall_minutes": _log_span_minutes(work_dir),
    }


def markdown(report: dict) -> str:
    """The ``teachers`` section of benchmarks/README.md."""
    runs = report["runs"]
    lines = ["## Teachers (`tools/report_teachers.py`)", "",
             f"`python tools/report_teachers.py {' '.join(r['work_dir'] for r in runs)}`, {report['date']}, "
             f"commit `{report['commit']}`: held-out mAP (200 validation scenes, DOTA Task1 rules) of each run's "
             "last validation; wall time from the first to the last line of the run's log (runs that shared "
             "the cores or were paused read slower than they are).", ""]
    rows = [[f"`{r['config']}`", r["size"], r["epochs"], f"{100 * r['final_map50']:.1f}",
             f"{100 * r['final_map50_95']:.1f}",
             ", ".join(f"{e}: {100 * v:.1f}" for e, v in zip(r["val_epochs"], r["map50"])),
             f"{r['wall_minutes']:.0f} min"] for r in runs]
    lines += md_table(["run", "model", "epochs", "mAP50", "mAP50:95", "mAP50 at each validation", "wall time"], rows,
                      "llrrrlr")
    lines += ["", f"![teachers]({osp.basename(report['plot'])})", ""]
    return "\n".join(lines)


def plot(report: dict, path: str) -> None:
    """Held-out mAP50 at each validation, one line per run."""
    fig, ax = pyplot().subplots(figsize=(6, 3.6))
    for r in report["runs"]:
        ax.plot(r["val_epochs"], [100 * v for v in r["map50"]], marker="o",
                label=f"{r['size']} ({r['epochs']} epochs)")
    ax.set_xlabel("epoch")
    ax.set_ylabel("held-out mAP50")
    ax.grid(alpha=0.3)
    ax.legend()
    save_figure(fig, path)


def main(argv=None) -> dict:
    args = parse_args(argv)
    report = {"date": now(), "commit": git_commit(), "runs": [read_run(w) for w in args.runs],
              "plot": beside(args.out, ".png")}
    write_json(args.out, report)
    plot(report, report["plot"])
    replace_section(args.readme, "teachers", markdown(report))
    print(markdown(report))
    return report


if __name__ == "__main__":
    main()
