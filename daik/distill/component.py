"""The interface of a distillation part.

A distiller holds any number of parts (``components=dict(name=cfg, ...)``; ``None`` switches
one off). Each part may:

- read the student's features at a head stage (``student_stage``; the student's own
  predictions are then computed from that stage, so both share one graph);
- multiply the student's assignment metric (``metric_factor``), or make the assignment
  (``assignment``, e.g. DAIK's teacher-guided positives; at most one part);
- re-weight the student's own losses (``loss_weights``);
- add named losses (``forward``; keys start with ``loss_`` and are scaled by the distiller's
  KD schedule; other keys are logged as they are).
"""
from typing import Callable, Dict, Optional

import torch
import torch.nn as nn

from .context import KDContext

MetricFactor = Optional[Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]]


class KDComponent(nn.Module):
    """Base of the distillation parts (all registered in ``daik.registry.MODELS``).

    Args:
        loss_weight: multiplier of the part's losses.
    """

    #: head stage of the student features the part reads, or None
    student_stage: Optional[int] = None

    def __init__(self, loss_weight: float = 1.0):
        super().__init__()
        self.loss_weight = float(loss_weight)

    def setup(self, student: nn.Module, teacher: nn.Module) -> None:
        """Build adapters and check the pair (called once by the distiller)."""

    def metric_factor(self, ctx: KDContext, preds=None) -> MetricFactor:
        """Factor of the assignment metric, ``f(batch_idx, gt_idx, point_idx) -> (K,)``, of the
        student's predictions, or of ``preds`` (:class:`DecodedPreds`, e.g. the teacher's when it
        guides the assignment). ``ctx.s_raw``, ``ctx.s_dec`` and ``ctx.gt`` are set; ``ctx.assign``
        is not yet."""
        return None

    #: whether :meth:`assignment` replaces the student's own assignment (at most one part)
    guides_assignment: bool = False

    def assignment(self, ctx: KDContext, factor: MetricFactor, teacher_factor: MetricFactor):
        """The student's assignment, when this part makes it (``guides_assignment``)."""
        return None

    def loss_weights(self, ctx: KDContext):
        """Weights of the student's own losses: ``(B, N)`` or ``{"cls"|"bbox"|"dfl"|"angle": (B, N)}``."""
        return None

    def forward(self, ctx: KDContext) -> Dict[str, torch.Tensor]:
        """Named losses of the part."""
        return {}


def require_same_reg_max(student: nn.Module, teacher: nn.Module, who: str) -> None:
    """Distribution losses on DFL logits need the same number of bins in both heads."""
    if student.head.reg_max != teacher.head.reg_max:
        raise ValueError(f"{who} compares DFL distributions: student reg_max {student.head.reg_max} "
                         f"!= teacher reg_max {teacher.head.reg_max}")
