"""IoU-aware classification losses on soft targets: Varifocal and Quality Focal."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from daik.registry import MODELS

from .utils import weight_reduce


@MODELS.register_module()
class VarifocalLoss(nn.Module):
    """Varifocal loss (VarifocalNet): BCE against soft targets ``q``, weighted by ``q`` where
    ``q > 0`` and by ``alpha * |p - q|^gamma`` (down-weighting easy negatives) elsewhere.

    Args:
        alpha: weight of negatives.
        gamma: focusing exponent of negatives.
        reduction: ``"none"``, ``"sum"``, ``"mean"``.
        loss_weight: multiplier.
    """

    def __init__(self, alpha: float = 0.75, gamma: float = 2.0, reduction: str = "mean", loss_weight: float = 1.0):
        super().__init__()
        self.alpha, self.gamma, self.reduction, self.loss_weight = alpha, gamma, reduction, loss_weight

    def forward(self, pred: torch.Tensor, target: torch.Tensor, weight: Optional[torch.Tensor] = None,
                avg_factor: Optional[float] = None) -> torch.Tensor:
        """``pred`` logits and ``target`` in [0, 1], same shape (e.g. ``(B, N, C)``)."""
        p = pred.sigmoid()
        target = target.to(pred.dtype)
        focal = torch.where(target > 0, target, self.alpha * (p - target).abs().pow(self.gamma))
        loss = F.binary_cross_entropy_with_logits(pred, target, reduction="none") * focal
        return self.loss_weight * weight_reduce(loss, weight, self.reduction, avg_factor)


@MODELS.register_module()
class QualityFocalLoss(nn.Module):
    """Quality focal loss (GFL): ``BCE(p, q) * |p - q|^beta`` against soft targets ``q``; it is
    zero exactly at ``p = q``.

    Args:
        beta: focusing exponent.
        reduction: ``"none"``, ``"sum"``, ``"mean"``.
        loss_weight: multiplier.
    """

    def __init__(self, beta: float = 2.0, reduction: str = "mean", loss_weight: float = 1.0):
        super().__init__()
        self.beta, self.reduction, self.loss_weight = beta, reduction, loss_weight

    def forward(self, pred: torch.Tensor, target: torch.Tensor, weight: Optional[torch.Tensor] = None,
                avg_factor: Optional[float] = None) -> torch.Tensor:
        """``pred`` logits and ``target`` in [0, 1], same shape."""
        target = target.to(pred.dtype)
        scale = (pred.sigmoid() - target).abs().pow(self.beta)
        loss = F.binary_cross_entropy_with_logits(pred, target, reduction="none") * scale
        return self.loss_weight * weight_reduce(loss, weight, self.reduction, avg_factor)
