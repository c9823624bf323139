"""SAD of DAIK: sample alignment distillation, as the authors' "mutual" assigner builds it.

Two mechanisms, each a switch:

- **Teacher-guided assignment** (``teacher_assign``; the authors' operative mechanism): the
  teacher's alignment metric ``s_T^alpha IoU_T^beta LUT_T^gamma`` (its scores, boxes and angles
  against the ground truth, with AAL's factor when AAL is on) ranks each ground truth's
  candidates and picks its top-k positives; a point claimed by several ground truths keeps the
  one the student's IoU prefers, and the student's targets are the student's own normalised
  metric on those positives (:meth:`TaskAlignedAssigner.assign_guided`). With teacher ==
  student this is the plain assignment. ``teacher_targets`` (daik's deviation, on in
  ``daik_full``) makes the targets the teacher's normalised metric instead: the authors' code has
  this line commented out. Their sum normalises the student's losses and the dense KD terms, so
  with the teacher's larger metric the step-0 gradient is 8x smaller (4.8 against 38) and
  clip_grad fires on 52 % of the steps instead of 72 %. Pico benchmark, ``daik_full`` against
  the same with the student's targets (``daik_full_student_targets``): 64.2 +- 0.3 against
  64.1 +- 1.2 over the table's 3 seeds, 64.4 +- 0.5 against 63.6 +- 1.2 over 5 (without the
  positives' LD: 62.8 +- 1.3 against 63.3 +- 1.9, 3 seeds). ``guide_epochs`` (daik's variant, an ablation) limits
  the guidance to the first epochs, after which the student assigns its own positives (as
  YOLOv6-R hands over from its warm-up assigner): the authors guide every epoch. ``union``
  (daik's variant, an ablation) keeps the student's own top-k positives beside the teacher's,
  so a point the student localises best is never trained as a negative while the teacher
  guides (the test of whether the teacher's picks cost the student the coupling of its scores
  to its own boxes; pico benchmark, 2 seeds: 62.4 against the student's targets' 64.1, so not on 6 epochs).
- **KL on the metric** (``kl_weight``): for every ground truth ``g`` and its candidate points
  (inside the rotated box), the normalised metric ``m_i = t_i * max_j IoU_j / max_j t_j`` of
  teacher and student is turned into ``softmax_i(m_i / T)`` and
  ``loss_sad = kl_weight * T^2 * mean_g KL(teacher || student)``.

The student's metric in the KL carries gradient through its class score only: its IoU, its
LUT factor and the per-GT normaliser are detached. Then ``dm_i / dz_i = alpha * m_i * (1 - s_i)
<= alpha`` for the class logit ``z_i`` (``m_i <= 1``) and the KL's gradient is at most
``kl_weight * T * alpha`` per candidate, whatever the IoU: the earlier form, ``log`` of
``s * IoU^6`` with the IoU differentiable, back-propagated ``6 / IoU`` and was the largest
gradient of the whole step on poorly localised points. The box learns its alignment from the
box losses and the teacher-chosen positives instead.

Deviations from the authors' code: their KL (``distill_loss_assigner``, T = 20, weight 50 times
the number of anchors) is computed but switched off (multiplied by zero) in the released
version; daik keeps it as a switch with its own bounded form and weight. Their positive
conflicts use the student's IoU, as here.
"""
from typing import Dict, Optional

import torch

from daik.registry import MODELS

from .component import KDComponent
from .context import KDContext


def group_log_softmax(z: torch.Tensor, group: torch.Tensor, num_groups: int) -> torch.Tensor:
    """Log-softmax of ``z (K,)`` within groups ``group (K,)`` (values in ``[0, num_groups)``)."""
    zmax = z.new_full((num_groups,), float("-inf")).scatter_reduce(0, group, z.detach(), "amax")
    shifted = z - zmax[group]
    total = z.new_zeros(num_groups).index_add(0, group, shifted.exp())
    return shifted - total[group].log()


def grouped_kl(t_logits: torch.Tensor, s_logits: torch.Tensor, group: torch.Tensor, num_groups: int) -> torch.Tensor:
    """``(G,)`` KL(softmax(t) || softmax(s)) within each group (teacher logits detached)."""
    log_pt = group_log_softmax(t_logits.detach(), group, num_groups)
    log_ps = group_log_softmax(s_logits, group, num_groups)
    terms = log_pt.exp() * (log_pt - log_ps)
    return terms.new_zeros(num_groups).index_add(0, group, terms)


def group_max(values: torch.Tensor, group: torch.Tensor, num_groups: int) -> torch.Tensor:
    """``(G,)`` maximum of ``values (K,)`` within each group (detached)."""
    return values.new_zeros(num_groups).scatter_reduce(0, group, values.detach(), "amax", include_self=False)


@MODELS.register_module()
class SampleAlignmentDistillation(KDComponent):
    """SAD (see the module docstring).

    Args:
        teacher_assign: the teacher's metric picks the student's positives.
        teacher_targets: with ``teacher_assign``, their soft targets are the teacher's normalised
            metric, not the student's.
        kl_weight: weight of the KL between the normalised metrics (0 switches it off).
        temperature: T of the softmax over each ground truth's candidates.
        eps: floor of the per-GT normaliser.
        guide_epochs: with ``teacher_assign``, guide only epochs ``0 .. guide_epochs - 1``
            (``None``: every epoch).
        union: with ``teacher_assign``, the student's own top-k positives stay positive beside
            the teacher's.
    """

    def __init__(self, teacher_assign: bool = True, kl_weight: float = 1.0, temperature: float = 1.0,
                 eps: float = 1e-9, teacher_targets: bool = False, guide_epochs: Optional[int] = None,
                 union: bool = False):
        super().__init__(kl_weight)
        if temperature <= 0:
            raise ValueError(f"temperature must be positive, got {temperature}")
        if (teacher_targets or guide_epochs is not None or union) and not teacher_assign:
            raise ValueError("teacher_targets, guide_epochs and union need teacher_assign (they shape the teacher's "
                             "guidance)")
        if guide_epochs is not None and guide_epochs < 0:
            raise ValueError(f"guide_epochs must be >= 0 or None, got {guide_epochs}")
        self.teacher_assign, self.temperature, self.eps = bool(teacher_assign), float(temperature), eps
        self.teacher_targets = bool(teacher_targets)
        self.guide_epochs = None if guide_epochs is None else int(guide_epochs)
        self.union = bool(union)

    @property
    def guides_assignment(self) -> bool:
        return self.teacher_assign

    def assignment(self, ctx: KDContext, factor, teacher_factor):
        """The teacher-guided assignment (when ``teacher_assign``, within ``guide_epochs``); keeps
        the teacher's metric. None: the student assigns its own positives."""
        if not self.teacher_assign or (self.guide_epochs is not None and ctx.epoch >= self.guide_epochs):
            return None
        res, t_metric, t_overlaps = ctx.s_head.assign_guided(ctx.s_raw, ctx.s_dec, ctx.t_dec, ctx.gt, factor,
                                                             teacher_factor, self.teacher_targets, self.union)
        if t_metric is not None:
            ctx.t_metric = (t_metric, t_overlaps)
        return res

    def _teacher_metric(self, ctx: KDContext):
        if getattr(ctx, "t_metric", None) is None:
            ctx.t_metric = ctx.s_head.assigner.candidate_metric(ctx.t_dec.scores, ctx.t_dec.rboxes, ctx.gt,
                                                                ctx.assign.candidate_mask, ctx.t_factor)
        return ctx.t_metric

    def forward(self, ctx: KDContext) -> Dict[str, torch.Tensor]:
        if self.loss_weight == 0:
            return {}
        cand = ctx.assign.candidate_mask & ctx.gt.pad_mask[..., None]  # (B, M, N)
        bi, mi, ni = cand.nonzero(as_tuple=True)
        zero = ctx.s_raw.cls_logits.sum() * 0.0
        if bi.numel() == 0:
            return {"loss_sad": zero}
        uniq, group = torch.unique(bi * cand.shape[1] + mi, return_inverse=True)
        g = len(uniq)
        t_metric, t_overlaps = self._teacher_metric(ctx)
        t_norm = self.normalise(t_metric[bi, mi, ni].float(), t_overlaps[bi, mi, ni].float(), group, g)
        s_norm = self.normalise(self.student_metric(ctx, bi, mi, ni), ctx.assign.overlaps[bi, mi, ni].float(), group, g)
        t = self.temperature
        kl = grouped_kl(t_norm / t, s_norm / t, group, g) * (t * t)
        return {"loss_sad": self.loss_weight * kl.clamp(min=0).mean() + zero}

    def student_metric(self, ctx: KDContext, bi, mi, ni) -> torch.Tensor:
        """``(K,)`` ``s^alpha * [IoU^beta * factor]`` with gradient through the class logit only."""
        assigner = ctx.s_head.assigner
        labels = ctx.gt.labels[bi, mi]
        score = ctx.s_raw.cls_logits[bi, ni, labels].float().sigmoid()
        quality = ctx.assign.overlaps[bi, mi, ni].float().pow(assigner.beta)
        if ctx.s_factor is not None:
            quality = quality * ctx.s_factor(bi, mi, ni).float()
        return score.pow(assigner.alpha) * quality.detach()

    def normalise(self, metric: torch.Tensor, overlaps: torch.Tensor, group: torch.Tensor, g: int) -> torch.Tensor:
        """TOOD's ``t * max IoU / max t`` per ground truth (the maxima detached)."""
        top = group_max(metric, group, g)
        best_iou = group_max(overlaps, group, g)
        return metric * (best_iou / (top + self.eps))[group]


def teacher_guided(parts) -> Optional[KDComponent]:
    """The one part that guides the assignment, or None (two are an error)."""
    guides = [p for p in parts if getattr(p, "guides_assignment", False)]
    if len(guides) > 1:
        raise ValueError(f"{len(guides)} distillation parts want to assign the student's positives; at most one may")
    return guides[0] if guides else None
