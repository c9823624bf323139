"""RepVGG block: three parallel branches in training, one 3x3 conv for deployment."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from .conv import fold_bn, make_act, make_bn


class _ConvBN(nn.Module):
    """conv (no bias) followed by batch norm, no activation: one branch of a RepVGG block."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int, groups: int):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride, kernel_size // 2,
                              groups=groups, bias=False)
        self.bn = make_bn(out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn(self.conv(x))


class RepVGGBlock(nn.Module):
    """``act(BN(conv3x3(x)) + BN(conv1x1(x)) + BN(x))``, the identity branch only when the
    block keeps shape (``in == out`` and stride 1).

    All three branches are linear maps of ``x`` once the batch norms use running statistics,
    so :meth:`reparameterize` sums them into one 3x3 conv with bias: the 1x1 kernel sits at
    the centre of a 3x3 one, and the identity is a 3x3 kernel with a 1 at the centre of
    channel ``i``'s own input (``i mod in/groups`` within its group).

    Args:
        in_channels: input channels.
        out_channels: output channels.
        kernel_size: must be 3.
        stride: 1 or 2.
        groups: conv groups.
        act: activation name (YOLOv6 uses ReLU).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, stride: int = 1,
                 groups: int = 1, act: str = "relu"):
        super().__init__()
        if kernel_size != 3:
            raise ValueError(f"RepVGGBlock needs kernel_size 3, got {kernel_size}")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.stride, self.groups = stride, groups
        self.act = make_act(act)
        self.dense = _ConvBN(in_channels, out_channels, 3, stride, groups)
        self.pointwise = _ConvBN(in_channels, out_channels, 1, stride, groups)
        keeps_shape = in_channels == out_channels and stride == 1
        self.identity = make_bn(in_channels) if keeps_shape else None
        self.fused = None

    @property
    def deployed(self) -> bool:
        return self.fused is not None

    def forward(self, x: torch.Tensor, activate: bool = True) -> torch.Tensor:
        """``(B, C_in, H, W) -> (B, C_out, H / s, W / s)`` (pre-activation if not ``activate``)."""
        if self.fused is not None:
            y = self.fused(x)
        else:
            y = self.dense(x) + self.pointwise(x)
            if self.identity is not None:
                y = y + self.identity(x)
        return self.act(y) if activate else y

    def _identity_kernel(self, like: torch.Tensor) -> torch.Tensor:
        """``(C, C / groups, 3, 3)`` kernel of the identity map."""
        per_group = self.in_channels // self.groups
        k = torch.zeros(self.in_channels, per_group, 3, 3, dtype=like.dtype, device=like.device)
        idx = torch.arange(self.in_channels, device=like.device)
        k[idx, idx % per_group, 1, 1] = 1.0
        return k

    def equivalent_kernel_bias(self):
        """The single 3x3 conv equal to the three branches in eval mode.

        Returns:
            ``weight (C_out, C_in / groups, 3, 3)`` and ``bias (C_out,)``.
        """
        w3, b3 = fold_bn(self.dense.conv.weight, None, self.dense.bn)
        w1, b1 = fold_bn(self.pointwise.conv.weight, None, self.pointwise.bn)
        weight = w3 + F.pad(w1, [1, 1, 1, 1])
        bias = b3 + b1
        if self.identity is not None:
            wi, bi = fold_bn(self._identity_kernel(w3), None, self.identity)
            weight, bias = weight + wi, bias + bi
        return weight, bias

    @torch.no_grad()
    def reparameterize(self) -> None:
        """Replace the branches by one 3x3 conv (in place); output equals eval mode's."""
        if self.fused is not None:
            return
        weight, bias = self.equivalent_kernel_bias()
        conv = nn.Conv2d(self.in_channels, self.out_channels, 3, self.stride, 1, groups=self.groups,
                         bias=True).to(weight.device, weight.dtype)
        conv.weight.copy_(weight)
        conv.bias.copy_(bias)
        self.fused = conv
        self.dense = self.pointwise = self.identity = None
