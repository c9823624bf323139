"""mmengine glue: runner builders, hooks (EMA, epochs, curves, drawings, plain checkpoints).
Reading and writing checkpoints is :mod:`daik.checkpoint`."""
from .checkpoint import PlainCheckpointHook
from .curves import TrainingCurveHook, plot_curves
from .ema import YOLOEMA
from .hooks import SetEpochHook
from .visualization import DrawDetectionsHook, draw_rboxes

__all__ = ["PlainCheckpointHook", "TrainingCurveHook", "plot_curves", "YOLOEMA",
           "SetEpochHook", "DrawDetectionsHook", "draw_rboxes"]
