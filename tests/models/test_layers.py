"""Layers, backbone and neck: shapes, strides, and deployment forms equal to training forms."""
import pytest
import torch
import torch.nn as nn

from daik.models.backbones import EfficientRep
from daik.models.layers import (BepC3, ConvBNAct, RepBlock, RepVGGBlock, SimCSPSPPF, SimSPPF, make_divisible,
                                reparameterize, scale_depth)
from daik.models.necks import RepPAN


def _randomise_bn(module: nn.Module, seed: int = 0) -> None:
    """Give every batch norm non-trivial running statistics and affine parameters."""
    g = torch.Generator().manual_seed(seed)
    for m in module.modules():
        if isinstance(m, nn.BatchNorm2d):
            c = m.num_features
            m.running_mean.copy_(torch.randn(c, generator=g) * 0.5)
            m.running_var.copy_(torch.rand(c, generator=g) + 0.5)
            m.weight.data.copy_(torch.rand(c, generator=g) + 0.5)
            m.bias.data.copy_(torch.randn(c, generator=g) * 0.2)


@pytest.mark.parametrize("cin,cout,stride,groups", [(8, 8, 1, 1), (8, 16, 1, 1), (8, 16, 2, 1), (8, 8, 2, 1),
                                                    (8, 8, 1, 2), (12, 12, 1, 4)])
def test_repvgg_fused_equals_branches(cin, cout, stride, groups):
    torch.manual_seed(0)
    block = RepVGGBlock(cin, cout, 3, stride, groups)
    _randomise_bn(block)
    block.eval()
    x = torch.randn(2, cin, 11, 13)
    ref = block(x)
    has_identity = block.identity is not None
    assert has_identity == (cin == cout and stride == 1)
    block.reparameterize()
    assert block.deployed and block.dense is None and block.identity is None
    assert sum(p.numel() for p in block.parameters()) == cout * (cin // groups) * 9 + cout
    torch.testing.assert_close(block(x), ref, atol=1e-5, rtol=1e-5)


def test_identity_branch_is_the_identity_map():
    """With the 3x3 and 1x1 branches zeroed and fresh BNs (mean 0, var 1), the fused block is
    ReLU(x / sqrt(1 + eps)), channel by channel, also with groups."""
    block = RepVGGBlock(6, 6, 3, 1, groups=2).eval()
    nn.init.zeros_(block.dense.conv.weight)
    nn.init.zeros_(block.pointwise.conv.weight)
    x = torch.randn(1, 6, 5, 5)
    block.reparameterize()
    eps = block.fused.bias.new_tensor(1e-3)
    torch.testing.assert_close(block(x), torch.relu(x / torch.sqrt(1 + eps)), atol=1e-6, rtol=1e-6)


def test_conv_bn_fold():
    conv = ConvBNAct(5, 7, 3, 2, act="silu")
    _randomise_bn(conv, 1)
    conv.eval()
    x = torch.randn(3, 5, 9, 8)
    ref, ref_pre = conv(x), conv(x, activate=False)
    conv.reparameterize()
    torch.testing.assert_close(conv(x), ref, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(conv(x, activate=False), ref_pre, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("module", [
    lambda: RepBlock(8, 16, n=3),
    lambda: BepC3(8, 16, n=4, e=2 / 3),
    lambda: BepC3(8, 16, n=2, e=0.5, block="ConvBNSiLU"),
    lambda: SimSPPF(16, 16),
    lambda: SimCSPSPPF(16, 16),
])
def test_blocks_reparameterize(module):
    torch.manual_seed(0)
    m = module()
    _randomise_bn(m)
    m.eval()
    cin = next(p for p in m.parameters() if p.dim() == 4).shape[1]
    x = torch.randn(2, cin, 10, 10)
    ref = m(x)
    reparameterize(m)
    assert not any(isinstance(b, nn.BatchNorm2d) for b in m.modules())
    torch.testing.assert_close(m(x), ref, atol=1e-5, rtol=1e-5)


def test_bepc3_bottlerep_count():
    """BepC3 groups its n blocks in max(n // 2, 1) BottleRep pairs, as YOLOv6 does."""
    for n, pairs in [(1, 1), (2, 1), (4, 2), (7, 3), (12, 6)]:
        assert len(BepC3(8, 8, n=n).m.blocks) == pairs


def test_scaling_rules():
    assert make_divisible(64 * 0.25) == 16 and make_divisible(1024 * 0.75) == 768 and make_divisible(20) == 24
    assert [scale_depth(n, 0.33) for n in (1, 6, 12, 18, 6)] == [1, 2, 4, 6, 2]
    assert [scale_depth(n, 0.6) for n in (1, 6, 12, 18, 6)] == [1, 4, 7, 11, 4]


@pytest.mark.parametrize("stage_block", ["RepBlock", "BepC3"])
def test_backbone_neck_strides_and_channels(stage_block):
    bb = EfficientRep(widen_factor=0.125, deepen_factor=0.33, stage_block=stage_block, sppf="SimCSPSPPF")
    neck = RepPAN(widen_factor=0.125, deepen_factor=0.33, stage_block=stage_block)
    x = torch.randn(1, 3, 96, 128)
    feats = bb(x)
    assert [f.shape[-1] for f in feats] == [32, 16, 8, 4] and bb.out_channels == (16, 32, 64, 128)
    outs = neck(feats)
    assert [tuple(o.shape[1:]) for o in outs] == [(16, 12, 16), (32, 6, 8), (64, 3, 4)]
    assert neck.out_channels == (16, 32, 64)


def test_plain_pan_fusion():
    bb = EfficientRep(widen_factor=0.125, deepen_factor=0.33, out_indices=(2, 3, 4))
    neck = RepPAN(in_channels=(256, 512, 1024), widen_factor=0.125, deepen_factor=0.33, fusion="concat")
    outs = neck(bb(torch.randn(1, 3, 64, 64)))
    assert [o.shape[-1] for o in outs] == [8, 4, 2]
