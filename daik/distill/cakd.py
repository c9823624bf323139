"""CAKD: a one-to-one (NMS-free) student distilled across label assignments.

CAKD ("Cross-Label Assignment Knowledge Distillation for End-to-End Object Detection",
Journal of Computer Research and Development, 2025) trains an end-to-end detector whose head
assigns one positive per ground truth, so its predictions need no NMS. Its few positives make
feature learning slow; CAKD therefore sends the student's multi-scale features through the
teacher's (one-to-many) head and distils those cross predictions to the teacher's own, at
the points a *task-aware* matching of the teacher's predictions selects (classification x
regression quality) - the student learns the one-to-many knowledge through the teacher's
head while its own head keeps the one-to-one assignment.

daik's pieces, each overriding only what differs:

- :class:`RotatedOneToOneAssigner`: the rotated task-aligned assigner with ``topk = 1`` and
  the metric ``s * IoU`` (``alpha = beta = 1``); a point claimed by two ground truths keeps
  the one of larger metric.
- :class:`RotatedYOLOv6O2OHead`: the rotated head with that assigner, no warm-up assigner
  (ATSS would give several positives per object) and ``test_cfg`` ``nms=None,
  multi_label=False`` (the detector's NMS-free post-process path).
- :class:`CrossAssignmentDistillation`: :class:`~daik.distill.crosskd.CrossHeadDistillation`
  from the neck maps (``stage = 0``) whose per-point weights are the teacher's soft targets
  under a one-to-many task-aware assignment (top-``k`` by ``s^alpha IoU^beta`` with
  ``alpha = beta = 1``) of the teacher's predictions; the classification term is divided by
  the sum of those targets. Losses: ``loss_cakd_{cls,dfl,angle,box}``.
"""
from typing import Tuple

import torch

from daik.models.heads import RotatedYOLOv6Head
from daik.models.task_modules import RotatedTaskAlignedAssigner
from daik.registry import MODELS, TASK_UTILS

from .context import KDContext
from .crosskd import CrossHeadDistillation


@TASK_UTILS.register_module()
class RotatedOneToOneAssigner(RotatedTaskAlignedAssigner):
    """One positive per ground truth: the candidate of largest ``s^alpha * IoU^beta``.

    Args:
        num_classes: number of classes.
        alpha, beta: exponents of the task-aware metric (cls x IoU by default).
        iou_calculator: rotated IoU strategy.
        eps: numerical floor.
    """

    def __init__(self, num_classes: int, alpha: float = 1.0, beta: float = 1.0, iou_calculator=None,
                 eps: float = 1e-9, topk: int = 1):
        if topk != 1:
            raise ValueError(f"a one-to-one assigner keeps one positive per ground truth, got topk={topk}")
        super().__init__(num_classes, topk=1, alpha=alpha, beta=beta, iou_calculator=iou_calculator,
                         resolve="metric", eps=eps)


@MODELS.register_module()
class RotatedYOLOv6O2OHead(RotatedYOLOv6Head):
    """:class:`RotatedYOLOv6Head` trained one-to-one and used without NMS.

    Same arguments; ``train_cfg.assigner`` defaults to :class:`RotatedOneToOneAssigner` and
    must be one-to-one, ``warmup_assigner`` must be absent, ``test_cfg`` defaults to
    ``nms=None, multi_label=False``.
    """

    def __init__(self, num_classes: int, *args, train_cfg=None, test_cfg=None, **kwargs):
        train_cfg = dict(train_cfg or {})
        train_cfg.setdefault("assigner", dict(type="RotatedOneToOneAssigner"))
        test_cfg = {**dict(nms=None, multi_label=False), **dict(test_cfg or {})}
        super().__init__(num_classes, *args, train_cfg=train_cfg, test_cfg=test_cfg, **kwargs)
        if getattr(self.assigner, "topk", None) != 1:
            raise ValueError(f"{type(self).__name__} needs a one-to-one assigner (topk=1), got "
                             f"{type(self.assigner).__name__} with topk={getattr(self.assigner, 'topk', None)}")
        if self.warmup_assigner is not None:
            raise ValueError(f"{type(self).__name__} takes no warm-up assigner ({type(self.warmup_assigner).__name__} "
                             "gives several positives per object); set train_cfg.warmup_assigner=None")


@MODELS.register_module()
class CrossAssignmentDistillation(CrossHeadDistillation):
    """CAKD's distillation (see the module docstring).

    Args:
        stage: student stage entering the teacher head (0: the neck maps, as CAKD).
        topk, alpha, beta: the teacher-side task-aware one-to-many assignment.
        **kwargs: weights and temperatures of :class:`CrossHeadDistillation`.
    """

    def __init__(self, stage: int = 0, topk: int = 13, alpha: float = 1.0, beta: float = 1.0, **kwargs):
        super().__init__(stage=stage, **kwargs)
        self.topk, self.alpha, self.beta = int(topk), float(alpha), float(beta)
        self.prefix = "loss_cakd"

    def setup(self, student, teacher) -> None:
        super().setup(student, teacher)
        self.matcher = RotatedTaskAlignedAssigner(teacher.head.num_classes, topk=self.topk, alpha=self.alpha,
                                                  beta=self.beta)

    def point_weights(self, ctx: KDContext) -> Tuple[torch.Tensor, float]:
        asg = ctx.teacher_assign(self.matcher)
        w = asg.scores.amax(dim=-1)  # (B, N): the teacher's soft target at its positives, 0 elsewhere
        return w, float(w.sum().clamp(min=1.0))
