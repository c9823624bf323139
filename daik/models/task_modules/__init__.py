"""Assigners, coders, anchor points and IoU strategies (registered in ``TASK_UTILS``)."""
from .assigners import (AssignResult, BatchGT, RotatedATSSAssigner, RotatedTaskAlignedAssigner,
                        TaskAlignedAssigner, rboxes_contain)
from .angle_iou_table import AngleIoUTable, aspect_ratio
from .coders import CSLCoder, RBoxDistanceCoder, dfl_expectation
from .iou_calculators import BboxOverlaps2D, RBboxOverlaps2D
from .prior_generator import MlvlPointGenerator, Priors

__all__ = [
    "AssignResult", "BatchGT", "TaskAlignedAssigner", "RotatedTaskAlignedAssigner", "RotatedATSSAssigner",
    "CSLCoder", "RBoxDistanceCoder", "dfl_expectation", "BboxOverlaps2D", "RBboxOverlaps2D",
    "MlvlPointGenerator", "Priors", "rboxes_contain", "AngleIoUTable", "aspect_ratio",
]
