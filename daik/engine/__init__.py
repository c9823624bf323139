"""mmengine glue: runner builders, hooks, plain checkpoints."""
from .checkpoint import PlainCheckpointHook, load_plain_checkpoint
from .curves import TrainingCurveHook, plot_curves
from .ema import YOLOEMA

__all__ = ["PlainCheckpointHook", "load_plain_checkpoint", "TrainingCurveHook", "plot_curves", "YOLOEMA"]
