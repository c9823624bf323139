"""A detector ready for inference from a config and a plain checkpoint (what ``daik infer``,
``daik export`` and their benchmarks start from)."""
import os
from typing import Optional, Sequence, Tuple, Union

import torch
from mmengine.config import Config

from daik.checkpoint import load_plain_checkpoint, load_weights
from daik.classes import get_classes
from daik.distill import DISTILL_PREFIX
from daik.engine.runner import load_config
from daik.registry import DATASETS, MODELS


def detector_config(cfg: Config) -> dict:
    """The config of the detector to deploy: ``cfg.model``, or a distiller's ``student``."""
    model = cfg.model
    return model["student"] if "student" in model else model


def class_names_from_config(cfg: Config, num_classes: Optional[int] = None) -> Tuple[str, ...]:
    """Class names of the config's test (or val / train) data set: its ``classes`` option, else
    the data set type's ``METAINFO``; ``class_0 ...`` when neither gives ``num_classes`` names."""
    for key in ("test_dataloader", "val_dataloader", "train_dataloader"):
        ds = (cfg.get(key) or {}).get("dataset")
        while ds is not None and "dataset" in ds and "classes" not in ds:  # wrappers (mix)
            ds = ds["dataset"]
        if not ds:
            continue
        if ds.get("classes") is not None:
            names = get_classes(ds["classes"])
        else:
            cls = DATASETS.get(ds.get("type", ""))
            names = tuple((getattr(cls, "METAINFO", None) or {}).get("classes", ())) if cls else ()
        if names and (num_classes is None or len(names) == num_classes):
            return tuple(names)
    return tuple(f"class_{i}" for i in range(num_classes or 0))


def load_detector(config: str, checkpoint: Optional[str] = None, cfg_options: Optional[dict] = None,
                  device: str = "cpu") -> Tuple[torch.nn.Module, Config, Sequence[str]]:
    """Build the config's detector (a distiller's student), load a plain checkpoint, eval mode.

    Args:
        config: config file.
        checkpoint: daik checkpoint (``state_dict`` inside) or None for the config's initial
            weights. Read with ``weights_only=True`` and loaded strictly: a missing, unexpected
            or mis-shaped key raises :class:`~daik.engine.checkpoint.CheckpointMismatchError`
            listing them, before any inference or export.
        cfg_options: ``--cfg-options`` overrides.
        device: where the model goes.

    Returns:
        ``(model, cfg, class_names)``.
    """
    import daik.models  # noqa: F401  (registration)

    cfg = load_config(config, cfg_options)
    model = MODELS.build(detector_config(cfg))
    if checkpoint is not None:
        load_weights(model, load_plain_checkpoint(checkpoint), strict=True, source=f"{checkpoint} (for {config})",
                     ignore_prefixes=(DISTILL_PREFIX,))
    model = model.to(device).eval()
    names = class_names_from_config(cfg, getattr(getattr(model, "head", None), "num_classes", None))
    return model, cfg, names


def init_detector(config: Union[str, os.PathLike], checkpoint: Optional[Union[str, os.PathLike]] = None,
                  device: str = "cpu", cfg_options: Optional[dict] = None) -> torch.nn.Module:
    """Build a config's detector and load its weights, ready for inference.

    Args:
        config: config file; a distillation config gives its student.
        checkpoint: daik checkpoint (read with ``weights_only=True`` and loaded strictly), or
            None for the config's initial weights.
        device: ``"cpu"``, ``"cuda"``, ``"cuda:1"``...
        cfg_options: ``--cfg-options`` style overrides, ``{"model.test_cfg.score_thr": 0.3}``.

    Returns:
        The detector in eval mode on ``device``, with ``model.cfg`` and
        ``model.dataset_meta["classes"]``.

    Raises:
        FileNotFoundError: no such config or checkpoint.
        daik.checkpoint.CheckpointError: the checkpoint cannot be read, is refused, or
            does not fit the model (a missing, unexpected or mis-shaped key, e.g. another class
            count): nothing is returned half-loaded.
    """
    model, cfg, names = load_detector(os.fspath(config), None if checkpoint is None else os.fspath(checkpoint),
                                      cfg_options, device=device)
    model.cfg = cfg
    model.dataset_meta = dict(classes=tuple(names))
    return model
