"""Weighting and reduction shared by the losses."""
from typing import Optional

import torch


def weight_reduce(loss: torch.Tensor, weight: Optional[torch.Tensor] = None, reduction: str = "mean",
                  avg_factor: Optional[float] = None) -> torch.Tensor:
    """Apply element weights, then reduce.

    Args:
        loss: element-wise loss, any shape.
        weight: broadcastable to ``loss``, or None.
        reduction: ``"none"``, ``"sum"`` or ``"mean"``.
        avg_factor: with ``"mean"``, divide the sum by this instead of the element count.

    Returns:
        the reduced loss (a scalar unless ``"none"``); an empty input gives 0 that still
        carries the graph.
    """
    if weight is not None:
        loss = loss * weight
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    if reduction != "mean":
        raise ValueError(f"reduction must be none, sum or mean, got {reduction!r}")
    if avg_factor is None:
        return loss.sum() / max(loss.numel(), 1)
    return loss.sum() / (avg_factor + torch.finfo(torch.float32).eps)
