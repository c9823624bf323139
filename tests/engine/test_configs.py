"""Every training config loads (bases resolve, no duplicate keys) and builds its model."""
import glob
import os.path as osp

import pytest

from daik.engine.runner import load_config
from daik.registry import MODELS

from .conftest import ROOT

CONFIGS = sorted(glob.glob(osp.join(ROOT, "configs", "models", "*.py")) +
                 glob.glob(osp.join(ROOT, "configs", "synthetic", "*.py")))
NUM_CLASSES = {"dota": 15, "dior": 20}


@pytest.mark.parametrize("path", CONFIGS, ids=[osp.relpath(p, ROOT) for p in CONFIGS])
def test_config_builds(path):
    cfg = load_config(path)
    assert cfg.default_scope == "daik"
    for key in ("train_dataloader", "val_dataloader", "test_dataloader", "optim_wrapper", "param_scheduler",
                "train_cfg", "val_evaluator", "test_evaluator"):
        assert key in cfg, key
    model = MODELS.build(cfg.model)
    want = next((n for k, n in NUM_CLASSES.items() if path.endswith(f"_{k}.py")), 7)
    assert model.head.num_classes == want
    hooks = [h["type"] for h in cfg.custom_hooks]
    assert hooks[-1] == "PlainCheckpointHook" and "EMAHook" in hooks
    assert cfg.param_scheduler[-1]["end"] == cfg.train_cfg["max_epochs"]
