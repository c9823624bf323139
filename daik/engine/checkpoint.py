"""Checkpoints that load with ``torch.load(weights_only=True)``.

mmengine 0.10.7 stores its ``MessageHub`` (``HistoryBuffer`` objects holding numpy arrays) and
sometimes numpy scalars in checkpoints. Since torch 2.6 ``torch.load`` refuses them by default,
and allowing them would mean allowing ``builtins.getattr`` and numpy's reconstructors. Instead
daik writes *plain* checkpoints: :class:`PlainCheckpointHook` turns every such object into
tensors, numbers, strings, lists and dicts before saving, and turns the history buffers back
when a checkpoint is loaded (``--resume``). The load check stays on.

It also stores the random-number states of Python, numpy and torch and restores them on
resume, so a resumed run draws the same augmentations as an uninterrupted one (exactly so when
data are loaded in the main process, ``num_workers=0``; worker processes are reseeded by the
data loader).
"""
import random
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
        checkpoint["rng_state"] = rng_state()
        for key in list(checkpoint):
            checkpoint[key] = to_plain(checkpoint[key])

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if "message_hub" in checkpoint:
            checkpoint["message_hub"] = from_plain(checkpoint["message_hub"])
        if "rng_state" in checkpoint and runner.train_loop is not None:
            set_rng_state(checkpoint["rng_state"])


def rng_state() -> dict:
    """Python, numpy and torch (CPU) random states as plain values."""
    version, keys, pos = random.getstate()
    kind, np_keys, np_pos, has_gauss, gauss = np.random.get_state()
    return {"python": [version, list(keys), pos],
            "numpy": [kind, torch.from_numpy(np_keys.astype(np.int64)), int(np_pos), int(has_gauss), float(gauss)],
            "torch": torch.get_rng_state()}


def set_rng_state(state: dict) -> None:
    """Inverse of :func:`rng_state`."""
    version, keys, pos = state["python"]
    random.setstate((version, tuple(keys), None if pos is None else pos))
    kind, np_keys, np_pos, has_gauss, gauss = state["numpy"]
    np.random.set_state((kind, np_keys.numpy().astype(np.uint32), np_pos, has_gauss, gauss))
    torch.set_rng_state(state["torch"])


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


def publish_checkpoint(src: str, dst: str, fp16: bool = True) -> dict:
    """Keep only the weights of a training checkpoint (EMA weights when EMA was on), optionally
    in float16, for shipping; the result loads like any daik checkpoint.

    Returns:
        ``{"params": n, "bytes": size of dst}``.
    """
    import os

    ckpt = load_plain_checkpoint(src)
    state = ckpt["state_dict"]
    if fp16:
        state = {k: v.half() if v.is_floating_point() else v for k, v in state.items()}
    meta = {k: v for k, v in ckpt.get("meta", {}).items() if k in ("epoch", "iter", "dataset_meta", "seed")}
    meta["published_from"] = os.path.basename(src)
    torch.save({"state_dict": state, "meta": to_plain(meta)}, dst)
    return {"params": sum(v.numel() for v in state.values() if v.is_floating_point()), "bytes": os.path.getsize(dst)}
