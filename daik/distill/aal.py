"""AAL of DAIK: the angle-aware task-aligned assignment.

As DAIK's authors build it (their YOLOv6-R code: the task-aligned assigner with the lookup table,
and the "mutual" assigner beside it), the assignment metric of every (ground truth, point)
candidate gains a third factor::

    t = s^alpha * IoU^beta * LUT(AR_gt, |theta_pred - theta_gt|)^gamma,   gamma = 3

with ``LUT`` the rotated IoU of a box of the ground truth's aspect ratio with itself turned by
the angle error (:class:`daik.models.task_modules.AngleIoUTable`): a 90 degree error costs an
elongated ship nearly everything and a square storage tank nothing. A point whose predicted
direction is wrong loses the top-k, and its soft target (the normalised metric) falls with
the factor: that is how AAL re-weights the classification, box and angle losses - there is no
separate loss weight. ``alpha`` and ``beta`` stay the student assigner's (daik: 1 and 6; the
authors' later code uses beta 4).

Deviations from the authors' code, each a knob: the table is read by bilinear interpolation on a
601 x 361 grid (AR step 0.01, 0.5 degree) instead of the nearest node of 400 x 400, so the closed
forms (1/sqrt(2) for a square at 45 degrees, 1/5 for a 3:1 box at 90) are hit exactly; the
angle error is taken modulo 180 degrees (their index overflows the table at exactly 180); the
predicted angle is the CSL decode daik's head uses.

:class:`AALSinReweighting` keeps the earlier ``|sin(V(AR) * dtheta)|`` table as an ablation
only: it calls a 90 degree error on an elongated box perfectly aligned.
"""
from typing import Dict, Optional, Sequence

import torch

from daik.models.task_modules import AngleIoUTable, aspect_ratio
from daik.registry import MODELS

from .component import KDComponent
from .context import KDContext


@MODELS.register_module()
class AALAssignment(KDComponent):
    """AAL as the authors build it (see the module docstring).

    Args:
        gamma: exponent of the LUT factor in the assignment metric.
        ar_range: the table's aspect-ratio range (clamped outside).
        num_ar, num_theta: the table's grid.
    """

    def __init__(self, gamma: float = 3.0, ar_range=(1.0, 7.0), num_ar: int = 601, num_theta: int = 361):
        super().__init__(loss_weight=1.0)
        if gamma < 0:
            raise ValueError(f"gamma must be >= 0, got {gamma}")
        self.gamma = float(gamma)
        self.table = AngleIoUTable(ar_range, num_ar, num_theta)

    def lut(self, angles: torch.Tensor, gt_boxes: torch.Tensor) -> torch.Tensor:
        """``(K,)`` LUT of predicted ``angles (K,)`` against ``gt_boxes (K, 5)``."""
        return self.table(aspect_ratio(gt_boxes.float()), angles.float() - gt_boxes[:, 4].float())

    def metric_factor(self, ctx: KDContext, preds=None):
        """``LUT^gamma`` of the predictions' angles (``preds``: the student's by default)."""
        if self.gamma == 0:
            return None
        angles, boxes = (preds or ctx.s_dec).angles.detach(), ctx.gt.boxes

        def factor(bi, mi, ni):
            return self.lut(angles[bi, ni], boxes[bi, mi]).pow(self.gamma)
        return factor

    def forward(self, ctx: KDContext) -> Dict[str, torch.Tensor]:
        """Logs the mean LUT of the student's positives (``aal_lut``; not a loss)."""
        fg = ctx.assign.fg_mask
        w = self.lut(ctx.s_dec.angles.detach()[fg], ctx.assign.boxes[fg])
        return {"aal_lut": w.mean() if w.numel() else w.new_zeros(())}


class SinTable:
    """The earlier table ``W = |sin(V(AR) * dtheta)|``, ``V = 2`` for ``AR > ratio_thr`` else 1
    (an ablation: it is 0, "aligned", for an elongated box turned by 90 degrees)."""

    def __init__(self, ratio_thr: float = 1.5, discrete: bool = True):
        if ratio_thr < 1:
            raise ValueError(f"ratio_thr compares w / h >= 1 and must be >= 1, got {ratio_thr}")
        self.ratio_thr, self.discrete = float(ratio_thr), bool(discrete)
        deg = torch.arange(180, dtype=torch.float64)
        self.table = torch.stack([torch.sin(v * torch.deg2rad(deg)).abs() for v in (1.0, 2.0)])  # (2, 180)

    def __call__(self, delta_theta: torch.Tensor, ratio: torch.Tensor) -> torch.Tensor:
        v = (ratio > self.ratio_thr).long() + 1
        if not self.discrete:
            return torch.sin(v.to(delta_theta.dtype) * delta_theta).abs()
        deg = torch.remainder(torch.round(torch.rad2deg(delta_theta.double())), 180).long()
        return self.table.to(delta_theta.device)[v - 1, deg].to(delta_theta.dtype)


@MODELS.register_module()
class AALSinReweighting(KDComponent):
    """Ablation: the sin table in the metric (``1 + metric_coef * W``) and as loss weights of the
    positives (``1 + loss_coef * W``), daik's earlier reading of AAL.

    Args:
        ratio_thr, discrete: of :class:`SinTable`.
        metric_coef: metric factor ``max(0, 1 + metric_coef * W)`` (0 switches it off).
        loss_coef: loss weight ``1 + loss_coef * W`` at positives (0 switches it off).
        losses: which of the student's losses are re-weighted.
    """

    def __init__(self, ratio_thr: float = 1.5, discrete: bool = True, metric_coef: float = -0.5,
                 loss_coef: float = 1.0, losses: Sequence[str] = ("cls", "bbox", "angle")):
        super().__init__(loss_weight=1.0)
        unknown = set(losses) - {"cls", "bbox", "dfl", "angle"}
        if unknown:
            raise ValueError(f"AAL can weight cls, bbox, dfl, angle; got {sorted(unknown)}")
        self.table = SinTable(ratio_thr, discrete)
        self.metric_coef, self.loss_coef, self.losses = float(metric_coef), float(loss_coef), tuple(losses)

    def weight_of_pairs(self, angles: torch.Tensor, gt_boxes: torch.Tensor) -> torch.Tensor:
        """W of predictions with ``angles (K,)`` against ``gt_boxes (K, 5)``."""
        return self.table(angles.float() - gt_boxes[:, 4].float(), aspect_ratio(gt_boxes.float()))

    def metric_factor(self, ctx: KDContext, preds=None):
        if self.metric_coef == 0:
            return None
        angles, boxes = (preds or ctx.s_dec).angles.detach(), ctx.gt.boxes

        def factor(bi, mi, ni):
            return (1 + self.metric_coef * self.weight_of_pairs(angles[bi, ni], boxes[bi, mi])).clamp(min=0)
        return factor

    def positive_w(self, ctx: KDContext) -> torch.Tensor:
        fg = ctx.assign.fg_mask
        return self.weight_of_pairs(ctx.s_dec.angles.detach()[fg], ctx.assign.boxes[fg])

    def loss_weights(self, ctx: KDContext) -> Optional[Dict[str, torch.Tensor]]:
        if self.loss_coef == 0 or not self.losses:
            return None
        fg = ctx.assign.fg_mask
        w = torch.ones(fg.shape, dtype=torch.float32, device=fg.device)
        w[fg] = 1 + self.loss_coef * self.positive_w(ctx)
        return {k: w for k in self.losses}

    def forward(self, ctx: KDContext) -> Dict[str, torch.Tensor]:
        w = self.positive_w(ctx)
        return {"aal_w": w.mean() if w.numel() else w.new_zeros(())}
