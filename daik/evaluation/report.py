"""Human-facing views of a :class:`~daik.evaluation.rbbox_map.MapResult`: a per-class AP table
(markdown or rich) and precision/recall curves as a PNG."""
import math
from pathlib import Path
from typing import List, Optional, Sequence

from .rbbox_map import MapResult, range_label


def _rows(main: MapResult, coco: Optional[MapResult]) -> List[List[str]]:
    rows = []
    for k, c in enumerate(main.classes):
        row = [c.name, str(c.npos), str(c.ndet), f"{100 * c.ap[0]:.2f}"]
        if coco is not None:
            row.append(f"{100 * sum(coco.classes[k].ap) / len(coco.iou_thrs):.2f}")
        rows.append(row)
    total = ["mAP", str(sum(c.npos for c in main.classes)), str(sum(c.ndet for c in main.classes)),
             f"{100 * main.mean_ap():.2f}"]
    if coco is not None:
        total.append(f"{100 * coco.mean_ap_over_thrs():.2f}")
    rows.append(total)
    return rows


def _header(main: MapResult, coco: Optional[MapResult]) -> List[str]:
    head = ["class", "gts", "dets", f"AP{range_label(main.iou_thrs[:1])} ({main.ap_form})"]
    if coco is not None:
        head.append(f"AP{range_label(coco.iou_thrs)} ({coco.ap_form})")
    return head


def ap_table_markdown(main: MapResult, coco: Optional[MapResult] = None) -> str:
    """Markdown table: class, non-difficult GT count, detections, AP (in %) and optionally
    the AP averaged over ``coco``'s thresholds; last row the means."""
    head = _header(main, coco)
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in _rows(main, coco)]
    return "\n".join(lines)


def ap_table_rich(main: MapResult, coco: Optional[MapResult] = None):
    """The same table as a ``rich.table.Table``."""
    from rich.table import Table

    table = Table(title="DOTA Task1 evaluation")
    for i, h in enumerate(_header(main, coco)):
        table.add_column(h, justify="left" if i == 0 else "right")
    rows = _rows(main, coco)
    for i, r in enumerate(rows):
        table.add_row(*r, end_section=i == len(rows) - 2)
    return table


def plot_pr_curves(result: MapResult, path, thr_index: int = 0, classes: Optional[Sequence[str]] = None) -> Path:
    """Precision/recall curves, one panel per class, written as a PNG (matplotlib, Agg).

    Args:
        result: evaluation with curves.
        path: output ``.png``.
        thr_index: which IoU threshold's curves.
        classes: subset of class names (default all).

    Returns:
        The PNG path.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    picked = [c for c in result.classes if classes is None or c.name in classes]
    cols = min(5, max(1, len(picked)))
    rows = math.ceil(len(picked) / cols)
    fig = Figure(figsize=(3.2 * cols, 3.0 * rows))
    FigureCanvasAgg(fig)  # Agg, whatever pyplot's backend is
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax in axes.flat[len(picked):]:
        ax.axis("off")
    thr = result.iou_thrs[thr_index]
    for ax, c in zip(axes.flat, picked):
        rec, prec = c.recall[thr_index], c.precision[thr_index]
        if len(rec):
            ax.plot(rec, prec, lw=1.2)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.02)
        ax.set_title(f"{c.name}\nAP={100 * c.ap[thr_index]:.1f} (gts {c.npos})", fontsize=8)
        ax.set_xlabel("recall", fontsize=7)
        ax.set_ylabel("precision", fontsize=7)
        ax.tick_params(labelsize=6)
        ax.grid(alpha=0.3)
    fig.suptitle(f"Precision/recall at IoU > {thr:g}, mAP={100 * result.mean_ap(thr_index):.2f}", fontsize=10)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    return path
