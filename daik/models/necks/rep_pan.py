"""RepPAN neck of YOLOv6: a top-down path then a bottom-up path over strides 8/16/32.

With ``fusion="BiC"`` (the default) it is YOLOv6 v3.0's RepBiFPAN: each top-down step fuses
the coarser map, the lateral map and the next finer backbone map (so the backbone must also
return its stride-4 map). ``fusion="concat"`` is the plain v2.0 RepPAN.
"""
from typing import List, Sequence

import torch
import torch.nn as nn

from daik.registry import MODELS

from ..layers import BiFusion, ConvBNAct, UpConcat, make_stage_block, scale_depth, scale_width

_FUSIONS = {"BiC": BiFusion, "concat": UpConcat}


@MODELS.register_module()
class RepPAN(nn.Module):
    """YOLOv6's (CSP)RepBiPAN neck.

    Args:
        in_channels: backbone widths before scaling, finest first: ``(c_s4, c_s8, c_s16, c_s32)``
            (the stride-4 map is only read by BiC fusion; give 3 values for ``"concat"``).
        channels: the neck's six widths before scaling (YOLOv6's ``out_channels``):
            ``(reduce0, reduce1/P3, down2, N3, down1, N4)``.
        num_repeats: blocks of the four stage blocks ``(P4, P3, N3, N4)`` before scaling.
        widen_factor: width multiplier.
        deepen_factor: depth multiplier.
        block: basic block name.
        stage_block: ``"RepBlock"`` or ``"BepC3"`` (CSP variant for m/l).
        csp_e: hidden ratio of BepC3.
        fusion: ``"BiC"`` (v3.0) or ``"concat"`` (v2.0).
    """

    def __init__(self, in_channels: Sequence[int] = (128, 256, 512, 1024),
                 channels: Sequence[int] = (256, 128, 128, 256, 256, 512),
                 num_repeats: Sequence[int] = (12, 12, 12, 12), widen_factor: float = 1.0,
                 deepen_factor: float = 1.0, block: str = "RepVGGBlock", stage_block: str = "RepBlock",
                 csp_e: float = 0.5, fusion: str = "BiC"):
        super().__init__()
        if fusion not in _FUSIONS:
            raise ValueError(f"fusion must be one of {sorted(_FUSIONS)}, got {fusion!r}")
        cin = [scale_width(c, widen_factor) for c in in_channels]
        if len(cin) == 3:
            cin = [0] + cin
        c1, c2, c3, c4 = cin
        c5, c6, c7, c8, c9, c10 = [scale_width(c, widen_factor) for c in channels]
        n = [scale_depth(r, deepen_factor) for r in num_repeats]
        self.fusion = fusion

        def stage(cin_, cout, reps):
            return make_stage_block(stage_block, cin_, cout, reps, block, csp_e)

        fuse = _FUSIONS[fusion]
        self.reduce0 = ConvBNAct(c4, c5, 1)
        self.fuse0 = fuse((c3, c2), c5)
        self.rep_p4 = stage(c5 if fusion == "BiC" else c5 + c3, c5, n[0])
        self.reduce1 = ConvBNAct(c5, c6, 1)
        self.fuse1 = fuse((c2, c1), c6)
        self.rep_p3 = stage(c6 if fusion == "BiC" else c6 + c2, c6, n[1])
        self.down2 = ConvBNAct(c6, c7, 3, 2)
        self.rep_n3 = stage(c6 + c7, c8, n[2])
        self.down1 = ConvBNAct(c8, c9, 3, 2)
        self.rep_n4 = stage(c5 + c9, c10, n[3])
        self.out_channels = (c6, c8, c10)

    def forward(self, feats: Sequence[torch.Tensor]) -> List[torch.Tensor]:
        """Backbone maps, finest first (strides 4, 8, 16, 32; or 8, 16, 32 for ``"concat"``)
        -> ``[(B, c6, H/8, W/8), (B, c8, H/16, W/16), (B, c10, H/32, W/32)]``."""
        if len(feats) == 4:
            x_s4, x_s8, x_s16, x_s32 = feats
        elif len(feats) == 3 and self.fusion == "concat":
            x_s4, (x_s8, x_s16, x_s32) = None, feats
        else:
            raise ValueError(f"RepPAN ({self.fusion}) got {len(feats)} backbone maps")
        top0 = self.reduce0(x_s32)
        p4 = self.rep_p4(self.fuse0(top0, x_s16, x_s8))
        top1 = self.reduce1(p4)
        p3 = self.rep_p3(self.fuse1(top1, x_s8, x_s4))
        n3 = self.rep_n3(torch.cat([self.down2(p3), top1], dim=1))
        n4 = self.rep_n4(torch.cat([self.down1(n3), top0], dim=1))
        return [p3, n3, n4]
