"""SAD of DAIK: sample alignment distillation.

DAIK (Wang et al., IEEE TGRS 2023) lets the student mimic "the teacher model's distribution of
anchor points" to reduce spatial misalignment. daik's form: for every ground truth ``g`` and
its candidate points ``i`` (points inside the rotated box), the alignment metric of the
task-aligned assigner ``t_i = s_i^alpha * IoU_i^beta`` (score of ``g``'s class, rotated IoU of
the decoded box with ``g``) is turned into a distribution over the candidates::

    p_i = softmax_i(log(t_i + eps) / tau)  =  (t_i + eps)^(1/tau) / sum_j (t_j + eps)^(1/tau)

for teacher (no gradient) and student (gradient through its class score and, via the
differentiable rotated IoU, its box distances), and::

    loss_sad = loss_weight * mean_g KL(p_teacher || p_student)

Choices where the paper is silent (knobs): the log-metric softmax (scale-free, so the tiny
values of ``IoU^6`` need no rescaling; ``tau = 1`` makes ``p`` the metric itself normalised),
``alpha, beta`` of the student head's assigner, the plain metric (without AAL's factor), all
candidates (``topk`` keeps only the teacher's best ``k`` per ground truth to save time).
"""
from typing import Dict, Optional

import torch

from daik.ops import box_iou_rotated
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


def top_per_group(values: torch.Tensor, group: torch.Tensor, k: int) -> torch.Tensor:
    """Indices of the ``k`` largest ``values`` within each group."""
    order = torch.argsort(values, descending=True, stable=True)
    order = order[torch.argsort(group[order], stable=True)]
    g = group[order]
    pos = torch.arange(len(g), device=g.device)
    first = torch.full_like(pos, len(g)).scatter_reduce(0, g, pos, "amin")
    return order[(pos - first[g]) < k]


@MODELS.register_module()
class SampleAlignmentDistillation(KDComponent):
    """SAD (see the module docstring).

    Args:
        loss_weight: multiplier.
        temperature: tau of the log-metric softmax.
        alpha, beta: metric exponents (default: the student head's assigner's, else 1 and 6).
        topk: keep only the teacher's best ``topk`` candidates per ground truth (None: all).
        eps: floor inside the log.
    """

    def __init__(self, loss_weight: float = 1.0, temperature: float = 1.0, alpha: Optional[float] = None,
                 beta: Optional[float] = None, topk: Optional[int] = None, eps: float = 1e-9):
        super().__init__(loss_weight)
        if temperature <= 0:
            raise ValueError(f"temperature must be positive, got {temperature}")
        self.temperature, self.alpha, self.beta, self.topk, self.eps = float(temperature), alpha, beta, topk, eps

    def setup(self, student, teacher) -> None:
        assigner = student.head.assigner
        self.alpha = float(self.alpha if self.alpha is not None else getattr(assigner, "alpha", 1.0))
        self.beta = float(self.beta if self.beta is not None else getattr(assigner, "beta", 6.0))

    def log_metric(self, scores: torch.Tensor, rboxes: torch.Tensor, gt_boxes: torch.Tensor) -> torch.Tensor:
        """``alpha log s + beta log IoU`` of ``K`` (score, predicted box, GT box) triples."""
        iou = box_iou_rotated(rboxes.float(), gt_boxes.float(), aligned=True).clamp(min=0)
        return self.alpha * torch.log(scores.float() + self.eps) + self.beta * torch.log(iou + self.eps)

    def forward(self, ctx: KDContext) -> Dict[str, torch.Tensor]:
        cand = ctx.assign.candidate_mask & ctx.gt.pad_mask[..., None]  # (B, M, N)
        bi, mi, ni = cand.nonzero(as_tuple=True)
        zero = ctx.s_raw.cls_logits.sum() * 0.0
        if bi.numel() == 0:
            return {"loss_sad": zero}
        group = bi * cand.shape[1] + mi
        labels, gt_boxes = ctx.gt.labels[bi, mi], ctx.gt.boxes[bi, mi]
        with torch.no_grad():
            t_log = self.log_metric(ctx.t_dec.scores[bi, ni, labels], ctx.t_dec.rboxes[bi, ni], gt_boxes)
        if self.topk is not None:
            keep = top_per_group(t_log, group, int(self.topk))
            bi, ni, group, labels = bi[keep], ni[keep], group[keep], labels[keep]
            gt_boxes, t_log = gt_boxes[keep], t_log[keep]
        s_log = self.log_metric(ctx.s_dec.scores[bi, ni, labels], ctx.s_dec.rboxes[bi, ni], gt_boxes)
        uniq, group = torch.unique(group, return_inverse=True)
        kl = grouped_kl(t_log / self.temperature, s_log / self.temperature, group, len(uniq))
        return {"loss_sad": self.loss_weight * kl.mean() + zero}
