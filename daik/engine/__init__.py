"""mmengine glue: runner builders, hooks (EMA, epochs, curves, drawings), plain checkpoints."""
from .checkpoint import (CheckpointError, CheckpointMismatchError, CheckpointReadError, CheckpointRefusedError,
                         PlainCheckpointHook, load_plain_checkpoint, load_weights)
from .curves import TrainingCurveHook, plot_curves
from .ema import YOLOEMA
from .hooks import SetEpochHook
from .visualization import DrawDetectionsHook, draw_rboxes

__all__ = ["PlainCheckpointHook", "load_plain_checkpoint", "load_weights", "CheckpointError", "CheckpointMismatchError",
           "CheckpointReadError", "CheckpointRefusedError", "TrainingCurveHook", "plot_curves", "YOLOEMA",
           "SetEpochHook", "DrawDetectionsHook", "draw_rboxes"]
