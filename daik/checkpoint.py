"""Checkpoints that load with ``torch.load(weights_only=True)``: the one reader and writer of
daik's checkpoints, below the models, the distillers and the engine that all use it.

mmengine 0.10.7 stores its ``MessageHub`` (``HistoryBuffer`` objects holding numpy arrays) and
sometimes numpy scalars in checkpoints. Since torch 2.6 ``torch.load`` refuses them by default,
and allowing them would mean allowing ``builtins.getattr`` and numpy's reconstructors. Instead
daik writes *plain* checkpoints: :func:`to_plain` turns every such object into tensors, numbers,
strings, lists and dicts before saving (:class:`daik.engine.checkpoint.PlainCheckpointHook` does
it for the runner) and :func:`from_plain` turns the history buffers back on ``--resume``. The
load check stays on.

Reading: :func:`load_plain_checkpoint` is the one loader. It passes ``weights_only=True``
explicitly (which ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD`` cannot override); :mod:`daik.engine`
installs it as mmengine's loader for local files, so the runner's ``load_from`` / ``resume`` and
``init_cfg=Pretrained`` use it too. Its errors name the file: :class:`CheckpointReadError`
(empty, truncated, not a checkpoint), :class:`CheckpointRefusedError` (objects other than
tensors and plain values). :func:`load_weights` puts the weights into a model and lists missing,
unexpected and mis-shaped keys (:class:`CheckpointMismatchError` when strict). Writing:
:func:`save_atomic` (and :class:`~daik.engine.checked_runner.DaikRunner` for the runner's saves),
:func:`publish_checkpoint` for shipping.
"""
import os
import pickle
import re
from collections import OrderedDict
from typing import Any, Dict, List, Sequence, Tuple

import numpy as np
import torch
from mmengine.logging import HistoryBuffer

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


class CheckpointError(RuntimeError):
    """A checkpoint that cannot be used; the message names the file and what is wrong."""


class CheckpointReadError(CheckpointError):
    """The file is empty, truncated or not a torch checkpoint at all."""


class CheckpointRefusedError(CheckpointError):
    """The file holds objects other than tensors and plain values (possibly code), refused unread."""


class CheckpointMismatchError(CheckpointError):
    """The weights do not fit the model (missing, unexpected or mis-shaped keys)."""


def _unsupported_global(message: str) -> str:
    """The ``module.name`` torch's weights-only unpickler stopped at, or ``""``."""
    m = re.search(r"GLOBAL ([\w.]+)", message) or re.search(r"Unsupported class ([\w.]+)", message)
    return m.group(1) if m else ""


def load_plain_checkpoint(path: str, map_location: Any = "cpu") -> dict:
    """Read a checkpoint with ``torch.load(weights_only=True)`` passed explicitly - the one loader
    every daik path (and, through :func:`_mmengine_local_loader`, mmengine's runner) uses.

    The explicit argument is not overridden by ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD``, so a file
    carrying pickled code is refused whatever the environment says.

    Raises:
        FileNotFoundError: no such file.
        CheckpointReadError: the file is empty, truncated or not a torch checkpoint.
        CheckpointRefusedError: it holds objects other than tensors and plain values.
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f"checkpoint not found: {path}")
    size = os.path.getsize(path)
    if size == 0:
        raise CheckpointReadError(f"checkpoint {path} is empty (0 bytes): a save that never finished?")
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as e:
        if "Weights only load failed" not in str(e) or "Unsupported operand" in str(e):  # garbage, not code
            raise CheckpointReadError(f"checkpoint {path} ({size} bytes) is truncated or not a torch checkpoint "
                                      "(its pickle data make no sense)") from None
        name = _unsupported_global(str(e))
        raise CheckpointRefusedError(
            f"{path} holds objects other than tensors and plain values"
            f"{f' (it asks for {name})' if name else ''}, so daik refuses it: it is read only with "
            "torch.load(weights_only=True), whatever TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD says, because "
            "unpickling anything else can run code. daik writes plain checkpoints (PlainCheckpointHook); "
            "a foreign checkpoint can be converted once, by whoever trusts its origin, by loading it and "
            "saving daik.engine.checkpoint.to_plain(ckpt)."
        ) from None
    except (EOFError, RuntimeError, KeyError, ValueError, OSError, AttributeError, TypeError) as e:
        text = str(e)
        broken = isinstance(e, (EOFError, KeyError)) or "PytorchStreamReader" in text or "zip archive" in text
        what = "is truncated or not a torch checkpoint" if broken else "cannot be read"
        detail = text.split(". ")[0] if broken else text
        raise CheckpointReadError(f"checkpoint {path} ({size} bytes) {what} ({type(e).__name__}: {detail})") from None


def _short_list(items: Sequence[str], limit: int = 10) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f", ... ({len(items) - limit} more)" if len(items) > limit else "")


def describe_mismatch(missing: Sequence[str], unexpected: Sequence[str], misshaped: Sequence[str]) -> str:
    """One line per kind of key that does not fit (empty string when everything fits)."""
    parts = []
    if missing:
        parts.append(f"{len(missing)} missing (in the model, not in the checkpoint): {_short_list(missing)}")
    if unexpected:
        parts.append(f"{len(unexpected)} unexpected (in the checkpoint, not in the model): {_short_list(unexpected)}")
    if misshaped:
        parts.append(f"{len(misshaped)} mis-shaped: {_short_list(misshaped)}")
    return "\n  ".join(parts)


def load_weights(model: torch.nn.Module, checkpoint: dict, strict: bool = True, source: str = "checkpoint",
                 revise_keys: Sequence[Tuple[str, str]] = ((r"^module\.", ""),),
                 ignore_prefixes: Sequence[str] = ()) -> Dict[str, List[str]]:
    """Put a checkpoint's ``state_dict`` into ``model``, checking every key and shape.

    Args:
        model: the model (not a wrapper).
        checkpoint: what :func:`load_plain_checkpoint` returned (or a bare state dict).
        strict: raise on any missing, unexpected or mis-shaped key (evaluation, inference,
            export, resume). Non-strict (fine-tuning from other weights) loads what fits.
        source: the file, for messages.
        revise_keys: ``(pattern, replacement)`` applied to the checkpoint's keys.
        ignore_prefixes: checkpoint keys under these prefixes that the model does not have are
            left out silently (a distilled checkpoint's ``distill.*`` modules when it is loaded
            into the plain student: :data:`daik.distill.DISTILL_PREFIX`).

    Returns:
        ``{"missing": [...], "unexpected": [...], "misshaped": [...]}``: what was not loaded.

    Raises:
        CheckpointMismatchError: ``strict`` and something does not fit (the model then holds
            a partial load and must not be used).
    """
    state = checkpoint.get("state_dict", checkpoint) if isinstance(checkpoint, dict) else checkpoint
    for pattern, repl in revise_keys:
        state = OrderedDict((re.sub(pattern, repl, k), v) for k, v in state.items())
    own = model.state_dict()
    if ignore_prefixes:
        state = OrderedDict((k, v) for k, v in state.items() if k in own or not k.startswith(tuple(ignore_prefixes)))
    misshaped = [f"{k} (checkpoint {tuple(v.shape)}, model {tuple(own[k].shape)})" for k, v in state.items()
                 if k in own and isinstance(v, torch.Tensor) and v.shape != own[k].shape]
    bad = {k for k, v in state.items() if k in own and isinstance(v, torch.Tensor) and v.shape != own[k].shape}
    fitting = OrderedDict((k, v) for k, v in state.items() if k not in bad)
    result = model.load_state_dict(fitting, strict=False)  # torch's own rules (load hooks included)
    report = {"missing": [k for k in result.missing_keys if k not in bad], "unexpected": list(result.unexpected_keys),
              "misshaped": misshaped}
    if strict and any(report.values()):
        raise CheckpointMismatchError(
            f"{source} does not fit the model, so nothing is run with it:\n  "
            f"{describe_mismatch(report['missing'], report['unexpected'], report['misshaped'])}")
    return report


def save_atomic(obj: Any, path: str) -> None:
    """``torch.save`` through a temporary file in the same folder and ``os.replace``: a crash
    while writing leaves the previous file (or none), never a truncated one."""
    tmp = f"{path}.tmp{os.getpid()}"
    try:
        torch.save(obj, tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def same_file(a: str, b: str) -> bool:
    """Whether two paths name one file (``os.path.samefile`` when both exist, else equal real paths)."""
    if os.path.exists(a) and os.path.exists(b):
        return os.path.samefile(a, b)
    return os.path.realpath(a) == os.path.realpath(b)


def publish_checkpoint(src: str, dst: str, fp16: bool = True, drop_prefixes: Sequence[str] = ()) -> dict:
    """Keep only the weights of a training checkpoint (EMA weights when EMA was on), optionally
    in float16, for shipping; the result loads like any daik checkpoint. Keys under
    ``drop_prefixes`` go (``daik publish`` drops a distiller's own modules, ``distill.*``).

    Returns:
        ``{"params": n, "bytes": size of dst}``.

    Raises:
        ValueError: ``dst`` is ``src`` (that would throw away the optimizer, EMA, scheduler and
            random states the run needs to resume).
    """
    if same_file(src, dst):
        raise ValueError(f"publish_model: the output {dst} is the input {src}; publishing in place would "
                         "replace the training checkpoint (optimizer, EMA, scheduler and RNG states) by "
                         "bare weights. Give another output path.")
    ckpt = load_plain_checkpoint(src)
    state = {k: v for k, v in ckpt["state_dict"].items() if not k.startswith(tuple(drop_prefixes))}
    if fp16:
        state = {k: v.half() if v.is_floating_point() else v for k, v in state.items()}
    meta = {k: v for k, v in ckpt.get("meta", {}).items() if k in ("epoch", "iter", "dataset_meta", "seed")}
    meta["published_from"] = os.path.basename(src)
    save_atomic({"state_dict": state, "meta": to_plain(meta)}, dst)
    return {"params": sum(v.numel() for v in state.values() if v.is_floating_point()), "bytes": os.path.getsize(dst)}
