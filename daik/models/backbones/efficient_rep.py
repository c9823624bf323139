"""EfficientRep backbone of YOLOv6 (v3.0 layout), with CSPBep stages for m/l."""
from typing import Sequence, Tuple

import torch
import torch.nn as nn

from daik.registry import MODELS

from ..layers import block_act, make_basic_block, make_sppf, make_stage_block, scale_depth, scale_width


@MODELS.register_module()
class EfficientRep(nn.Module):
    """A stride-2 stem and four stages (stride 4, 8, 16, 32), each a stride-2 basic block and a
    stage block; the last stage ends with an SPPF.

    YOLOv6 v3.0: n/s use ``stage_block="RepBlock"`` and ``sppf="SimCSPSPPF"``; m/l use
    ``stage_block="BepC3"`` (its ``CSPBepBackbone``, ``csp_e`` 2/3 and 1/2) and ``"SimSPPF"``;
    l trains with ``block="ConvBNSiLU"``.

    Args:
        channels: stem and stage widths before scaling.
        num_repeats: blocks per stem/stage before scaling.
        widen_factor: width multiplier (channels -> ``make_divisible(c * w, 8)``).
        deepen_factor: depth multiplier.
        block: basic block (``"RepVGGBlock"``, ``"ConvBNSiLU"``, ``"ConvBNReLU"``).
        stage_block: ``"RepBlock"`` or ``"BepC3"``.
        csp_e: hidden ratio of BepC3.
        sppf: ``"SimSPPF"`` or ``"SimCSPSPPF"``.
        out_indices: stages returned (1: stride 4, ..., 4: stride 32). The BiC neck needs 1-4.
        in_channels: image channels.
    """

    def __init__(self, channels: Sequence[int] = (64, 128, 256, 512, 1024),
                 num_repeats: Sequence[int] = (1, 6, 12, 18, 6), widen_factor: float = 1.0,
                 deepen_factor: float = 1.0, block: str = "RepVGGBlock", stage_block: str = "RepBlock",
                 csp_e: float = 0.5, sppf: str = "SimSPPF", out_indices: Sequence[int] = (1, 2, 3, 4),
                 in_channels: int = 3):
        super().__init__()
        if len(channels) != 5 or len(num_repeats) != 5:
            raise ValueError("EfficientRep needs 5 channels and 5 num_repeats (stem + 4 stages)")
        ch = [scale_width(c, widen_factor) for c in channels]
        reps = [scale_depth(n, deepen_factor) for n in num_repeats]
        self.out_indices = tuple(out_indices)
        self.stem = make_basic_block(block, in_channels, ch[0], stride=2)
        stages = []
        for i in range(1, 5):
            layers = [make_basic_block(block, ch[i - 1], ch[i], stride=2),
                      make_stage_block(stage_block, ch[i], ch[i], reps[i], block, csp_e)]
            if i == 4:
                layers.append(make_sppf(sppf, ch[i], ch[i], act=block_act(block)))
            stages.append(nn.Sequential(*layers))
        self.stages = nn.ModuleList(stages)
        self.out_channels = tuple(ch[i] for i in self.out_indices)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """``(B, 3, H, W)`` -> one ``(B, C_i, H / 2^(i+1), W / 2^(i+1))`` map per out index."""
        x = self.stem(x)
        outs = []
        for i, stage in enumerate(self.stages, start=1):
            x = stage(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)
