"""Stage blocks of EfficientRep / RepPAN: RepBlock, BottleRep, BepC3 (CSPStackRep), the SPPF
variants and the BiC fusion of YOLOv6 v3.0."""
from typing import Sequence

import torch
import torch.nn as nn

from .conv import ConvBNAct, Transpose
from .repvgg import RepVGGBlock

# The 3x3 "basic block" a stage is made of: RepVGG (re-parameterisable) or a plain conv.
BASIC_BLOCKS = ("RepVGGBlock", "ConvBNSiLU", "ConvBNReLU")


def make_basic_block(kind: str, in_channels: int, out_channels: int, stride: int = 1) -> nn.Module:
    """A 3x3 basic block by name (see :data:`BASIC_BLOCKS`)."""
    if kind == "RepVGGBlock":
        return RepVGGBlock(in_channels, out_channels, 3, stride)
    if kind == "ConvBNSiLU":
        return ConvBNAct(in_channels, out_channels, 3, stride, act="silu")
    if kind == "ConvBNReLU":
        return ConvBNAct(in_channels, out_channels, 3, stride, act="relu")
    raise ValueError(f"unknown basic block {kind!r}; choose one of {BASIC_BLOCKS}")


def block_act(kind: str) -> str:
    """Activation of the 1x1 convs around a stage built of ``kind`` blocks (SiLU for the
    ``ConvBNSiLU`` training mode of YOLOv6-L, ReLU otherwise)."""
    return "silu" if kind == "ConvBNSiLU" else "relu"


class BottleRep(nn.Module):
    """Two basic blocks with a learnt-scale shortcut ``y = f(x) + alpha * x`` (when shapes
    match; ``alpha`` starts at 1)."""

    def __init__(self, in_channels: int, out_channels: int, block: str = "RepVGGBlock"):
        super().__init__()
        self.conv1 = make_basic_block(block, in_channels, out_channels)
        self.conv2 = make_basic_block(block, out_channels, out_channels)
        self.shortcut = in_channels == out_channels
        self.alpha = nn.Parameter(torch.ones(1)) if self.shortcut else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv2(self.conv1(x))
        return y + self.alpha * x if self.shortcut else y


class RepBlock(nn.Module):
    """``n`` basic blocks in a row (the first maps ``in -> out``), or, with ``bottle=True``,
    ``max(n // 2, 1)`` :class:`BottleRep` pairs as YOLOv6 builds inside BepC3.

    Args:
        in_channels: input channels.
        out_channels: output channels.
        n: number of basic blocks.
        block: basic block name.
        bottle: group the blocks in BottleRep pairs.
    """

    def __init__(self, in_channels: int, out_channels: int, n: int = 1, block: str = "RepVGGBlock",
                 bottle: bool = False):
        super().__init__()
        if bottle:
            units = [BottleRep(in_channels, out_channels, block)]
            units += [BottleRep(out_channels, out_channels, block) for _ in range(max(n // 2, 1) - 1)]
        else:
            units = [make_basic_block(block, in_channels, out_channels)]
            units += [make_basic_block(block, out_channels, out_channels) for _ in range(n - 1)]
        self.blocks = nn.Sequential(*units)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.blocks(x)


class BepC3(nn.Module):
    """CSPStackRep block: ``cv3(cat(RepBlock(cv1(x)), cv2(x)))`` with hidden width ``e * out``.

    Args:
        in_channels: input channels.
        out_channels: output channels.
        n: basic blocks in the RepBlock (in BottleRep pairs).
        e: hidden-width ratio (YOLOv6: 2/3 for m, 1/2 for l).
        block: basic block name.
    """

    def __init__(self, in_channels: int, out_channels: int, n: int = 1, e: float = 0.5,
                 block: str = "RepVGGBlock"):
        super().__init__()
        hidden = int(out_channels * e)
        act = block_act(block)
        self.cv1 = ConvBNAct(in_channels, hidden, 1, act=act)
        self.cv2 = ConvBNAct(in_channels, hidden, 1, act=act)
        self.cv3 = ConvBNAct(2 * hidden, out_channels, 1, act=act)
        self.m = RepBlock(hidden, hidden, n, block, bottle=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.cv3(torch.cat([self.m(self.cv1(x)), self.cv2(x)], dim=1))


def make_stage_block(kind: str, in_channels: int, out_channels: int, n: int, block: str,
                     csp_e: float = 0.5) -> nn.Module:
    """``"RepBlock"`` (n/s) or ``"BepC3"`` (m/l) by name."""
    if kind == "RepBlock":
        return RepBlock(in_channels, out_channels, n, block)
    if kind == "BepC3":
        return BepC3(in_channels, out_channels, n, csp_e, block)
    raise ValueError(f"unknown stage block {kind!r}; choose RepBlock or BepC3")


class SimSPPF(nn.Module):
    """Fast spatial pyramid pooling: 1x1 conv to ``in/2``, three chained max-pools, concat, 1x1."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 5, act: str = "relu"):
        super().__init__()
        hidden = in_channels // 2
        self.cv1 = ConvBNAct(in_channels, hidden, 1, act=act)
        self.cv2 = ConvBNAct(hidden * 4, out_channels, 1, act=act)
        self.pool = nn.MaxPool2d(kernel_size, 1, kernel_size // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.cv1(x)
        y1 = self.pool(x)
        y2 = self.pool(y1)
        return self.cv2(torch.cat([x, y1, y2, self.pool(y2)], dim=1))


class SimCSPSPPF(nn.Module):
    """CSP version of SimSPPF (YOLOv6 v3.0): the pooled path and a 1x1 shortcut path,
    each of width ``e * out``, concatenated and merged."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 5, e: float = 0.5,
                 act: str = "relu"):
        super().__init__()
        hidden = int(out_channels * e)
        self.cv1 = ConvBNAct(in_channels, hidden, 1, act=act)
        self.cv2 = ConvBNAct(in_channels, hidden, 1, act=act)
        self.cv3 = ConvBNAct(hidden, hidden, 3, act=act)
        self.cv4 = ConvBNAct(hidden, hidden, 1, act=act)
        self.cv5 = ConvBNAct(4 * hidden, hidden, 1, act=act)
        self.cv6 = ConvBNAct(hidden, hidden, 3, act=act)
        self.cv7 = ConvBNAct(2 * hidden, out_channels, 1, act=act)
        self.pool = nn.MaxPool2d(kernel_size, 1, kernel_size // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x1 = self.cv4(self.cv3(self.cv1(x)))
        y1 = self.pool(x1)
        y2 = self.pool(y1)
        pooled = self.cv6(self.cv5(torch.cat([x1, y1, y2, self.pool(y2)], dim=1)))
        return self.cv7(torch.cat([self.cv2(x), pooled], dim=1))


def make_sppf(kind: str, in_channels: int, out_channels: int, act: str = "relu") -> nn.Module:
    """``"SimSPPF"`` or ``"SimCSPSPPF"`` by name."""
    if kind == "SimSPPF":
        return SimSPPF(in_channels, out_channels, 5, act=act)
    if kind == "SimCSPSPPF":
        return SimCSPSPPF(in_channels, out_channels, 5, act=act)
    raise ValueError(f"unknown SPPF {kind!r}; choose SimSPPF or SimCSPSPPF")


class BiFusion(nn.Module):
    """BiC top-down fusion of YOLOv6 v3.0: the coarser map up-sampled, the lateral map and the
    finer map down-sampled, all at ``out`` channels, concatenated and merged by a 1x1 conv.

    Args:
        in_channels: ``(lateral, finer)`` channels; the coarser input already has ``out``.
        out_channels: output channels.
    """

    def __init__(self, in_channels: Sequence[int], out_channels: int):
        super().__init__()
        self.cv1 = ConvBNAct(in_channels[0], out_channels, 1)
        self.cv2 = ConvBNAct(in_channels[1], out_channels, 1)
        self.cv3 = ConvBNAct(out_channels * 3, out_channels, 1)
        self.upsample = Transpose(out_channels, out_channels)
        self.downsample = ConvBNAct(out_channels, out_channels, 3, 2)

    def forward(self, coarse: torch.Tensor, lateral: torch.Tensor, finer: torch.Tensor) -> torch.Tensor:
        """``(B, out, H/2, W/2), (B, c_lat, H, W), (B, c_fin, 2H, 2W) -> (B, out, H, W)``."""
        x0 = self.upsample(coarse)
        x1 = self.cv1(lateral)
        x2 = self.downsample(self.cv2(finer))
        return self.cv3(torch.cat([x0, x1, x2], dim=1))


class UpConcat(nn.Module):
    """Plain PAN top-down fusion (YOLOv6 v2.0 RepPAN): ``cat(up(coarse), lateral)``; ``finer``
    is ignored. Output channels ``out + c_lat``."""

    def __init__(self, in_channels: Sequence[int], out_channels: int):
        super().__init__()
        self.upsample = Transpose(out_channels, out_channels)
        self.out_channels = out_channels + in_channels[0]

    def forward(self, coarse: torch.Tensor, lateral: torch.Tensor, finer: torch.Tensor = None) -> torch.Tensor:
        return torch.cat([self.upsample(coarse), lateral], dim=1)
