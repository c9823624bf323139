"""mmengine glue: runner builders, hooks, plain checkpoints."""
from .checkpoint import PlainCheckpointHook, load_plain_checkpoint

__all__ = ["PlainCheckpointHook", "load_plain_checkpoint"]
