"""What one distillation step computes, computed once and shared by every distillation part.

The student side carries gradients; the teacher side is computed under ``no_grad`` (only
paths that must let a gradient cross the teacher, such as CrossKD's cross-head forward, run
teacher modules outside this record, with gradients on).
"""
from typing import Dict, List, Optional, Sequence

import torch
from torch.profiler import record_function
import torch.nn as nn

from daik.models.heads import DecodedPreds, RawPreds
from daik.models.task_modules import AssignResult, BatchGT

from .adapters import Tower
from .teacher import teacher_input


class KDContext:
    """Shared intermediates of one step.

    Attributes:
        inputs: ``(B, 3, H, W)`` preprocessed batch.
        data_samples: the batch's data samples.
        s_feats: the student's neck maps ``[(B, C_l, H_l, W_l)]`` (with gradient).
        s_raw, s_dec, gt, assign: the student's raw / decoded predictions, the padded ground
            truth and the student's assignment (set by the distiller before the parts run).
    """

    def __init__(self, student: nn.Module, teacher: nn.Module, inputs: torch.Tensor, data_samples: Sequence):
        self.student, self.teacher = student, teacher
        self.inputs, self.data_samples = inputs, data_samples
        with record_function("daik/student.forward"):
            self.s_feats: List[torch.Tensor] = student.extract_feat(inputs)
        self._s_towers: Dict[int, Tower] = {0: self.s_feats}
        self._t_towers: Dict[int, Tower] = {}
        self._t_assign: Dict[int, AssignResult] = {}
        self._t_raw: Optional[RawPreds] = None
        self._t_dec: Optional[DecodedPreds] = None
        self.s_raw: Optional[RawPreds] = None
        self.s_dec: Optional[DecodedPreds] = None
        self.gt: Optional[BatchGT] = None
        self.assign: Optional[AssignResult] = None
        self.parts_factor = None  # preds -> factor of the parts, set by the distiller
        self.s_factor = None  # the student's assignment-metric factor (parts' product), set by the distiller
        self._t_factor = None
        self.t_metric = None  # (metric, overlaps) (B, M, N) of the teacher over the candidates, once computed
        self.epoch = 0  # the training epoch (the distiller sets it)

    # ------------------------------------------------------------------ student
    @property
    def s_head(self):
        return self.student.head

    def student_tower(self, k: int) -> Tower:
        """The student head's stage-``k`` features (see :mod:`daik.models.heads.effide_head`)."""
        if k not in self._s_towers:
            with record_function("daik/student.forward"):
                self._s_towers[k] = self.s_head.forward_tower(self.s_feats, k)
        return self._s_towers[k]

    @property
    def norm(self) -> float:
        """The student head's loss normaliser: sum of the soft targets, at least 1."""
        return float(self.assign.scores.sum().clamp(min=1.0))

    # ------------------------------------------------------------------ teacher (no grad)
    @property
    def t_factor(self):
        """The parts' assignment-metric factor evaluated on the teacher's predictions."""
        if self._t_factor is None and self.parts_factor is not None:
            self._t_factor = self.parts_factor(self.t_dec)
        return self._t_factor

    @t_factor.setter
    def t_factor(self, value):
        self._t_factor = value

    @property
    def t_head(self):
        return self.teacher.head

    @property
    def t_feats(self) -> List[torch.Tensor]:
        """The teacher's neck maps (no gradient)."""
        if 0 not in self._t_towers:
            with torch.no_grad(), record_function("daik/teacher.forward"):
                self._t_towers[0] = self.teacher.extract_feat(teacher_input(self.teacher, self.inputs))
        return self._t_towers[0]

    def teacher_tower(self, k: int) -> Tower:
        """The teacher head's stage-``k`` features (no gradient)."""
        if k not in self._t_towers:
            with torch.no_grad(), record_function("daik/teacher.forward"):
                self._t_towers[k] = self.t_head.forward_tower(self.t_feats, k)
        return self._t_towers[k]

    @property
    def t_raw(self) -> RawPreds:
        """The teacher's raw predictions (no gradient)."""
        if self._t_raw is None:
            with torch.no_grad(), record_function("daik/teacher.forward"):
                self._t_raw = self.t_head.predict_raw(self.t_feats)
        return self._t_raw

    @property
    def t_dec(self) -> DecodedPreds:
        """The teacher's decoded predictions (no gradient)."""
        if self._t_dec is None:
            with torch.no_grad(), record_function("daik/teacher.decode"):
                self._t_dec = self.t_head.decode(self.t_raw)
        return self._t_dec

    def teacher_assign(self, assigner=None, metric_factor=None) -> AssignResult:
        """The teacher's own assignment to the batch's ground truth (no gradient); cached per
        assigner (factored assignments are not cached)."""
        key = id(assigner)
        if metric_factor is None and key in self._t_assign:
            return self._t_assign[key]
        with torch.no_grad(), record_function("daik/teacher.assign"):
            res = self.t_head.assign(self.t_raw, self.t_dec, self.gt, metric_factor=metric_factor,
                                     assigner=assigner)
        if metric_factor is None:
            self._t_assign[key] = res
        return res

    def teacher_max_score(self) -> torch.Tensor:
        """``(B, N)`` the teacher's highest class probability per point (detached)."""
        return self.t_dec.scores.detach().amax(dim=-1)
