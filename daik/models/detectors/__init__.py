"""Detectors and their data pre-processor."""
from .data_preprocessor import RotatedYOLODataPreprocessor
from .rotated_yolo import RotatedYOLO

__all__ = ["RotatedYOLO", "RotatedYOLODataPreprocessor"]
