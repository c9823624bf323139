"""YOLOv6's efficient decoupled head, its forward split into numbered stages.

Stages of every level ``l`` (the numbering ``forward_tower`` / ``forward_preds`` use)::

    k = 0  input      the neck map                        (B, C_l, H_l, W_l)   (activated)
    k = 1  stem       1x1 ConvBNAct                       (B, C_l, H_l, W_l)   pre-activation
    k = 2  branches   one 3x3 ConvBNAct per branch        {branch: (B, C_l, H_l, W_l)} pre-activation
    k = 3  preds      one 1x1 conv per branch (logits)    {branch: (B, P_branch, H_l, W_l)}

``forward_tower(feats, k)`` returns, per level, what stage ``k`` gives (a tensor for k <= 1, a
dict keyed by branch name for k >= 2). ``forward_preds(tower, k)`` applies the activation of
stage ``k`` (for ``1 <= k <= 2``) and runs stages ``k+1 .. 3``. So for any ``k``,
``forward_preds(forward_tower(feats, k), k) == forward_preds(feats, 0)``, and a distiller can
push a student's stage-``k`` features (matching widths) through a teacher's later stages.
"""
import math
from typing import Dict, List, Sequence, Union

import torch
import torch.nn as nn

from daik.registry import MODELS

from ..layers import ConvBNAct, scale_width

Tower = List[Union[torch.Tensor, Dict[str, torch.Tensor]]]


@MODELS.register_module()
class EffiDeHead(nn.Module):
    """Horizontal decoupled head of YOLOv6 v3.0 (the layout only; kept to compare the family's
    size with the published models). Branches: ``cls`` -> C logits, ``reg`` -> ``4 (reg_max + 1)``
    (``reg_max = 0``: four plain distances, as YOLOv6-N/S deploy).

    Args:
        num_classes: number of classes.
        in_channels: neck widths before scaling.
        widen_factor: width multiplier.
        reg_max: DFL bins minus one.
        act: activation of the stem and branch convs.
        prior_prob: initial foreground probability of the classifier.
    """

    branches = ("cls", "reg")
    num_stages = 3

    def __init__(self, num_classes: int, in_channels: Sequence[int] = (128, 256, 512), widen_factor: float = 1.0,
                 reg_max: int = 16, act: str = "silu", prior_prob: float = 0.01):
        super().__init__()
        self.num_classes, self.reg_max, self.prior_prob = num_classes, reg_max, prior_prob
        self.in_channels = tuple(scale_width(c, widen_factor) for c in in_channels)
        self.stems = nn.ModuleList(ConvBNAct(c, c, 1, act=act) for c in self.in_channels)
        self.convs = nn.ModuleDict({b: nn.ModuleList(ConvBNAct(c, c, 3, act=act) for c in self.in_channels)
                                    for b in self.branches})
        self.preds = nn.ModuleDict({b: nn.ModuleList(nn.Conv2d(c, self.pred_channels(b), 1) for c in self.in_channels)
                                    for b in self.branches})
        self.init_weights()

    @property
    def num_levels(self) -> int:
        return len(self.in_channels)

    def pred_channels(self, branch: str) -> int:
        """Output channels of a branch's prediction conv."""
        return {"cls": self.num_classes, "reg": 4 * (self.reg_max + 1)}[branch]

    def pred_bias(self, branch: str) -> float:
        """Initial bias of a branch's prediction conv."""
        if branch == "cls":
            return -math.log((1 - self.prior_prob) / self.prior_prob)
        return 1.0

    def init_weights(self) -> None:
        """Prediction convs: small normal weights, branch-specific constant biases."""
        for b in self.branches:
            for conv in self.preds[b]:
                nn.init.normal_(conv.weight, std=0.01)
                nn.init.constant_(conv.bias, self.pred_bias(b))

    def _stage(self, k: int, level: int, x):
        """Stage ``k`` of one level from the previous stage's (pre-activation) output."""
        if k == 1:
            return self.stems[level](x, activate=False)
        if k == 2:
            a = self.stems[level].act(x)
            return {b: self.convs[b][level](a, activate=False) for b in self.branches}
        if k == 3:
            return {b: self.preds[b][level](self.convs[b][level].act(x[b])) for b in self.branches}
        raise ValueError(f"head stages are 1..{self.num_stages}, got {k}")

    def _check(self, feats: Sequence, k: int) -> None:
        if not 0 <= k <= self.num_stages:
            raise ValueError(f"stage k must be in 0..{self.num_stages}, got {k}")
        if len(feats) != self.num_levels:
            raise ValueError(f"head has {self.num_levels} levels, got {len(feats)} inputs")

    def forward_tower(self, feats: Sequence[torch.Tensor], k: int) -> Tower:
        """Per-level output of stage ``k`` (see the module docstring).

        Args:
            feats: neck maps ``[(B, C_l, H_l, W_l)]``.
            k: stage, 0..3.

        Returns:
            one entry per level: a tensor (k <= 1) or a dict ``{branch: tensor}`` (k >= 2).
        """
        self._check(feats, k)
        tower = list(feats)
        for stage in range(1, k + 1):
            tower = [self._stage(stage, lvl, x) for lvl, x in enumerate(tower)]
        return tower

    def forward_preds(self, tower: Tower, k: int = 0) -> Dict[str, List[torch.Tensor]]:
        """Run stages ``k+1 .. 3`` from stage-``k`` features.

        Args:
            tower: per-level output of stage ``k`` (as :meth:`forward_tower` gives).
            k: the stage ``tower`` comes from.

        Returns:
            ``{branch: [(B, P_branch, H_l, W_l) per level]}`` raw logits.
        """
        self._check(tower, k)
        for stage in range(k + 1, self.num_stages + 1):
            tower = [self._stage(stage, lvl, x) for lvl, x in enumerate(tower)]
        return {b: [t[b] for t in tower] for b in self.branches}

    def forward(self, feats: Sequence[torch.Tensor]):
        """Raw per-level logits as a tuple of lists, in :attr:`branches` order."""
        preds = self.forward_preds(list(feats), 0)
        return tuple(preds[b] for b in self.branches)
