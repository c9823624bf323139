"""Records the rotated head hands out (to its own losses and to distillers)."""
from dataclasses import dataclass
from typing import Dict, List, Optional

import torch

from ..task_modules import AssignResult, BatchGT, Priors


@dataclass
class RawPreds:
    """Raw head outputs, flattened over levels (level by level, row-major), ``N`` points.

    Attributes:
        maps: ``{branch: [(B, P, H_l, W_l)]}`` the per-level maps as the head produced them.
        cls_logits: ``(B, N, C)``.
        reg_logits: ``(B, N, 4, reg_max + 1)`` DFL logits of ``(l, t, r, b)`` in stride units.
        ang_logits: ``(B, N, A)`` CSL logits.
        priors: anchor points ``(N, 2)``, their strides ``(N,)`` and the level sizes.
    """

    maps: Dict[str, List[torch.Tensor]]
    cls_logits: torch.Tensor
    reg_logits: torch.Tensor
    ang_logits: torch.Tensor
    priors: Priors

    def level_split(self, x: torch.Tensor, dim: int = 1) -> List[torch.Tensor]:
        """Split a flattened tensor ``(..., N, ...)`` along ``dim`` back into levels."""
        return list(x.split(self.priors.num_level_points, dim=dim))


@dataclass
class DecodedPreds:
    """Decoded predictions in input pixels.

    Attributes:
        scores: ``(B, N, C)`` class probabilities.
        distances: ``(B, N, 4)`` expected ``(l, t, r, b)`` in pixels (differentiable).
        angles: ``(B, N)`` CSL-decoded theta (radians, detached: the angle learns from CSL).
        rboxes: ``(B, N, 5)`` regularised boxes from ``distances`` and ``angles``.
    """

    scores: torch.Tensor
    distances: torch.Tensor
    angles: torch.Tensor
    rboxes: torch.Tensor


@dataclass
class HeadState:
    """Everything one training forward of the head computed (for distillers)."""

    raw: RawPreds
    decoded: DecodedPreds
    gt: BatchGT
    assign: AssignResult
    losses: Optional[Dict[str, torch.Tensor]] = None
