"""AAL of DAIK: the angular-distance / aspect-ratio lookup table, used inside the student's
label assignment and to re-weight its classification, box and angle losses.

DAIK (Wang et al., "Directional Alignment Instance Knowledge Distillation for Arbitrary-Oriented
Object Detection", IEEE TGRS 2023) defines::

    W(dtheta, AR) = |sin(V(AR) * dtheta)|,   V(AR) = 2 if AR > r else 1

with ``dtheta`` the angle between a prediction and its ground truth and ``AR`` the ground
truth's aspect ratio. Where the paper is silent, daik chooses (each a knob):

- ``dtheta`` = predicted (CSL-decoded) angle minus the ground-truth angle, ``AR = w / h`` of
  the regularised ground truth (``w >= h``, so ``AR >= 1``); ``r = 1.5`` (``ratio_thr``).
- Discretised per degree (``discrete=True``): ``dtheta`` is rounded to whole degrees and read
  from a ``(2, 180)`` table (row ``V - 1``, column degrees modulo 180); W has period 180 / V
  degrees, so the table covers every angle. ``discrete=False`` evaluates the formula.
- In the assignment the metric becomes ``t * max(0, 1 + metric_coef * W)``; the default
  ``metric_coef = -0.5`` halves the metric of a prediction at the table's worst angle, so
  points whose predicted direction agrees with the ground truth win the top-k.
- The student's losses of the positives are weighted by ``1 + loss_coef * W`` (default
  ``loss_coef = 1``: up to twice the weight for badly turned predictions); background points
  keep weight 1. Which losses: ``losses=("cls", "bbox", "angle")``.
"""
from typing import Dict, Sequence

import torch

from daik.registry import MODELS

from .component import KDComponent
from .context import KDContext


class AALTable:
    """``W(dtheta, AR) = |sin(V(AR) * dtheta)|`` with ``V = 2`` for ``AR > ratio_thr``, else 1.

    Args:
        ratio_thr: aspect-ratio threshold ``r``.
        discrete: read W from the per-degree table instead of evaluating the sine.
    """

    def __init__(self, ratio_thr: float = 1.5, discrete: bool = True):
        if ratio_thr < 1:
            raise ValueError(f"ratio_thr compares w / h >= 1 and must be >= 1, got {ratio_thr}")
        self.ratio_thr, self.discrete = float(ratio_thr), bool(discrete)
        deg = torch.arange(180, dtype=torch.float64)
        self.table = torch.stack([torch.sin(v * torch.deg2rad(deg)).abs() for v in (1.0, 2.0)])  # (2, 180)

    def factor(self, aspect_ratio: torch.Tensor) -> torch.Tensor:
        """``V(AR)``: 2 where ``AR > r``, else 1 (same shape, int64)."""
        return (aspect_ratio > self.ratio_thr).long() + 1

    def __call__(self, delta_theta: torch.Tensor, aspect_ratio: torch.Tensor) -> torch.Tensor:
        """W for angle differences (radians) and aspect ratios of the same shape."""
        v = self.factor(aspect_ratio)
        if not self.discrete:
            return torch.sin(v.to(delta_theta.dtype) * delta_theta).abs()
        deg = torch.remainder(torch.round(torch.rad2deg(delta_theta.double())), 180).long()
        table = self.table.to(delta_theta.device)
        return table[v - 1, deg].to(delta_theta.dtype)


def aspect_ratio(rboxes: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """``(..., 5) -> (...)`` long side over short side."""
    w, h = rboxes[..., 2].abs(), rboxes[..., 3].abs()
    return torch.maximum(w, h) / torch.minimum(w, h).clamp(min=eps)


@MODELS.register_module()
class AALReweighting(KDComponent):
    """AAL inside the student's assignment and losses (see the module docstring).

    Args:
        ratio_thr: ``r`` of ``V(AR)``.
        discrete: per-degree table (True) or the formula.
        metric_coef: assignment metric factor ``1 + metric_coef * W`` (0 switches it off).
        loss_coef: loss weight ``1 + loss_coef * W`` at positives (0 switches it off).
        losses: which of the student's losses are re-weighted.
    """

    def __init__(self, ratio_thr: float = 1.5, discrete: bool = True, metric_coef: float = -0.5,
                 loss_coef: float = 1.0, losses: Sequence[str] = ("cls", "bbox", "angle")):
        super().__init__(loss_weight=1.0)
        unknown = set(losses) - {"cls", "bbox", "dfl", "angle"}
        if unknown:
            raise ValueError(f"AAL can weight cls, bbox, dfl, angle; got {sorted(unknown)}")
        self.table = AALTable(ratio_thr, discrete)
        self.metric_coef, self.loss_coef, self.losses = float(metric_coef), float(loss_coef), tuple(losses)

    def weight_of_pairs(self, angles: torch.Tensor, gt_boxes: torch.Tensor) -> torch.Tensor:
        """W of predictions with ``angles (K,)`` against ``gt_boxes (K, 5)``."""
        return self.table(angles.float() - gt_boxes[:, 4].float(), aspect_ratio(gt_boxes.float()))

    def metric_factor(self, ctx: KDContext):
        if self.metric_coef == 0:
            return None
        angles, boxes = ctx.s_dec.angles.detach(), ctx.gt.boxes

        def factor(bi, mi, ni):
            w = self.weight_of_pairs(angles[bi, ni], boxes[bi, mi])
            return (1 + self.metric_coef * w).clamp(min=0)
        return factor

    def positive_w(self, ctx: KDContext) -> torch.Tensor:
        """``(K,)`` W of the student's positives against their assigned ground truth."""
        fg = ctx.assign.fg_mask
        return self.weight_of_pairs(ctx.s_dec.angles.detach()[fg], ctx.assign.boxes[fg])

    def loss_weights(self, ctx: KDContext):
        if self.loss_coef == 0 or not self.losses:
            return None
        fg = ctx.assign.fg_mask
        w = torch.ones(fg.shape, dtype=torch.float32, device=fg.device)
        w[fg] = 1 + self.loss_coef * self.positive_w(ctx)
        return {k: w for k in self.losses}

    def forward(self, ctx: KDContext) -> Dict[str, torch.Tensor]:
        """Logs the mean W of the positives (``aal_w``; not a loss)."""
        w = self.positive_w(ctx)
        return {"aal_w": w.mean() if w.numel() else w.new_zeros(())}

