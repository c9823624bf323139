"""Training curves (every loss term and every validation metric) saved as PNG + JSON."""
import json
import os.path as osp
from collections import defaultdict
from typing import Dict, List, Optional

from mmengine.dist import master_only
from mmengine.hooks import Hook

from daik.registry import HOOKS


def plot_curves(losses: Dict[str, List[List[float]]], metrics: Dict[str, List[List[float]]], path: str) -> None:
    """Draw loss terms (left, log scale) and metrics (right) against iterations.

    Args:
        losses: ``{name: [[iter, value], ...]}``.
        metrics: ``{name: [[iter, value], ...]}``.
        path: PNG file to write.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    for name, pts in sorted(losses.items()):
        if pts:
            xs, ys = zip(*pts)
            axes[0].plot(xs, ys, label=name, linewidth=1)
    axes[0].set(xlabel="iteration", ylabel="loss", title="training losses")
    if any(v > 0 for pts in losses.values() for _, v in pts):
        axes[0].set_yscale("log")
    for name, pts in sorted(metrics.items()):
        if pts:
            xs, ys = zip(*pts)
            axes[1].plot(xs, ys, marker="o", label=name)
    axes[1].set(xlabel="iteration", ylabel="metric", title="validation")
    for ax in axes:
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


@HOOKS.register_module()
class TrainingCurveHook(Hook):
    """Keep every ``loss*`` term per iteration and every scalar validation metric, and write
    ``curves.json`` + ``curves.png`` into the work dir after each validation and at the end.

    Args:
        interval: record a loss point every ``interval`` iterations.
        out_name: file stem inside ``runner.work_dir``.
    """

    priority = "VERY_LOW"

    def __init__(self, interval: int = 1, out_name: str = "curves"):
        self.interval = interval
        self.out_name = out_name
        self.losses = defaultdict(list)
        self.metrics = defaultdict(list)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs: Optional[dict] = None) -> None:
        if outputs is None or (runner.iter + 1) % self.interval:
            return
        for name, value in outputs.items():
            if "loss" in name:
                self.losses[name].append([runner.iter + 1, float(value.detach() if hasattr(value, "detach") else value)])

    def after_val_epoch(self, runner, metrics: Optional[Dict[str, float]] = None) -> None:
        for name, value in (metrics or {}).items():
            if isinstance(value, (int, float)):
                self.metrics[name].append([runner.iter, float(value)])
        self._write(runner)

    def after_train(self, runner) -> None:
        self._write(runner)

    @master_only
    def _write(self, runner) -> None:
        stem = osp.join(runner.work_dir, self.out_name)
        with open(stem + ".json", "w") as f:
            json.dump({"losses": self.losses, "metrics": self.metrics}, f)
        plot_curves(self.losses, self.metrics, stem + ".png")
