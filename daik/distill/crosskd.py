"""CrossKD on the rotated head.

CrossKD (Wang et al., "CrossKD: Cross-Head Knowledge Distillation for Object Detection",
CVPR 2024; arXiv 2306.11369, 2023) passes the student head's intermediate features through
the frozen teacher head's remaining layers and distils those *cross-head* predictions to the
teacher's, so the student's own head only ever sees ground-truth targets and the student
tower still learns from the teacher without conflicting targets.

Stage mapping. CrossKD's GFL head has four stacked convs per branch; its default ``i = 3``
feeds the student's output of conv 3 (pre-activation) to the teacher's conv 4 and predictor,
so the teacher contributes exactly its last feature conv and its predictor. daik's head is
stem (stage 1) -> one 3x3 conv per branch (stage 2) -> predictors (stage 3); the same split
is ``stage = 1``: the student's stem output (pre-activation) goes through the teacher's
branch convs and predictors. ``stage = 0`` sends the neck maps, ``stage = 2`` the student's
branch convs (only the predictors are the teacher's).

Losses (cross predictions vs the teacher's, teacher detached; names in the training log):

- ``loss_cross_cls``: QFL-style KD to the teacher's probabilities over all points
  (``beta = 1`` as CrossKD), divided by the student's soft-target sum. Deviation: CrossKD's GFL
  code divides by the number of positives (its ``avg_factor``); ``cls_normaliser="positives"``
  does that (ablation ``crosskd_pos_norm``). On a task-aligned head the soft targets of an
  untrained student sum to a small fraction of its positives, so the official normaliser leaves
  the class term ~30x weaker at initialisation (step-0 gradient 1.2 against 33); on the 6-epoch
  pico benchmark (seed 0) it scored 43.9 mAP50 against 55.4 with the soft-target sum, which is
  also what the student head's own losses are divided by;
- ``loss_cross_dfl``: ``T^2 KL`` of each side's DFL distribution (``T = 1``);
- ``loss_cross_angle``: ``T^2 KL`` of the CSL angle distributions;
- ``loss_cross_box``: rotated IoU loss (through the differentiable
  :func:`daik.ops.box_iou_rotated`) between the cross box and the teacher's box; the cross
  box uses the teacher's angle so that this term trains distances and the angle learns from
  the KL term (decoded angles carry no gradient).

The last three are weighted per point by the teacher's highest class probability and divided
by the sum of those weights (CrossKD's ``reg_weights``). Deviation: CrossKD's GFL config weighs
its DFL KL at 3.0; daik keeps 1.0 (ablation ``crosskd_dfl3``: 51.7 mAP50 against 55.4 on the
pico benchmark's seed 0). The other settings were probed the same way and each scored lower
than the default on seed 0: ``stage`` 0 / 2 (52.9 / 51.6), the angle term at 1 (52.8), the class
term at 2 (50.3). What CrossKD cannot give on that 6-epoch benchmark is the student's own
predictors: they learn from the ground truth alone, so classes the student does not learn in
6 epochs (ship 4 AP, vehicles 0) stay unlearnt, where mimicking reaches ship 42.

Widths that differ get a 1x1 adapter per level; ``align_stats`` gives the student maps the
teacher's per-channel mean and std first (CrossKD's ``align_scale``).
"""
from typing import Dict, Tuple

import torch

from daik.models.heads import RawPreds
from daik.models.task_modules import dfl_expectation
from daik.ops import box_iou_rotated
from daik.registry import MODELS

from .adapters import LevelAdapters, map_tower, match_statistics
from .component import KDComponent, require_same_reg_max
from .context import KDContext
from .losses import kl_div_logits, quality_focal_kd, weighted_mean
from .prediction_kd import NORMALISERS, kd_normaliser


@MODELS.register_module()
class CrossHeadDistillation(KDComponent):
    """CrossKD (see the module docstring).

    Args:
        stage: student head stage whose features enter the teacher head (0..2).
        align_stats: match the teacher's per-channel statistics before the teacher head.
        cls_weight, cls_beta: weight and focusing exponent of the classification term.
        cls_normaliser: what the classification term's sum is divided by (``"targets"``: the
            student's soft-target sum; ``"positives"``: CrossKD's; see
            :func:`daik.distill.prediction_kd.kd_normaliser`).
        dfl_weight, dfl_temperature: DFL-distribution term.
        angle_weight, angle_temperature: CSL-distribution term.
        box_weight: rotated IoU term.
        box_min_weight: points whose weight is below this skip the (costly) IoU term.
    """

    def __init__(self, stage: int = 1, align_stats: bool = True, cls_weight: float = 1.0, cls_beta: float = 1.0,
                 dfl_weight: float = 1.0, dfl_temperature: float = 1.0, angle_weight: float = 0.2,
                 angle_temperature: float = 1.0, box_weight: float = 2.5, box_min_weight: float = 0.01,
                 cls_normaliser: str = "targets"):
        super().__init__(1.0)
        if cls_normaliser not in NORMALISERS:
            raise ValueError(f"cls_normaliser must be one of {NORMALISERS}, got {cls_normaliser!r}")
        self.cls_normaliser = cls_normaliser
        if stage not in (0, 1, 2):
            raise ValueError(f"cross-head stage must be 0, 1 or 2 (3 would be the predictions), got {stage}")
        self.stage = self.student_stage = int(stage)
        self.align_stats = bool(align_stats)
        self.cls_weight, self.cls_beta = float(cls_weight), float(cls_beta)
        self.dfl_weight, self.dfl_temperature = float(dfl_weight), float(dfl_temperature)
        self.angle_weight, self.angle_temperature = float(angle_weight), float(angle_temperature)
        self.box_weight, self.box_min_weight = float(box_weight), float(box_min_weight)
        self.prefix = "loss_cross"

    def setup(self, student, teacher) -> None:
        if self.dfl_weight or self.box_weight:
            require_same_reg_max(student, teacher, type(self).__name__)
        branches = student.head.branches if self.stage == 2 else None
        self.adapter = LevelAdapters(student.head.in_channels, teacher.head.in_channels, 1, branches=branches)

    def cross_raw(self, ctx: KDContext) -> RawPreds:
        """Student stage-``k`` features through the frozen teacher head, with gradients."""
        feats = self.adapter(ctx.student_tower(self.stage))
        if self.align_stats:
            feats = map_tower(match_statistics, feats, ctx.teacher_tower(self.stage))
        return ctx.t_head.flatten(ctx.t_head.forward_preds(feats, self.stage))

    def point_weights(self, ctx: KDContext) -> Tuple[torch.Tensor, float]:
        """Per-point weights ``(B, N)`` of the DFL / angle / box terms, and the normaliser of
        the classification term."""
        return ctx.teacher_max_score(), kd_normaliser(ctx, self.cls_normaliser)

    def forward(self, ctx: KDContext) -> Dict[str, torch.Tensor]:
        cross, t = self.cross_raw(ctx), ctx.t_raw
        w, cls_norm = self.point_weights(ctx)
        w_sum = float(w.sum().clamp(min=1e-6))
        p, out = self.prefix, {}
        if self.cls_weight:
            qfl = quality_focal_kd(cross.cls_logits, t.cls_logits, self.cls_beta)
            out[f"{p}_cls"] = self.cls_weight * weighted_mean(qfl, None, cls_norm)
        if self.dfl_weight:
            kl = kl_div_logits(cross.reg_logits, t.reg_logits, self.dfl_temperature)  # (B, N, 4)
            out[f"{p}_dfl"] = self.dfl_weight * weighted_mean(kl, w[..., None], 4 * w_sum)
        if self.angle_weight:
            kl = kl_div_logits(cross.ang_logits, t.ang_logits, self.angle_temperature)  # (B, N)
            out[f"{p}_angle"] = self.angle_weight * weighted_mean(kl, w, w_sum)
        if self.box_weight:
            out[f"{p}_box"] = self.box_weight * self.box_loss(ctx, cross, w, w_sum)
        return out

    def box_loss(self, ctx: KDContext, cross: RawPreds, w: torch.Tensor, w_sum: float) -> torch.Tensor:
        """Weighted ``1 - IoU`` of cross boxes (teacher angle) and teacher boxes."""
        sel = w > self.box_min_weight  # (B, N)
        pri = cross.priors
        dist = dfl_expectation(cross.reg_logits[sel].float()) * pri.strides.expand(sel.shape)[sel][:, None]
        points = pri.points.expand(sel.shape[0], -1, -1)[sel]
        t_boxes = ctx.t_dec.rboxes[sel].float()
        boxes = ctx.t_head.box_coder.decode(points, dist, ctx.t_dec.angles[sel].float())
        if boxes.shape[0] == 0:
            return cross.reg_logits.sum() * 0.0
        iou = box_iou_rotated(boxes, t_boxes, aligned=True)
        return weighted_mean(1 - iou, w[sel], w_sum)
