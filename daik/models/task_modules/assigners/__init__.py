"""Assigners: which points learn which ground truth."""
from .assign_result import AssignResult, BatchGT
from .atss_assigner import RotatedATSSAssigner
from .task_aligned_assigner import RotatedTaskAlignedAssigner, TaskAlignedAssigner, rboxes_contain

__all__ = ["AssignResult", "BatchGT", "TaskAlignedAssigner", "RotatedTaskAlignedAssigner",
           "RotatedATSSAssigner", "rboxes_contain"]
