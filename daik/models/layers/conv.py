"""Convolution + batch norm + activation, and folding a batch norm into the conv before it.

Batch norms use YOLOv6's settings (``eps=1e-3``, ``momentum=0.03``). Every module that can be
simplified for deployment has a ``reparameterize()`` method; :func:`daik.models.reparameterize`
calls them all.
"""
from typing import Optional, Tuple

import torch
import torch.nn as nn

BN_EPS = 1e-3
BN_MOMENTUM = 0.03

_ACTIVATIONS = {"relu": nn.ReLU, "silu": nn.SiLU, "identity": nn.Identity}


def make_act(name: str) -> nn.Module:
    """An activation module by name: ``"relu"``, ``"silu"`` or ``"identity"``."""
    if name not in _ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of {sorted(_ACTIVATIONS)}")
    return _ACTIVATIONS[name]()


def make_bn(channels: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, eps=BN_EPS, momentum=BN_MOMENTUM)


def bn_scale_shift(bn: nn.BatchNorm2d) -> Tuple[torch.Tensor, torch.Tensor]:
    """The per-channel affine map an eval-mode batch norm applies: ``y = x * scale + shift``.

    Returns:
        ``scale`` and ``shift``, each ``(C,)``.
    """
    std = torch.sqrt(bn.running_var + bn.eps)
    gamma = bn.weight if bn.affine else torch.ones_like(std)
    beta = bn.bias if bn.affine else torch.zeros_like(std)
    scale = gamma / std
    return scale, beta - bn.running_mean * scale


def fold_bn(weight: torch.Tensor, bias: Optional[torch.Tensor],
            bn: nn.BatchNorm2d) -> Tuple[torch.Tensor, torch.Tensor]:
    """Kernel and bias of one conv equal to ``bn(conv(x))`` (batch norm in eval mode).

    Args:
        weight: ``(C_out, C_in / groups, kh, kw)`` conv kernel.
        bias: ``(C_out,)`` or None.
        bn: batch norm over ``C_out`` channels.

    Returns:
        ``(weight, bias)`` of the folded conv, shapes ``(C_out, C_in / groups, kh, kw)``, ``(C_out,)``.
    """
    scale, shift = bn_scale_shift(bn)
    b = shift if bias is None else bias * scale + shift
    return weight * scale.reshape(-1, 1, 1, 1), b


class ConvBNAct(nn.Module):
    """``act(bn(conv(x)))`` with "same" padding; folds to ``act(conv'(x))`` for deployment.

    Args:
        in_channels: input channels.
        out_channels: output channels.
        kernel_size: square kernel size (odd).
        stride: stride.
        groups: conv groups.
        act: ``"relu"``, ``"silu"`` or ``"identity"``.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 1, stride: int = 1,
                 groups: int = 1, act: str = "relu"):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride, kernel_size // 2,
                              groups=groups, bias=False)
        self.bn = make_bn(out_channels)
        self.act = make_act(act)

    def forward(self, x: torch.Tensor, activate: bool = True) -> torch.Tensor:
        """``(B, C_in, H, W) -> (B, C_out, H / s, W / s)``; ``activate=False`` gives the
        pre-activation output (what stage-wise distillation reads)."""
        y = self.conv(x)
        if self.bn is not None:
            y = self.bn(y)
        return self.act(y) if activate else y

    @property
    def deployed(self) -> bool:
        return self.bn is None

    @torch.no_grad()
    def reparameterize(self) -> None:
        """Fold the batch norm into the conv (in place); the output equals eval mode's."""
        if self.bn is None:
            return
        w, b = fold_bn(self.conv.weight, self.conv.bias, self.bn)
        conv = nn.Conv2d(self.conv.in_channels, self.conv.out_channels, self.conv.kernel_size,
                         self.conv.stride, self.conv.padding, groups=self.conv.groups, bias=True)
        conv = conv.to(w.device, w.dtype)
        conv.weight.copy_(w)
        conv.bias.copy_(b)
        self.conv = conv
        self.bn = None


class Transpose(nn.Module):
    """2x up-sampling by a learnt transposed conv (kernel 2, stride 2, with bias)."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.up = nn.ConvTranspose2d(in_channels, out_channels, kernel_size=2, stride=2, bias=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, C_in, H, W) -> (B, C_out, 2H, 2W)``."""
        return self.up(x)
