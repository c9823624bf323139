"""Backbones."""
from .efficient_rep import EfficientRep

__all__ = ["EfficientRep"]
