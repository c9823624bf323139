"""daik train and daik test end to end on tiny synthetic scenes."""
import glob
import json
import os.path as osp

import pytest
from mmengine.hooks import Hook

from daik.engine.runner import build_train_runner
from daik.evaluation import eval_dota_task1

from .conftest import ROOT, TINY_CLASSES, tiny_config


class _Interrupt(Exception):
    pass


class _StopAfterEpoch(Hook):
    def __init__(self, epoch):
        self.epoch = epoch

    def after_train_epoch(self, runner):
        if runner.epoch + 1 == self.epoch:  # runner.epoch counts from 0 until the epoch ends
            raise _Interrupt


def _losses(work_dir):
    with open(osp.join(work_dir, "curves.json")) as f:
        return json.load(f)["losses"]


@pytest.mark.slow
def test_resume_continues_with_identical_losses(tiny_set, tmp_path):
    """An interrupted run resumed from its checkpoint logs the same losses as one that was not."""
    straight = build_train_runner(tiny_config(tiny_set, max_epochs=2, aug=True), str(tmp_path / "a"))
    straight.train()
    cut = build_train_runner(tiny_config(tiny_set, max_epochs=2, aug=True), str(tmp_path / "b"))
    cut.register_hook(_StopAfterEpoch(1), priority="LOWEST")
    with pytest.raises(_Interrupt):
        cut.train()
    resumed = build_train_runner(tiny_config(tiny_set, max_epochs=2, aug=True), str(tmp_path / "b"), resume=True)
    resumed.train()
    want, got = _losses(tmp_path / "a"), _losses(tmp_path / "b")
    per_epoch = len(want["loss"]) // 2
    for name in ("loss", "loss_cls", "loss_bbox", "loss_dfl", "loss_angle"):
        tail = want[name][per_epoch:]
        assert [it for it, _ in got[name]] == [it for it, _ in tail]
        for (_, a), (_, b) in zip(tail, got[name]):
            assert a == pytest.approx(b, rel=1e-5, abs=1e-6), name


@pytest.mark.slow
def test_tiny_model_overfits_and_test_tool_agrees_with_files(tiny_set, tmp_path):
    """A nano model overfits six scenes to mAP50 >= 0.9; daik test's printed mAP equals
    eval_dota_task1 on the Task1 files it wrote; detections are drawn.

    100 epochs in both forms of the test: after 60 (the quick form's earlier length) one CPU gave
    0.64 (the large vehicle not yet learnt) where another gave >= 0.9 - the same run moves from
    CPU to CPU, and 60 epochs left no margin."""
    from daik.cli import test as test_tool

    epochs = 100
    cfg = tiny_config(tiny_set, max_epochs=epochs, lr=0.02)
    cfg.default_hooks.checkpoint.interval = epochs
    runner = build_train_runner(cfg, str(tmp_path / "work"))
    runner.train()
    ckpt = str(tmp_path / "work" / f"epoch_{epochs}.pth")
    cfg_path = str(tmp_path / "tiny.py")
    tiny_config(tiny_set).dump(cfg_path)
    out_dir, show_dir = str(tmp_path / "out"), str(tmp_path / "show")
    metrics = test_tool.main([cfg_path, ckpt, "--out-dir", out_dir, "--show-dir", show_dir,
                              "--work-dir", str(tmp_path / "test")])
    assert metrics["dota/mAP"] >= 0.9, metrics
    files = eval_dota_task1(osp.join(out_dir, "Task1"), osp.join(tiny_set, "labelTxt"), TINY_CLASSES)
    assert files["mAP"] == pytest.approx(metrics["dota/mAP"], abs=1e-9)
    assert json.load(open(osp.join(out_dir, "metrics.json")))["dota/mAP"] == pytest.approx(metrics["dota/mAP"])
    assert len(glob.glob(osp.join(show_dir, "*.png"))) == 6
    assert osp.isfile(osp.join(str(tmp_path / "work"), "curves.png"))


def _free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_two_process_ddp_smoke(tiny_set, tmp_path):
    """torchrun with two gloo processes trains one epoch, validates and writes a checkpoint that
    a single process loads."""
    import os
    import subprocess
    import sys

    import torch

    cfg = tiny_config(tiny_set, max_epochs=1)
    cfg.train_dataloader.batch_size = 1
    cfg.val_dataloader.batch_size = 1
    cfg_path = str(tmp_path / "ddp.py")
    cfg.dump(cfg_path)
    work = str(tmp_path / "work")
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", str(_free_port()),
           osp.join(ROOT, "tools", "train.py"), cfg_path, "--launcher", "pytorch", "--work-dir", work]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    log = open(glob.glob(osp.join(work, "*", "*.log"))[0]).read()
    assert "Distributed launcher: pytorch" in log and "Distributed training: True" in log
    assert "Epoch(train) [1][3/3]" in log  # 6 images, 1 per rank per step: 3 steps, not 6
    assert "Epoch(val) [1]" in log
    ckpt = torch.load(osp.join(work, "epoch_1.pth"), weights_only=True)
    assert not any(k.startswith("module.") for k in ckpt["state_dict"])
