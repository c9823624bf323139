"""Losses (registered in ``MODELS``)."""
from .angle_losses import CSLLoss
from .box_losses import DistributionFocalLoss, RotatedIoULoss
from .focal_losses import QualityFocalLoss, VarifocalLoss
from .utils import weight_reduce

__all__ = ["VarifocalLoss", "QualityFocalLoss", "RotatedIoULoss", "DistributionFocalLoss", "CSLLoss",
           "weight_reduce"]
