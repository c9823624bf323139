"""Building blocks of the YOLOv6-R family and the model-level re-parameterisation."""
from .blocks import (BASIC_BLOCKS, BepC3, block_act, BiFusion, BottleRep, RepBlock, SimCSPSPPF, SimSPPF, UpConcat,
                     make_basic_block, make_sppf, make_stage_block)
from .conv import ConvBNAct, Transpose, bn_scale_shift, fold_bn, make_act
from .repvgg import RepVGGBlock
from .reparam import reparameterize
from .scaling import make_divisible, scale_depth, scale_width

__all__ = [
    "ConvBNAct", "Transpose", "RepVGGBlock", "RepBlock", "BottleRep", "BepC3", "SimSPPF", "SimCSPSPPF",
    "BiFusion", "UpConcat", "make_basic_block", "make_stage_block", "make_sppf", "make_act", "fold_bn",
    "bn_scale_shift", "block_act", "reparameterize", "make_divisible", "scale_depth", "scale_width", "BASIC_BLOCKS",
]
