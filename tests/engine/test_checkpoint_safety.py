"""Checkpoints: one loader with weights_only=True everywhere (even under
TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1), strict loading for evaluation / inference / export,
broken files named, atomic writes, resume past a truncated checkpoint, publish never in place."""
import os
import os.path as osp

import pytest
import torch
from mmengine.fileio.backends.local_backend import LocalBackend
from mmengine.logging import MessageHub

from daik.engine.checked_runner import DaikRunner, resume_candidates
from daik.checkpoint import CheckpointMismatchError, CheckpointReadError, CheckpointRefusedError, load_plain_checkpoint, load_weights, publish_checkpoint
from daik.registry import MODELS

from .conftest import ROOT, tiny_config
from .test_checkpoint import _Linear, _Points, _runner



class _Payload:
    """Unpickling this creates the folder ``path``: stands for any code a pickle can run."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (os.makedirs, (self.path,))


def _tool(name):
    """The ``daik`` subcommand module ``daik.cli.<name>``."""
    import importlib

    return importlib.import_module("daik.cli." + name)


@pytest.fixture()
def tiny_cfg_file(tiny_set, tmp_path):
    cfg = tiny_config(tiny_set, max_epochs=1)
    path = str(tmp_path / "tiny.py")
    cfg.dump(path)
    return path


def _tiny_weights(tiny_set, path, num_classes=2):
    cfg = tiny_config(tiny_set)
    cfg.model.head.num_classes = num_classes
    model = MODELS.build(cfg.model)
    torch.save({"state_dict": model.state_dict(), "meta": {"epoch": 1, "iter": 3}}, path)
    return path


# ------------------------------------------------------------------------------ case 11
def test_empty_and_truncated_checkpoints_name_the_file(tmp_path):
    good = tmp_path / "good.pth"
    torch.save({"state_dict": {"w": torch.ones(1000)}}, good)
    empty, cut, text = tmp_path / "empty.pth", tmp_path / "cut.pth", tmp_path / "text.pth"
    empty.write_bytes(b"")
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    text.write_text("not a checkpoint")
    with pytest.raises(CheckpointReadError, match=r"empty\.pth is empty \(0 bytes\)"):
        load_plain_checkpoint(str(empty))
    for path in (cut, text):
        with pytest.raises(CheckpointReadError, match=rf"{path.name} \(\d+ bytes\) is truncated or not a torch"):
            load_plain_checkpoint(str(path))
    assert load_plain_checkpoint(str(good))["state_dict"]["w"].sum() == 1000


# ------------------------------------------------------------------------------ case 9
def test_pickled_code_never_runs_through_any_entry_point(tiny_set, tiny_cfg_file, tmp_path, monkeypatch):
    """With TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1 (which makes a bare torch.load unpickle anything),
    a checkpoint whose unpickling would create a folder never creates it: tools/test.py,
    tools/train.py --resume and --load-from, load_detector (infer_large, export), export_onnx,
    publish_model and mmengine's own load_checkpoint (init_cfg=Pretrained) all refuse it."""
    from mmengine.runner.checkpoint import load_checkpoint as mm_load_checkpoint

    from daik.apis import load_detector

    monkeypatch.setenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "1")
    marker = str(tmp_path / "PAYLOAD_RAN")
    evil = str(tmp_path / "evil.pth")
    model = MODELS.build(tiny_config(tiny_set).model)
    torch.save({"state_dict": model.state_dict(), "meta": {"epoch": 1, "iter": 3, "x": _Payload(marker)}}, evil)
    resume_dir = tmp_path / "resume"
    resume_dir.mkdir()
    (resume_dir / "epoch_1.pth").write_bytes(open(evil, "rb").read())
    (resume_dir / "last_checkpoint").write_text(str(resume_dir / "epoch_1.pth"))
    entry_points = {
        "daik test": lambda: _tool("test").main([tiny_cfg_file, evil, "--work-dir", str(tmp_path / "t")]),
        "daik train --resume": lambda: _tool("train").main([tiny_cfg_file, "--work-dir", str(resume_dir),
                                                                "--resume"]),
        "daik train --load-from": lambda: _tool("train").main([tiny_cfg_file, "--work-dir", str(tmp_path / "l"),
                                                                   "--load-from", evil]),
        "load_detector": lambda: load_detector(tiny_cfg_file, evil),
        "daik export": lambda: _tool("export").main([tiny_cfg_file, evil, "--out",
                                                                   str(tmp_path / "m.onnx")]),
        "daik publish": lambda: _tool("publish").main([evil, str(tmp_path / "pub.pth")]),
        "mmengine load_checkpoint": lambda: mm_load_checkpoint(model, evil),
    }
    for name, call in entry_points.items():
        with pytest.raises(CheckpointRefusedError, match="weights_only=True") as info:
            call()
        assert "evil.pth" in str(info.value) or "epoch_1.pth" in str(info.value), name
        assert "weights_only=False" not in str(info.value), name  # never advise turning the check off
        assert not os.path.exists(marker), f"pickled code ran through {name}"


# ------------------------------------------------------------------------------ case 1
def test_test_tool_refuses_a_checkpoint_of_another_class_count(tiny_set, tiny_cfg_file, tmp_path):
    """A 3-class checkpoint under the 2-class config is not scored: the error lists the
    mis-shaped class-head keys and no result is written."""
    ckpt = _tiny_weights(tiny_set, str(tmp_path / "three.pth"), num_classes=3)
    out_dir = tmp_path / "out"
    cfg = tiny_config(tiny_set)
    cfg.test_dataloader.dataset.data_root = str(tmp_path / "not_there")  # checked before the data are
    cfg.dump(str(tmp_path / "no_data.py"))
    with pytest.raises(CheckpointMismatchError, match=r"three\.pth does not fit") as info:
        _tool("test").main([str(tmp_path / "no_data.py"), ckpt, "--out-dir", str(out_dir),
                            "--work-dir", str(tmp_path / "w")])
    msg = str(info.value)
    assert "mis-shaped" in msg and "checkpoint (3," in msg and "model (2," in msg, msg
    assert not out_dir.exists()


def test_missing_and_unexpected_keys_are_listed():
    model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Linear(3, 1))
    state = {"0.weight": torch.zeros(3, 2), "0.bias": torch.zeros(3), "2.weight": torch.zeros(1, 3)}
    with pytest.raises(CheckpointMismatchError) as info:
        load_weights(model, {"state_dict": state}, strict=True, source="x.pth")
    msg = str(info.value)
    assert "2 missing" in msg and "1.weight" in msg and "1.bias" in msg
    assert "1 unexpected" in msg and "2.weight" in msg
    skipped = load_weights(model, {"state_dict": state}, strict=False)
    assert sorted(skipped["missing"]) == ["1.bias", "1.weight"] and skipped["unexpected"] == ["2.weight"]
    assert torch.count_nonzero(model[0].weight) == 0  # what fits was loaded


def test_load_from_is_strict_unless_told_and_then_says_what_it_skipped(tiny_set, tiny_cfg_file, tmp_path, capsys):
    ckpt = _tiny_weights(tiny_set, str(tmp_path / "three.pth"), num_classes=3)
    train = _tool("train")
    with pytest.raises(CheckpointMismatchError, match="mis-shaped"):
        train.main([tiny_cfg_file, "--work-dir", str(tmp_path / "a"), "--load-from", ckpt])
    assert not list((tmp_path / "a").glob("epoch_*.pth"))
    train.main([tiny_cfg_file, "--work-dir", str(tmp_path / "b"), "--load-from", ckpt, "--non-strict"])
    logs = "".join(open(p).read() for p in (tmp_path / "b").rglob("*.log"))
    assert "these weights were NOT loaded" in logs and "misshaped: head." in logs
    assert (tmp_path / "b" / "epoch_1.pth").is_file()


# ------------------------------------------------------------------------------ case 8
def _daik_runner(work_dir, max_epochs, resume=False, name="r"):
    runner = _runner(work_dir, max_epochs, resume=resume, name=name)
    return DaikRunner(
        model=_Linear(), work_dir=str(work_dir), experiment_name=f"{name}{max_epochs}{resume}d",
        train_dataloader=runner._train_dataloader, optim_wrapper=runner.optim_wrapper,
        train_cfg=runner._train_loop, param_scheduler=runner.param_schedulers,
        default_hooks=dict(checkpoint=dict(type="CheckpointHook", interval=1), logger=dict(type="LoggerHook", interval=1)),
        custom_hooks=[dict(type="EMAHook"), dict(type="PlainCheckpointHook")], randomness=dict(seed=0),
        resume=resume, default_scope="daik")


def test_checkpoint_writes_are_atomic(tmp_path, monkeypatch):
    """A crash while writing epoch 2 leaves epoch 1 and no epoch_2.pth, not a truncated file."""
    put = LocalBackend.put

    def crash_on_epoch_2(self, obj, filepath):
        if "epoch_2" in str(filepath):
            with open(filepath, "wb") as f:
                f.write(obj[: len(obj) // 3])
            raise KeyboardInterrupt("killed while writing")
        return put(self, obj, filepath)

    monkeypatch.setattr(LocalBackend, "put", crash_on_epoch_2)
    with pytest.raises(KeyboardInterrupt):
        _daik_runner(tmp_path, 3).train()
    assert sorted(p.name for p in tmp_path.glob("*.pth*")) == ["epoch_1.pth"]
    assert load_plain_checkpoint(str(tmp_path / "epoch_1.pth"))["meta"]["epoch"] == 1


def test_resume_falls_back_past_a_truncated_checkpoint(tmp_path, caplog):
    first = _daik_runner(tmp_path, 2, name="a")
    first.train()
    newest = tmp_path / "epoch_2.pth"
    newest.write_bytes(newest.read_bytes()[:100])  # what a crash while writing (old code) left
    assert resume_candidates(str(tmp_path)) == [str(newest), str(tmp_path / "epoch_1.pth")]
    MessageHub.get_current_instance().log_scalars.clear()
    second = _daik_runner(tmp_path, 3, resume=True, name="b")
    second.train()
    assert second.epoch == 3
    logs = "".join(open(p).read() for p in tmp_path.rglob("*.log"))
    assert "skipped" in logs and "epoch_2.pth" in logs and "resumed from" in logs


def test_resume_with_no_readable_checkpoint_stops(tmp_path):
    (tmp_path / "epoch_1.pth").write_bytes(b"")
    with pytest.raises(CheckpointReadError, match="no checkpoint .* can be loaded"):
        _daik_runner(tmp_path, 2, resume=True).train()


# ------------------------------------------------------------------------------ case 6
def test_publish_refuses_to_overwrite_its_input(tmp_path):
    src = tmp_path / "epoch_3.pth"
    torch.save({"state_dict": {"w": torch.ones(3)}, "optimizer": {"state": {}}, "meta": {"epoch": 3}}, src)
    before = src.read_bytes()
    for dst in (str(src), str(tmp_path / "." / "epoch_3.pth")):
        with pytest.raises(ValueError, match="is the input"):
            publish_checkpoint(str(src), dst)
    with pytest.raises(SystemExit, match="is the input"):
        _tool("publish").main([str(src), str(src)])
    assert src.read_bytes() == before
    info = publish_checkpoint(str(src), str(tmp_path / "pub.pth"))
    assert info["params"] == 3 and "optimizer" not in load_plain_checkpoint(str(tmp_path / "pub.pth"))


def test_kd_diagnostics_refuses_a_student_checkpoint_that_does_not_fit(tmp_path):
    """daik diagnose --student-ckpt: a plain student's weights load; a checkpoint of
    another class count stops it (it used to load non-strictly, without a word)."""
    from daik.engine.runner import load_config

    config = osp.join(ROOT, "configs", "distill", "daik_ad.py")
    student_cfg = load_config(config).model.student
    paths = {}
    for name, extra in (("fits", 0), ("other", 1)):
        cfg = student_cfg.copy()
        cfg.head = dict(cfg.head, num_classes=cfg.head.num_classes + extra)
        paths[name] = str(tmp_path / f"{name}.pth")
        torch.save({"state_dict": MODELS.build(cfg).state_dict()}, paths[name])
    tool = _tool("diagnose")
    args = ["--random-teacher", "--time-steps", "1", "--size", "64", "--batch-size", "1", "--out-dir", str(tmp_path)]
    with pytest.raises(CheckpointMismatchError, match=r"(?s)other\.pth does not fit the student.*mis-shaped"):
        tool.main([config, "--student-ckpt", paths["other"], *args])
    assert tool.main([config, "--student-ckpt", paths["fits"], *args])["timing"]["ratio"] > 0
