"""daik diagnose: step timing from a config and re-plotting a training record."""
import json
import os

import pytest

from daik.distill.timing import _exclusive_label_times, drawn_batch, kd_step_cost, kd_step_profile, step_flops

from .helpers import ALL_PARTS, build_pair

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _tool():
    from daik.cli import diagnose

    return diagnose


def test_kd_step_cost_restores_the_weights(tmp_path):
    model = build_pair(tmp_path, {"ad": ALL_PARTS["ad"]})
    before = {k: v.clone() for k, v in model.state_dict().items()}
    res = kd_step_cost(model, drawn_batch(1, 64, per_image=2), steps=1)  # one round: ratio = d / s
    assert res["distill_s"] > 0 and res["student_s"] > 0 and res["ratio"] == pytest.approx(
        res["distill_s"] / res["student_s"])
    for k, v in model.state_dict().items():
        assert (v == before[k]).all(), k


class _Event:
    """Stands for a profiler event: a name, a time range in microseconds, a parent."""

    def __init__(self, name, start, end, parent=None):
        self.name, self.cpu_parent = name, parent
        self.time_range = type("Range", (), {"start": start, "end": end})()


def test_profile_scopes_are_exclusive():
    """A teacher forward run inside a KD part counts once, as the teacher's; an unlabelled op
    between them does not break the nesting."""
    part = _Event("daik/kd.ld", 0, 10_000)
    op = _Event("aten::mul", 1_000, 9_000, part)
    teacher = _Event("daik/teacher.forward", 2_000, 8_000, op)
    times = _exclusive_label_times([part, op, teacher])
    assert times == pytest.approx({"kd.ld": 0.004, "teacher.forward": 0.006})


def test_kd_step_profile_names_every_part_and_restores_the_weights(tmp_path):
    model = build_pair(tmp_path, {"ad": ALL_PARTS["ad"], "ld": ALL_PARTS["ld"]})
    before = {k: v.clone() for k, v in model.state_dict().items()}
    res = kd_step_profile(model, drawn_batch(1, 64, per_image=2), steps=1)
    assert {"kd.ad", "kd.ld", "teacher.forward", "student.forward", "backward", "optimizer"} <= set(res["distill"])
    assert not any(k.startswith(("kd.", "teacher.")) for k in res["student"])
    assert sum(res["distill"].values()) == pytest.approx(res["distill_s"], rel=1e-6)
    assert res["ratio"] == pytest.approx(res["distill_s"] / res["student_s"])
    for k, v in model.state_dict().items():
        assert (v == before[k]).all(), k


def test_step_flops_floor_of_a_teacher_of_the_students_own_size(tmp_path):
    """A teacher of the student's own architecture: its forward is a forward of the student
    (reparameterised, so no more work than it), a training step is a forward plus a backward of
    about twice its work, so the floor lies near 4/3; the distillation step holds both."""
    model = build_pair(tmp_path, {"ld": ALL_PARTS["ld"]}, same=True)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    f = step_flops(model, drawn_batch(1, 64, per_image=2))
    assert 0 < f["teacher_forward"] < f["student_step"] / 2.5
    assert f["distill_step"] >= f["student_step"] + f["teacher_forward"]
    assert f["floor"] == pytest.approx(1 + f["teacher_forward"] / f["student_step"]) and 1.2 < f["floor"] < 1.45
    (tmp_path / "wide").mkdir()
    wide = step_flops(build_pair(tmp_path / "wide", {"ld": ALL_PARTS["ld"]}), drawn_batch(1, 64, per_image=2))
    assert wide["floor"] > f["floor"]  # the wider teacher costs more per step
    for k, v in model.state_dict().items():
        assert (v == before[k]).all(), k


def test_timing_from_a_config_with_a_random_teacher(tmp_path):
    out = _tool().main([os.path.join(ROOT, "configs", "distill", "daik_ad.py"), "--random-teacher",
                        "--time-steps", "1", "--size", "64", "--batch-size", "1", "--out-dir", str(tmp_path)])
    assert out["timing"]["ratio"] > 0
    assert json.load(open(tmp_path / "kd_diagnostics_result.json"))["timing"]["distill_s"] > 0


def test_history_plot(tmp_path):
    hist = [{"iter": i, "conflict_P3": 0.1 * i, "l1_cls_teacher": 0.5, "l1_cls_gt": 0.4} for i in range(1, 4)]
    path = tmp_path / "kd_diagnostics.json"
    path.write_text(json.dumps(hist))
    out = _tool().main(["unused.py", "--history", str(path), "--out-dir", str(tmp_path)])
    assert os.path.getsize(out["history_plot"]) > 1000
