"""Tiny synthetic data sets and configs for end-to-end engine tests."""
import os.path as osp

import pytest

from daik.data.synthetic import make_config, write_dataset
from daik.engine.runner import load_config
from tests.threads import one_thread_fixture

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
NANO = osp.join(ROOT, "configs", "synthetic", "rotated_yolo_n.py")
TINY_CLASSES = ("plane", "large-vehicle")

_one_thread = one_thread_fixture()


@pytest.fixture(scope="session")
def tiny_set(tmp_path_factory):
    """Six 128 px quick-preset scenes with large objects (3 planes, 6 large vehicles), as a
    DOTA-layout folder; its classes are :data:`TINY_CLASSES`."""
    out = tmp_path_factory.mktemp("tiny_synthetic")
    cfg = make_config("quick", size=128, classes=list(TINY_CLASSES), obj_size_range=(30.0, 60.0), density=2.0)
    write_dataset(str(out), 6, cfg, seed=3, progress=False)
    return str(out)


def tiny_config(data_dir: str, max_epochs: int = 2, lr: float = 0.01, aug: bool = False, widen: float = 0.25):
    """The nano synthetic config shrunk to ``data_dir`` at 128 px, single-process loading."""
    cfg = load_config(NANO)
    train_pipeline = [dict(type="LoadImageFromFile")]
    if aug:
        train_pipeline.append(dict(type="RandomFlip", prob=0.75, direction=["horizontal", "vertical", "diagonal"]))
    train_pipeline += [dict(type="Resize", scale=128, keep_ratio=True), dict(type="PackDetInputs")]
    val_pipeline = [dict(type="LoadImageFromFile"), dict(type="Resize", scale=128, keep_ratio=True, resize_boxes=False),
                    dict(type="PackDetInputs")]
    for key, pipe, mode in (("train_dataloader", train_pipeline, False), ("val_dataloader", val_pipeline, True)):
        loader = cfg[key]
        loader.update(batch_size=2, num_workers=0, persistent_workers=False)
        loader.dataset.update(data_root=data_dir, pipeline=pipe, test_mode=mode, classes=TINY_CLASSES)
    cfg.test_dataloader = cfg.val_dataloader
    cfg.model.head.num_classes = len(TINY_CLASSES)
    for part in ("backbone", "neck", "head"):
        cfg.model[part].widen_factor = widen
    cfg.train_cfg.update(max_epochs=max_epochs, val_interval=max_epochs)
    cfg.optim_wrapper.optimizer.lr = lr
    cfg.param_scheduler = [dict(type="LinearLR", start_factor=0.1, by_epoch=False, begin=0, end=10)]
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint.update(interval=1, save_best=None)
    cfg.custom_hooks = [dict(type="SetEpochHook"), dict(type="TrainingCurveHook"), dict(type="PlainCheckpointHook")]
    cfg.randomness = dict(seed=0)
    return cfg
