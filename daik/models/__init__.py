"""The YOLOv6-R detector family: layers, EfficientRep backbone, RepPAN neck, rotated head,
assigners, coders and losses (all registered in daik's ``MODELS`` / ``TASK_UTILS``)."""
from . import backbones, detectors, heads, layers, losses, necks, task_modules  # noqa: F401 (registration)
from .backbones import EfficientRep
from .detectors import RotatedYOLO, RotatedYOLODataPreprocessor
from .heads import EffiDeHead, RotatedYOLOv6Head
from .layers import reparameterize
from .necks import RepPAN

__all__ = ["EfficientRep", "RepPAN", "EffiDeHead", "RotatedYOLOv6Head", "RotatedYOLO",
           "RotatedYOLODataPreprocessor", "reparameterize"]
