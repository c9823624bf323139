"""Angle loss: binary cross-entropy against the circular smooth label."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from daik.registry import MODELS

from .utils import weight_reduce


def binary_entropy(t: torch.Tensor) -> torch.Tensor:
    """``-t log t - (1 - t) log(1 - t)`` elementwise (0 at t in {0, 1})."""
    return -(torch.xlogy(t, t) + torch.xlogy(1 - t, 1 - t))


@MODELS.register_module()
class CSLLoss(nn.Module):
    """Per-bin sigmoid BCE of angle logits against a CSL window target (see
    :class:`daik.models.task_modules.CSLCoder`), summed over the bins of each sample.

    With ``subtract_entropy`` (default) the target's own entropy, the least value BCE can
    take, is subtracted: the loss is then the summed binary KL divergence, 0 exactly at
    ``sigmoid(pred) == target``, with the same gradient as BCE.

    Args:
        subtract_entropy: report BCE minus its minimum.
        reduction: ``"none"`` (``(K,)`` per sample), ``"sum"``, ``"mean"``.
        loss_weight: multiplier.
    """

    def __init__(self, subtract_entropy: bool = True, reduction: str = "mean", loss_weight: float = 1.0):
        super().__init__()
        self.subtract_entropy, self.reduction, self.loss_weight = subtract_entropy, reduction, loss_weight

    def forward(self, pred: torch.Tensor, target: torch.Tensor, weight: Optional[torch.Tensor] = None,
                avg_factor: Optional[float] = None) -> torch.Tensor:
        """``pred (K, A)`` logits, ``target (K, A)`` window in [0, 1], ``weight (K,)``."""
        if pred.shape[0] == 0:
            return pred.sum() * 0.0
        target = target.to(pred.dtype)
        loss = F.binary_cross_entropy_with_logits(pred, target, reduction="none")
        if self.subtract_entropy:
            loss = loss - binary_entropy(target)
        return self.loss_weight * weight_reduce(loss.sum(-1), weight, self.reduction, avg_factor)
