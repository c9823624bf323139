"""The runner's side of daik's plain checkpoints (:mod:`daik.checkpoint` reads and writes them).

:class:`PlainCheckpointHook` makes every checkpoint the runner saves plain (see
:func:`daik.checkpoint.to_plain`) and turns the history buffers back on resume. It also stores
the random-number states of Python, numpy and torch and restores them on resume, so a resumed
run draws the same augmentations as an uninterrupted one (exactly so when data are loaded in the
main process, ``num_workers=0``; worker processes are reseeded by the data loader).

Importing this module installs :func:`daik.checkpoint.load_plain_checkpoint` as mmengine's loader
for local files, so ``load_from``, ``resume`` and ``init_cfg=dict(type="Pretrained")`` read
through it.
"""
import os
import random
from typing import Any

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.runner.checkpoint import CheckpointLoader

from daik.checkpoint import from_plain, load_plain_checkpoint, to_plain
from daik.registry import HOOKS


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


def _mmengine_local_loader(filename: str, map_location: Any = None) -> dict:
    """mmengine's loader scheme for local files, replaced so that whatever mmengine reads
    (``load_from``, ``resume``, ``init_cfg=dict(type="Pretrained")``) goes through
    :func:`load_plain_checkpoint`."""
    return load_plain_checkpoint(os.path.expanduser(filename), map_location=map_location or "cpu")


CheckpointLoader.register_scheme(prefixes="", loader=_mmengine_local_loader, force=True)


