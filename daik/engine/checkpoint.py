"""Checkpoints that load with ``torch.load(weights_only=True)``.

mmengine 0.10.7 stores its ``MessageHub`` (``HistoryBuffer`` objects holding numpy arrays) and
sometimes numpy scalars in checkpoints. Since torch 2.6 ``torch.load`` refuses them by default,
and allowing them would mean allowing ``builtins.getattr`` and numpy's reconstructors. Instead
daik writes *plain* checkpoints: :class:`PlainCheckpointHook` turns every such object into
tensors, numbers, strings, lists and dicts before saving, and turns the history buffers back
when a checkpoint is loaded (``--resume``). The load check stays on.
"""
from typing import Any

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.logging import HistoryBuffer

from daik.registry import HOOKS

_BUFFER_TAG = "__daik_history_buffer__"


def to_plain(obj: Any) -> Any:
    """Recursively replace numpy values and ``HistoryBuffer``s by plain Python/torch values."""
    if isinstance(obj, HistoryBuffer):
        logs, counts = obj.data
        return {_BUFFER_TAG: True, "log": torch.from_numpy(np.array(logs, dtype=np.float64)),
                "count": torch.from_numpy(np.array(counts, dtype=np.float64)), "max_length": obj.max_length}
    if isinstance(obj, np.ndarray):
        return torch.from_numpy(np.ascontiguousarray(obj)) if obj.dtype != object else [to_plain(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, dict):
        # keep OrderedDict (allowed by torch.load) and plain dict as they are
        return type(obj)((k, to_plain(v)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_plain(v) for v in obj)
    return obj


def from_plain(obj: Any) -> Any:
    """Inverse of :func:`to_plain` for history buffers (numpy values stay plain)."""
    if isinstance(obj, dict):
        if obj.get(_BUFFER_TAG):
            buf = HistoryBuffer(max_length=int(obj["max_length"]))
            for value, count in zip(obj["log"].tolist(), obj["count"].tolist()):
                buf.update(value, count)
            return buf
        return type(obj)((k, from_plain(v)) for k, v in obj.items())
    if isinstance(obj, list):
        return [from_plain(v) for v in obj]
    return obj


@HOOKS.register_module()
class PlainCheckpointHook(Hook):
    """Save checkpoints that ``torch.load(weights_only=True)`` accepts, and load them back.

    Runs after every other hook's ``before_save_checkpoint`` (EMA swaps included).
    """

    priority = "LOWEST"

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        for key in list(checkpoint):
            checkpoint[key] = to_plain(checkpoint[key])

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if "message_hub" in checkpoint:
            checkpoint["message_hub"] = from_plain(checkpoint["message_hub"])


def load_plain_checkpoint(path: str, map_location: str = "cpu") -> dict:
    """``torch.load`` with ``weights_only=True`` and an error that says what to do."""
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except FileNotFoundError:
        raise FileNotFoundError(f"checkpoint not found: {path}") from None
    except Exception as e:  # noqa: BLE001 - rewrap any unpickling failure with advice
        if "Weights only load failed" not in str(e):
            raise
        raise RuntimeError(
            f"{path} holds objects other than tensors and plain values, so it is refused by "
            "torch.load(weights_only=True). daik writes plain checkpoints (PlainCheckpointHook); "
            "a foreign checkpoint can be converted once, by whoever trusts it, by loading it and "
            "saving daik.engine.checkpoint.to_plain(ckpt)."
        ) from e
