"""The teacher: built from its own files, checked at construction, frozen, outside the module
tree; the distiller's state_dict is the student's."""
import copy
import os

import pytest
import torch

from daik.checkpoint import load_plain_checkpoint, load_weights, publish_checkpoint, save_atomic
from daik.distill import DISTILL_PREFIX
from daik.registry import MODELS
from tests.models.helpers import tiny_model_cfg

from .helpers import ALL_PARTS, STUDENT_WIDEN, TEACHER_WIDEN, batch, build_pair, write_teacher


def _distiller(student_cfg, cfg_path, ckpt_path, **kw):
    return MODELS.build(dict(type="RotatedDistiller", student=student_cfg, teacher_config=cfg_path,
                             teacher_ckpt=ckpt_path, **kw))


def test_missing_files_are_clear_errors(tmp_path):
    cfg_path, ckpt_path = write_teacher(tmp_path, tiny_model_cfg(widen=TEACHER_WIDEN))
    student = tiny_model_cfg(widen=STUDENT_WIDEN)
    with pytest.raises(FileNotFoundError, match="teacher checkpoint not found: 'nope.pth'"):
        _distiller(student, cfg_path, "nope.pth", config_dir=str(tmp_path))
    with pytest.raises(FileNotFoundError, match="teacher config not found"):
        _distiller(student, os.path.join(tmp_path, "missing.py"), ckpt_path)


def test_relative_paths_resolve_against_the_config_dir(tmp_path, monkeypatch):
    write_teacher(tmp_path, tiny_model_cfg(widen=TEACHER_WIDEN))
    monkeypatch.chdir(os.path.dirname(tmp_path))  # not where the files are
    model = _distiller(tiny_model_cfg(widen=STUDENT_WIDEN), "teacher_cfg.py", "teacher.pth", config_dir=str(tmp_path))
    assert model.teacher.head.in_channels[0] > model.head.in_channels[0]


def test_checkpoint_that_does_not_fit_the_teacher_config(tmp_path):
    cfg_path, _ = write_teacher(tmp_path, tiny_model_cfg(widen=TEACHER_WIDEN))
    _, other_ckpt = write_teacher(tmp_path, tiny_model_cfg(widen=STUDENT_WIDEN), name="other")
    with pytest.raises(ValueError, match=r"other\.pth does not fit the teacher config: .*shape mismatches"):
        _distiller(tiny_model_cfg(widen=STUDENT_WIDEN), cfg_path, other_ckpt)
    ckpt = torch.load(other_ckpt, weights_only=True)
    torch.save({"model": ckpt["state_dict"]}, other_ckpt)
    with pytest.raises(ValueError, match="no `state_dict`"):
        _distiller(tiny_model_cfg(widen=STUDENT_WIDEN), cfg_path, other_ckpt)


def test_teacher_with_other_classes(tmp_path):
    cfg_path, ckpt_path = write_teacher(tmp_path, tiny_model_cfg(num_classes=3, widen=TEACHER_WIDEN))
    with pytest.raises(ValueError, match="predicts 3 classes, the student 2"):
        _distiller(tiny_model_cfg(widen=STUDENT_WIDEN), cfg_path, ckpt_path)
    # same count, other names: caught by name
    cfg_path, ckpt_path = write_teacher(tmp_path, tiny_model_cfg(widen=TEACHER_WIDEN), name="named",
                                        extra="classes = ['ship', 'plane']\n")
    with pytest.raises(ValueError, match="has classes"):
        _distiller(tiny_model_cfg(widen=STUDENT_WIDEN), cfg_path, ckpt_path, classes=["plane", "ship"])
    model = _distiller(tiny_model_cfg(widen=STUDENT_WIDEN), cfg_path, ckpt_path, classes=["ship", "plane"])
    assert model.teacher is not None


def test_teacher_frozen_and_outside_the_module_tree(tmp_path):
    model = build_pair(tmp_path, {"cross": ALL_PARTS["cross"]})
    teacher_params = {id(p) for p in model.teacher.parameters()}
    assert not teacher_params & {id(p) for p in model.parameters()}
    assert all(not p.requires_grad for p in model.teacher.parameters())
    model.train()
    assert model.training and model.head.training and model.student.training and not model.teacher.training
    model.to(torch.float64)
    assert next(model.teacher.parameters()).dtype == torch.float64
    assert next(model.head.parameters()).dtype == torch.float64
    model.to(torch.float32)
    ema = copy.deepcopy(model)  # an EMA copy shares the frozen teacher
    assert ema.teacher is model.teacher and ema.head is not model.head
    assert ema.student.head is ema.head  # the copy's student still uses the copy's modules


def test_state_dict_is_the_students_and_loads_into_a_plain_student(tmp_path):
    model = build_pair(tmp_path, {"cross": ALL_PARTS["cross"], "frs": ALL_PARTS["frs"]})
    sd = model.state_dict()
    student_keys = set(model.student.state_dict())
    extra = set(sd) - student_keys
    assert student_keys <= set(sd) and extra and all(k.startswith("distill.") for k in extra)
    assert not any(k.startswith("teacher") for k in sd)
    plain = MODELS.build(tiny_model_cfg(widen=STUDENT_WIDEN))
    with pytest.raises(RuntimeError, match="distill"):  # the detector itself knows nothing of distillers
        plain.load_state_dict(sd, strict=True)
    assert not any(load_weights(plain, sd, strict=True, ignore_prefixes=(DISTILL_PREFIX,)).values())
    model.eval()
    plain.eval()
    data = batch(model)
    with torch.no_grad():
        a = model(**data, mode="tensor")
        b = plain(**data, mode="tensor")
    for x, y in zip(a, b):
        for u, v in zip(x, y):
            torch.testing.assert_close(u, v)


def test_predict_runs_the_student_only(tmp_path):
    model = build_pair(tmp_path, {})
    model.eval()
    called = []
    model.teacher.register_forward_pre_hook(lambda *a: called.append(1))
    model.teacher.backbone.register_forward_pre_hook(lambda *a: called.append(1))
    data = batch(model)
    with torch.no_grad():
        out = model(**data, mode="predict")
    assert not called and all(hasattr(ds, "pred_instances") for ds in out)


def test_set_epoch_reaches_the_student_head(tmp_path):
    model = build_pair(tmp_path, {})
    model.set_epoch(3)
    assert model.head.epoch == 3


def test_fused_teacher_computes_the_unfused_eval_function(tmp_path):
    fused = build_pair(tmp_path, {})
    plain = build_pair(tmp_path, {}, fuse_teacher=False)
    assert all(m.bn is None for m in fused.teacher.modules() if hasattr(m, "deployed") and hasattr(m, "bn"))
    data = batch(fused)
    with torch.no_grad():
        a = fused.teacher.head.predict_raw(fused.teacher.extract_feat(data["inputs"]))
        b = plain.teacher.head.predict_raw(plain.teacher.extract_feat(data["inputs"]))
    for name in ("cls_logits", "reg_logits", "ang_logits"):
        torch.testing.assert_close(getattr(a, name), getattr(b, name), atol=1e-4, rtol=1e-4)


def test_channels_last_teacher_changes_nothing_but_the_layout(tmp_path):
    """The speed-up of the teacher's forward (weights and input channels-last): the teacher's
    predictions, every KD loss and the student's gradients equal the plain teacher's to float
    rounding (CrossKD runs the teacher head on student maps, FRS compares feature maps), and
    no gradient reaches the teacher."""
    parts = {k: ALL_PARTS[k] for k in ("cross", "frs", "ld", "ad", "sad")}
    fast = build_pair(tmp_path, parts)
    plain = build_pair(tmp_path, parts, teacher_channels_last=False)
    w = next(p for p in fast.teacher.parameters() if p.dim() == 4)
    assert w.is_contiguous(memory_format=torch.channels_last) and not w.is_contiguous()
    assert all(p.is_contiguous() for p in plain.teacher.parameters())
    data = batch(fast)
    grads = []
    for model in (fast, plain):
        model.train()
        losses = model(**data, mode="loss")
        total = sum(v for k, v in losses.items() if k.startswith("loss"))
        model.zero_grad()
        total.backward()
        grads.append(({k: v.detach() for k, v in losses.items()},
                      {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}))
        assert all(p.grad is None for p in model.teacher.parameters())
    (loss_a, grad_a), (loss_b, grad_b) = grads
    assert set(loss_a) == set(loss_b) and set(grad_a) == set(grad_b)
    for k in loss_a:
        torch.testing.assert_close(loss_a[k], loss_b[k], atol=1e-4, rtol=1e-4, msg=k)
    for k in grad_a:
        scale = max(1.0, grad_b[k].abs().max().item())  # float rounding, relative to the tensor's largest entry
        assert (grad_a[k] - grad_b[k]).abs().max().item() <= 1e-4 * scale, k
    with torch.no_grad():
        from daik.distill.teacher import teacher_input

        a = fast.teacher.head.predict_raw(fast.teacher.extract_feat(teacher_input(fast.teacher, data["inputs"])))
        b = plain.teacher.head.predict_raw(plain.teacher.extract_feat(data["inputs"]))
    for name in ("cls_logits", "reg_logits", "ang_logits"):
        torch.testing.assert_close(getattr(a, name), getattr(b, name), atol=1e-5, rtol=1e-5)


def test_a_distillers_own_keys_load_into_it_and_go_when_published(tmp_path):
    """``ignore_prefixes`` leaves out only keys the model lacks: a distiller (resume) gets its
    ``distill.*`` weights back; ``daik publish`` drops them and the result loads strictly."""
    model = build_pair(tmp_path, {"cross": ALL_PARTS["cross"], "frs": ALL_PARTS["frs"]})
    sd = {k: v.clone() for k, v in model.state_dict().items()}
    adapter = next(k for k in sd if k.startswith(DISTILL_PREFIX) and sd[k].is_floating_point())
    with torch.no_grad():
        model.state_dict()[adapter].add_(1.0)
    assert not any(load_weights(model, sd, ignore_prefixes=(DISTILL_PREFIX,)).values())
    assert torch.equal(model.state_dict()[adapter], sd[adapter])  # loaded, not ignored
    src, dst = str(tmp_path / "epoch_1.pth"), str(tmp_path / "published.pth")
    save_atomic({"state_dict": sd, "meta": {"epoch": 1}}, src)
    publish_checkpoint(src, dst, fp16=False, drop_prefixes=(DISTILL_PREFIX,))
    published = load_plain_checkpoint(dst)["state_dict"]
    assert set(published) == set(model.student.state_dict())
    MODELS.build(tiny_model_cfg(widen=STUDENT_WIDEN)).load_state_dict(published, strict=True)
