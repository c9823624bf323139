"""Box losses: rotated IoU loss and Distribution Focal Loss."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from daik.ops import box_iou_rotated
from daik.registry import MODELS

from .utils import weight_reduce


@MODELS.register_module()
class RotatedIoULoss(nn.Module):
    """``1 - IoU`` (``mode="linear"``) or ``-log(IoU)`` (``"log"``) of aligned rotated boxes,
    through the differentiable :func:`daik.ops.box_iou_rotated`.

    Args:
        mode: ``"linear"`` or ``"log"``.
        eps: floor of the IoU in ``"log"`` mode.
        reduction: ``"none"``, ``"sum"``, ``"mean"``.
        loss_weight: multiplier.
    """

    def __init__(self, mode: str = "linear", eps: float = 1e-6, reduction: str = "mean", loss_weight: float = 1.0):
        super().__init__()
        if mode not in ("linear", "log"):
            raise ValueError(f"mode must be linear or log, got {mode!r}")
        self.mode, self.eps, self.reduction, self.loss_weight = mode, eps, reduction, loss_weight

    def forward(self, pred: torch.Tensor, target: torch.Tensor, weight: Optional[torch.Tensor] = None,
                avg_factor: Optional[float] = None) -> torch.Tensor:
        """``(K, 5)`` predicted and target rboxes."""
        if pred.shape[0] == 0:
            return pred.sum() * 0.0
        iou = box_iou_rotated(pred, target.to(pred.dtype), aligned=True)
        loss = 1 - iou if self.mode == "linear" else -iou.clamp(min=self.eps).log()
        return self.loss_weight * weight_reduce(loss, weight, self.reduction, avg_factor)


@MODELS.register_module()
class DistributionFocalLoss(nn.Module):
    """DFL (GFL): cross-entropy of the distance distribution against the two bins around the
    continuous target, weighted by closeness: ``-(r - y) log p_l - (y - l) log p_r``.

    Args:
        reduction: ``"none"``, ``"sum"``, ``"mean"``.
        loss_weight: multiplier.
    """

    def __init__(self, reduction: str = "mean", loss_weight: float = 1.0):
        super().__init__()
        self.reduction, self.loss_weight = reduction, loss_weight

    def forward(self, pred: torch.Tensor, target: torch.Tensor, weight: Optional[torch.Tensor] = None,
                avg_factor: Optional[float] = None) -> torch.Tensor:
        """``pred (K, R + 1)`` logits, ``target (K,)`` in ``[0, R)`` (bins)."""
        if pred.shape[0] == 0:
            return pred.sum() * 0.0
        reg_max = pred.shape[-1] - 1
        target = target.to(pred.dtype).clamp(0, reg_max - 1e-3)
        left = target.floor().long()
        w_left = left.to(pred.dtype) + 1 - target
        logp = F.log_softmax(pred, dim=-1)
        loss = -(logp.gather(-1, left[:, None]).squeeze(-1) * w_left
                 + logp.gather(-1, left[:, None] + 1).squeeze(-1) * (1 - w_left))
        return self.loss_weight * weight_reduce(loss, weight, self.reduction, avg_factor)
