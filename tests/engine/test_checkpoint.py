"""Checkpoints load with torch.load(weights_only=True), and resume continues exactly."""
import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.hooks import Hook
from mmengine.logging import HistoryBuffer, MessageHub
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch.utils.data import Dataset

from daik.engine.checkpoint import PlainCheckpointHook
from daik.checkpoint import from_plain, load_plain_checkpoint, to_plain


class _Points(Dataset):
    def __len__(self):
        return 12

    def __getitem__(self, i):
        g = torch.Generator().manual_seed(i)
        return dict(inputs=torch.randn(3, generator=g), target=torch.randn(1, generator=g))


class _Linear(BaseModel):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 1)

    def forward(self, inputs, target, mode="loss"):
        return dict(loss=((self.lin(inputs) - target) ** 2).mean())


class _Interrupt(Exception):
    pass


class _StopAfter(Hook):
    """A hook that kills training after a given epoch, once its checkpoint is written."""

    def __init__(self, epoch):
        self.epoch = epoch

    def after_train_epoch(self, runner):
        if runner.epoch + 1 == self.epoch:  # runner.epoch counts from 0 until the epoch ends
            raise _Interrupt


def _runner(work_dir, max_epochs, resume=False, name="r", stop_after=None):
    torch.manual_seed(0)
    hooks = [dict(type="EMAHook"), dict(type="PlainCheckpointHook")]
    runner = Runner(
        model=_Linear(), work_dir=str(work_dir), experiment_name=f"{name}{max_epochs}{resume}",
        train_dataloader=dict(dataset=_Points(), sampler=dict(type="DefaultSampler", shuffle=True),
                              batch_size=4, collate_fn=dict(type="default_collate")),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1, momentum=0.9)),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        param_scheduler=[dict(type="CosineAnnealingLR", T_max=3, by_epoch=True)],
        default_hooks=dict(checkpoint=dict(type="CheckpointHook", interval=1), logger=dict(type="LoggerHook", interval=1)),
        custom_hooks=hooks, randomness=dict(seed=0), resume=resume, default_scope="daik",
    )
    if stop_after is not None:
        runner.register_hook(_StopAfter(stop_after), priority="LOWEST")
    return runner


def test_plain_roundtrip_of_history_buffers_and_numpy():
    buf = HistoryBuffer()
    for v in (1.0, 2.5, 4.0):
        buf.update(v)
    obj = {"a": buf, "b": [np.float32(1.5), np.arange(3)], "c": (np.int64(2), "s")}
    plain = to_plain(obj)
    assert isinstance(plain["b"][0], float) and isinstance(plain["c"][0], int)
    back = from_plain(plain)
    assert isinstance(back["a"], HistoryBuffer)
    assert back["a"].data[0].tolist() == [1.0, 2.5, 4.0]
    assert back["a"].mean() == pytest.approx(buf.mean())


def test_checkpoints_load_with_weights_only_and_resume_is_exact(tmp_path):
    straight = _runner(tmp_path / "straight", 3, name="s")
    straight.train()
    want = {k: v.clone() for k, v in straight.model.state_dict().items()}

    first = _runner(tmp_path / "split", 3, name="a", stop_after=2)
    with pytest.raises(_Interrupt):
        first.train()
    ckpt_path = tmp_path / "split" / "epoch_2.pth"
    assert torch.serialization.get_unsafe_globals_in_checkpoint(str(ckpt_path)) == []
    ckpt = load_plain_checkpoint(str(ckpt_path))  # weights_only=True
    assert ckpt["meta"]["epoch"] == 2

    MessageHub.get_current_instance().log_scalars.clear()
    second = _runner(tmp_path / "split", 3, resume=True, name="b")
    second.train()
    assert second.epoch == 3
    assert "train/loss" in second.message_hub.log_scalars  # history came back as buffers
    for k, v in second.model.state_dict().items():
        assert torch.allclose(v, want[k], atol=1e-6), k


def test_foreign_checkpoint_gives_clear_error(tmp_path):
    path = tmp_path / "foreign.pth"
    torch.save({"meta": {"buf": HistoryBuffer()}}, path)
    with pytest.raises(RuntimeError, match="weights_only=True"):
        load_plain_checkpoint(str(path))
    with pytest.raises(FileNotFoundError, match="missing.pth"):
        load_plain_checkpoint(str(tmp_path / "missing.pth"))


def test_hook_is_registered():
    from daik.registry import HOOKS

    assert HOOKS.get("PlainCheckpointHook") is PlainCheckpointHook
