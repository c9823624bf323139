"""Parameter and FLOP counts of the model family (what ``daik info`` prints).

FLOPs are counted by :class:`torch.utils.flop_counter.FlopCounterMode` (one multiply-add = 2
FLOPs, convolutions and matrix products only) on the ``meta`` device, so even the large
models at 1024 x 1024 cost no real compute. Counts are of the deployed form (RepVGG blocks and
batch norms folded), which is how YOLOv6 reports its models.
"""
import copy
import os
from typing import Dict, List, Optional

import torch
import torch.nn as nn
from mmengine.config import Config
from torch.utils.flop_counter import FlopCounterMode

from daik.registry import MODELS

from .layers import reparameterize

# YOLOv6 v3.0 (release 0.3.0 README, COCO, 640 x 640, deployed models).
YOLOV6_V3_PUBLISHED = {"n": (4.7, 11.4), "s": (18.5, 45.3), "m": (34.9, 85.8), "l": (59.6, 150.7)}
YOLOV6_V3_HORIZONTAL_REG_MAX = {"n": 0, "s": 0, "m": 16, "l": 16}
CONFIG_PATTERN = os.path.join("configs", "_base_", "models", "rotated_yolo_{}.py")


class HorizontalYOLOv6(nn.Module):
    """YOLOv6 v3.0's horizontal detector: the same backbone and neck as a rotated config with
    the release's head (:class:`EffiDeHead`, 80 COCO classes)."""

    def __init__(self, model_cfg, reg_max: int, num_classes: int = 80):
        super().__init__()
        self.backbone = MODELS.build(copy.deepcopy(model_cfg["backbone"]))
        self.neck = MODELS.build(copy.deepcopy(model_cfg["neck"]))
        head = model_cfg["head"]
        self.head = MODELS.build(dict(type="EffiDeHead", num_classes=num_classes, in_channels=head["in_channels"],
                                      widen_factor=head["widen_factor"], reg_max=reg_max))

    def forward(self, x):
        return self.head(self.neck(self.backbone(x)))


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def count_flops(model: nn.Module, img_size: int) -> int:
    """FLOPs of one forward of a ``(1, 3, img_size, img_size)`` image (tensor mode)."""
    device = next(model.parameters()).device
    x = torch.zeros(1, 3, img_size, img_size, device=device)
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        model(x, mode="tensor") if hasattr(model, "data_preprocessor") else model(x)
    return counter.get_total_flops()


def _build(kind: str, model_cfg, size: str, device: str) -> nn.Module:
    with torch.device(device):
        if kind == "rotated":
            return MODELS.build(copy.deepcopy(model_cfg))
        return HorizontalYOLOv6(model_cfg, YOLOV6_V3_HORIZONTAL_REG_MAX[size])


def family_info(sizes=("n", "s", "m", "l"), img_sizes=(640, 1024), num_classes: Optional[int] = None,
                root: str = ".", device: str = "meta") -> List[Dict]:
    """One row per (size, rotated/horizontal): params (training and deployed form), FLOPs per
    image size, and the published YOLOv6 v3.0 figures."""
    rows = []
    for size in sizes:
        cfg = Config.fromfile(os.path.join(root, CONFIG_PATTERN.format(size)))
        if num_classes is not None:
            cfg.model.head.num_classes = num_classes
        for kind in ("horizontal", "rotated"):
            model = _build(kind, cfg.model, size, device).eval()
            train_params = count_params(model)
            reparameterize(model)
            row = dict(size=size, kind=kind, train_params_m=train_params / 1e6,
                       params_m=count_params(model) / 1e6,
                       num_classes=80 if kind == "horizontal" else cfg.model.head.num_classes)
            for s in img_sizes:
                row[f"gflops_{s}"] = count_flops(model, s) / 1e9
            if kind == "horizontal":
                row["published_params_m"], row["published_gflops_640"] = YOLOV6_V3_PUBLISHED[size]
            rows.append(row)
    return rows


def format_table(rows: List[Dict], img_sizes=(640, 1024)) -> str:
    """A markdown table of :func:`family_info` rows."""
    head = ["model", "classes", "params M (train)", "params M (deploy)"] + [f"GFLOPs @{s}" for s in img_sizes]
    head += ["YOLOv6 v3.0 params M", "YOLOv6 v3.0 GFLOPs @640"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        pub_p, pub_f = r.get("published_params_m"), r.get("published_gflops_640")
        cells = [f"YOLOv6-R-{r['size']} ({r['kind']})", str(r["num_classes"]), f"{r['train_params_m']:.2f}",
                 f"{r['params_m']:.2f}"] + [f"{r[f'gflops_{s}']:.1f}" for s in img_sizes]
        cells += [f"{pub_p}" if pub_p else "", f"{pub_f}" if pub_f else ""]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
