"""--cfg-options: a key nothing reads is an error naming the known keys; an option without
'=' says how it should look."""
import os.path as osp

import pytest

from daik.engine.cfg_options import ConfigOptionError
from daik.engine.runner import load_config

from .conftest import NANO, ROOT

DISTILL = osp.join(ROOT, "configs", "distill", "crosskd.py")


@pytest.mark.parametrize("key, where, hint", [
    ("model.test_cfg.score_tresh", "under model.test_cfg", "score_thr"),
    ("tset_dataloader.batch_size", "at the top level", "test_dataloader"),
    ("train_dataloader.batch_sise", "under train_dataloader", "batch_size"),
    ("val_dataloader.dataset.clases", "under val_dataloader.dataset", "classes"),
    ("train_cfg.max_epoch", "under train_cfg", "max_epochs"),
    ("val_cfg.fp61", "under val_cfg", "fp16"),
])
def test_unknown_keys_are_errors_naming_the_known_ones(key, where, hint):
    with pytest.raises(ConfigOptionError) as info:
        load_config(NANO, {key: 1})
    msg = str(info.value)
    assert key in msg and where in msg and f"did you mean {hint!r}" in msg and "known keys:" in msg


def test_known_keys_still_merge():
    opts = {"model.test_cfg.score_thr": 0.3, "model.test_cfg.nms.iou_threshold": 0.2,
            "train_dataloader.batch_size": 3, "train_dataloader.dataset.skip_unknown_classes": True,
            "train_cfg.max_epochs": 5, "optim_wrapper.optimizer.lr": 0.5, "randomness.seed": 7, "load_from": "x.pth"}
    cfg = load_config(NANO, opts)
    assert cfg.model.test_cfg.score_thr == 0.3 and cfg.train_dataloader.batch_size == 3
    assert cfg.train_cfg.max_epochs == 5 and cfg.randomness.seed == 7
    student = load_config(DISTILL, {"model.student.test_cfg.score_thr": 0.2})
    assert student.model.student.test_cfg.score_thr == 0.2
    with pytest.raises(ConfigOptionError, match="under model.student.test_cfg"):
        load_config(DISTILL, {"model.student.test_cfg.scor_thr": 0.2})


def test_tools_stop_on_an_unknown_key_before_any_work(tmp_path):
    from daik.cli import test as test_tool

    with pytest.raises(ConfigOptionError, match="score_tresh"):
        test_tool.main([NANO, str(tmp_path / "none.pth"), "--cfg-options", "model.test_cfg.score_tresh=0.3"])


def test_option_without_equals_says_how_it_should_look(capsys):
    from daik.cli import train

    with pytest.raises(SystemExit) as info:
        train.parse_args([NANO, "--cfg-options", "model.test_cfg.score_thr", "0.3"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "'model.test_cfg.score_thr' is not key=value" in err and "model.test_cfg.score_thr=0.3" in err
