"""Where detectors' oriented boxes miss, side by side: recall, IoU, angle, centre and side errors per class.

    # a teacher and its distilled student (Task1 folders written by daik test) on the same labels
    daik errors data/synthetic_quick/val/labelTxt work_dirs/teacher/test/Task1 \\
        work_dirs/student/test/Task1 --names teacher student --out-dir work_dirs/errors

For each ground truth the detection of its class (any score) with the largest polygon IoU is its
closest (folders given the same name are pooled: one method's seeds count as one detector); the
table gives, per class and detector, recall at IoU 0.3 / 0.5 of the closest
detections and, over the ground truths something overlaps, the median IoU, angle error (long
sides, degrees, over ground truths of aspect ratio 1.2 or more; and its 75th percentile), centre error (pixels), and long / short side over the
ground truth's (:mod:`daik.evaluation.errors`). Writes errors.md, errors.json and errors.png (the
angle error's distribution per class, one line per detector).
"""
import argparse
import json
import math
import os
import sys
from typing import Dict, List, Sequence

import numpy as np

from daik.evaluation.errors import match_errors, summarise

COLUMNS = (("n", "GT", "{:.0f}"), ("recall@0.3", "R@0.3", "{:.2f}"), ("recall@0.5", "R@0.5", "{:.2f}"),
           ("iou", "IoU", "{:.2f}"), ("angle", "angle", "{:.1f}"), ("angle_p75", "angle p75", "{:.1f}"),
           ("centre", "centre px", "{:.1f}"), ("long", "long", "{:.2f}"), ("short", "short", "{:.2f}"),
           ("aspect", "GT aspect", "{:.1f}"))


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="daik errors", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("ann_dir", help="DOTA labelTxt folder")
    p.add_argument("det_dirs", nargs="+", help="folders of Task1_<class>.txt files, one per detector")
    p.add_argument("--names", nargs="+", help="a name per folder (default: the folder); folders that share a name "
                                              "are pooled, e.g. the seeds of one method")
    p.add_argument("--classes", nargs="+", help="classes (default: those with Task1 files in the first folder)")
    p.add_argument("--out-dir", default="work_dirs/errors")
    args = p.parse_args(argv)
    if args.names and len(args.names) != len(args.det_dirs):
        p.error(f"--names gives {len(args.names)} names for {len(args.det_dirs)} folders")
    return args


def table_markdown(summaries: Dict[str, Dict[str, Dict[str, float]]], classes: Sequence[str]) -> str:
    """Rows (class, detector), columns :data:`COLUMNS`; empty cells where undefined."""
    lines = ["| class | detector | " + " | ".join(c[1] for c in COLUMNS) + " |",
             "| --- | --- | " + " | ".join("---:" for _ in COLUMNS) + " |"]
    for cls in classes:
        for name, summary in summaries.items():
            row = summary[cls]
            cells = ["" if math.isnan(row[k]) else fmt.format(row[k]) for k, _, fmt in COLUMNS]
            lines.append(f"| {cls} | {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def plot_angle_errors(errors: Dict[str, Dict[str, Dict[str, np.ndarray]]], classes: Sequence[str], path: str) -> None:
    """Cumulative share of each class's overlapped ground truths by angle error, one line per detector
    (those of aspect ratio below 1.2 left out, as in the table; a class of none has an empty panel)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    cols = min(4, len(classes))
    rows = math.ceil(len(classes) / cols)
    fig = Figure(figsize=(3.2 * cols, 2.6 * rows))
    FigureCanvasAgg(fig)
    for i, cls in enumerate(classes):
        ax = fig.add_subplot(rows, cols, i + 1)
        drawn = 0
        for name, per_class in errors.items():
            e = per_class[cls]
            a = np.sort(e["angle"][(e["iou"] > 0) & (e["aspect"] >= 1.2)])
            if len(a):
                ax.plot(a, np.arange(1, len(a) + 1) / len(a), label=name)
                drawn += 1
        if not drawn:
            ax.text(45, 0.5, "no direction\n(aspect < 1.2)", ha="center", va="center", fontsize=8, color="0.4")
        ax.set_title(cls, fontsize=9)
        ax.set_xlim(0, 90)
        ax.set_ylim(0, 1)
        ax.set_xlabel("angle error (deg)", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
        if i == 0:
            ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv=None) -> Dict[str, Dict[str, Dict[str, float]]]:
    args = parse_args(argv)
    names: List[str] = args.names or [os.path.normpath(d) for d in args.det_dirs]
    errors, classes = {}, args.classes
    try:
        for name, det_dir in zip(names, args.det_dirs):
            found = match_errors(det_dir, args.ann_dir, classes)
            classes = classes or list(found)
            if name in errors:  # folders sharing a name pool their ground truths (e.g. one method's seeds)
                found = {c: {k: np.concatenate([errors[name][c][k], v]) for k, v in found[c].items()} for c in classes}
            errors[name] = found
    except (FileNotFoundError, ValueError) as e:
        raise SystemExit(f"error: {e}") from None
    summaries = {name: summarise(e) for name, e in errors.items()}
    os.makedirs(args.out_dir, exist_ok=True)
    md = table_markdown(summaries, classes)
    with open(os.path.join(args.out_dir, "errors.md"), "w") as f:
        made_by = " ".join(["daik errors", *(argv if argv is not None else sys.argv[1:])])
        f.write(f"# Closest-detection errors\n\nMade by `{made_by}`.\n\n{md}\n![angle errors](errors.png)\n")
    with open(os.path.join(args.out_dir, "errors.json"), "w") as f:
        folders = {name: [d for n, d in zip(names, args.det_dirs) if n == name] for name in errors}
        json.dump({"ann_dir": args.ann_dir, "detectors": folders, "summary": summaries},
                  f, indent=1, allow_nan=True)
    plot_angle_errors(errors, classes, os.path.join(args.out_dir, "errors.png"))
    print(md, end="")
    print(f"written: {args.out_dir}/errors.md, errors.json, errors.png")
    return summaries
