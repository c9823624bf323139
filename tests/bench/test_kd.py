"""The distillation benchmark (daik.bench.kd, kd_runner, kd_cache, kd_report): its bookkeeping,
the commands it runs, and one tiny run of it end to end."""
import json
import math
import os
import os.path as osp
import shutil
import sys

import pytest
import torch

from daik.bench import kd as bench_kd
from daik.bench import kd_runner as kb
from daik.bench.kd_report import curve_plot, curve_table, machines_line, markdown_table, run_machines, summarise

from .conftest import ROOT


def _res(map50, mAP, spi, planes=0.5):
    return dict(metrics={"dota/mAP": map50, "dota/mAP50:95": mAP, "dota/AP_plane": planes, "dota/AP_ship": map50},
                seconds_per_iter=spi)


def test_summary_gap_closed_and_step_ratio():
    results = dict(
        teacher=_res(0.8, 0.5, float("nan")),
        student={0: _res(0.4, 0.2, 1.0), 1: _res(0.5, 0.3, 2.0)},  # mean 0.45
        distilled={"daik": {0: _res(0.6, 0.4, 1.5), 1: _res(0.7, 0.4, 3.0)},  # mean 0.65
                   "bad": {0: _res(0.3, 0.1, 1.2), 1: _res(0.4, 0.1, 2.4)}},
    )
    s = summarise(results)
    assert s["student"]["mAP50"] == [0.4, 0.5]
    assert s["distilled"]["daik"]["gap_closed"] == pytest.approx((0.65 - 0.45) / (0.8 - 0.45))
    assert s["distilled"]["bad"]["gap_closed"] == pytest.approx((0.35 - 0.45) / 0.35)
    assert s["distilled"]["daik"]["step_time_ratio"] == pytest.approx(1.5)
    assert s["distilled"]["bad"]["step_time_ratio"] == pytest.approx(1.2)
    table = markdown_table(s)
    lines = table.splitlines()
    assert lines[2].startswith("| teacher |  | 80.0 | 50.0")
    assert lines[3].startswith("| student alone | 2 | 45.0 ± 7.1 |")
    assert lines[4].startswith("| daik | 2 | 65.0 ± 7.1 |") and "| 57 % | 1.50x |" in lines[4]
    assert "| -29 % |" in lines[5]


def test_a_method_on_fewer_seeds_is_paired_with_the_student_on_those_seeds():
    results = dict(
        teacher=_res(0.8, 0.5, float("nan")),
        student={0: _res(0.4, 0.2, 1.0), 1: _res(0.6, 0.3, 2.0)},
        distilled={"one": {1: _res(0.7, 0.4, 3.0)}},
    )
    d = summarise(results)["distilled"]["one"]
    assert d["seeds"] == [1] and d["mAP50"] == [0.7]
    assert d["gap_closed"] == pytest.approx((0.7 - 0.6) / (0.8 - 0.6))  # not against the 2-seed mean 0.5
    assert d["step_time_ratio"] == pytest.approx(1.5)
    assert "| one | 1 | 70.0 |" in markdown_table(summarise(results))


def _run_with_curve(tmp_path, name, final, curve):
    """A finished run's result whose run folder holds an mmengine scalar log with these
    validations (epoch -> mAP50) among training records."""
    run = tmp_path / name
    log = run / "20260101_000000" / "vis_data"
    log.mkdir(parents=True)
    lines = [{"loss": 1.0, "time": 0.5, "step": 1}]
    lines += [{"dota/mAP": v, "dota/mAP50:95": v / 2, "step": e} for e, v in curve.items()]
    (log / "scalars.json").write_text("\n".join(json.dumps(r) for r in lines) + "\n")
    return dict(_res(final, final / 2, 1.0), ckpt=str(run / "epoch_24.pth"))


def test_held_out_curve_per_epoch_over_seeds(tmp_path):
    results = dict(
        teacher=_res(0.8, 0.5, float("nan")),
        student={0: _run_with_curve(tmp_path, "s0", 0.5, {6: 0.3, 12: 0.5}),
                 1: _run_with_curve(tmp_path, "s1", 0.7, {6: 0.5, 12: 0.7})},
        distilled={"kd": {0: _run_with_curve(tmp_path, "k0", 0.6, {6: 0.6, 12: 0.6})},
                   "end_only": {0: _run_with_curve(tmp_path, "e0", 0.6, {12: 0.6})}},
    )
    s = summarise(results)
    assert s["student"]["curve"] == {6: [0.3, 0.5], 12: [0.5, 0.7]}
    assert s["distilled"]["kd"]["curve"] == {6: [0.6], 12: [0.6]}
    table = curve_table(s).splitlines()
    assert table[0].startswith("| model | epoch 6 | epoch 12 |")
    assert table[2].startswith("| student alone | 40.0 ± 14.1 | 60.0 ± 14.1 |")
    assert table[3].startswith("| kd | 60.0 | 60.0 |")
    assert not any(line.startswith("| end_only") for line in table)  # one validation is no curve
    assert curve_plot(s, str(tmp_path / "c.png")) and (tmp_path / "c.png").stat().st_size > 0


def test_no_curve_when_runs_validated_only_at_the_end(tmp_path):
    results = dict(teacher=_res(0.8, 0.5, float("nan")),
                   student={0: _run_with_curve(tmp_path, "s0", 0.5, {24: 0.5})}, distilled={"x": {0: _res(0.6, 0.3, 1.0)}})
    s = summarise(results)
    assert s["distilled"]["x"]["curve"] == {}  # no run folder recorded
    assert curve_table(s) == "" and not curve_plot(s, str(tmp_path / "c.png")) and not (tmp_path / "c.png").exists()


def test_gap_closed_undefined_when_student_matches_teacher():
    results = dict(teacher=_res(0.4, 0.2, 0), student={0: _res(0.5, 0.2, 1.0)}, distilled={"x": {0: _res(0.6, 0.2, 1.0)}})
    assert math.isnan(summarise(results)["distilled"]["x"]["gap_closed"])



@pytest.mark.slow
def test_bench_kd_tiny_end_to_end(tiny_set, tmp_path):
    """Two epochs of a pico student alone and with prediction mimicking, from a saved teacher:
    the JSON has the documented schema and the numbers come from the runs' own files."""
    import shutil

    from daik.engine.runner import load_config
    from daik.registry import MODELS

    data = tmp_path / "data"
    for split in ("train", "val"):
        shutil.copytree(tiny_set, data / split)
    torch.manual_seed(0)
    teacher = MODELS.build(load_config(osp.join(ROOT, "configs", "demo", "teacher_n.py")).model)
    ckpt = tmp_path / "teacher.pth"
    torch.save({"state_dict": teacher.state_dict()}, ckpt)
    out = tmp_path / "kd.json"
    summary = bench_kd.main([
        "--data", str(data), "--work-dir", str(tmp_path / "work"), "--out", str(out), "--readme", str(tmp_path / "R.md"),
        "--tables", str(tmp_path / "kd.md"), "--methods", "mimic=configs/demo/mimic_pico.py", "--seeds", "1", "--student-epochs", "2", "--teacher-ckpt", str(ckpt),
        "--teacher-config", "configs/demo/teacher_n.py", "--student-config", "configs/demo/student_pico.py",
        "--img-scale", "128", "--batch-size", "3", "--threads", "1", "--step-cost", "1"])
    saved = json.loads(out.read_text())
    assert set(saved) >= {"teacher", "student", "distilled"}
    assert set(saved["distilled"]["mimic"]) >= {"mAP50", "mAP", "gap_closed", "step_time_ratio"}
    assert len(saved["student"]["mAP50"]) == 1 and saved["distilled"]["mimic"]["step_time_ratio"] > 0
    metrics = json.loads((tmp_path / "work" / "student" / "seed0" / "test" / "metrics.json").read_text())
    assert saved["student"]["mAP50"][0] == metrics["dota/mAP"]
    assert summary["teacher"]["mAP50"] == saved["teacher"]["mAP50"]
    assert osp.isfile(str(tmp_path / "kd.png")) and "<!-- kd:begin -->" in (tmp_path / "R.md").read_text()
    # the side-by-side step cost of the run's own distiller; the targets read it
    cost = saved["distilled"]["mimic"]["step_cost"]
    assert cost["ratio"] > 0 and cost["floor"] > 1 and 0 < cost["teacher_share"] <= 1
    md = (tmp_path / "kd.md").read_text()
    assert md.startswith("# Distillation benchmarks") and "<!-- kd_full:begin -->" in md  # a section of the tables
    md = md.splitlines()
    head = next(i for i, line in enumerate(md) if line.startswith("| model | step time (training logs) |"))
    assert md[head + 2].startswith(f"| mimic | {saved['distilled']['mimic']['step_time_ratio']:.2f}x | {cost['ratio']:.2f}x |")
    assert "a distillation step costs <= 1.5x a student step (side by side)" in (tmp_path / "R.md").read_text()


def test_run_config_distils_the_benchmark_student(tmp_path):
    """A method config built for the nano student runs with whatever student the benchmark names,
    and with its teacher."""
    from daik.bench.kd_runner import BenchSettings, build_run_config
    from daik.engine.runner import load_config

    for split in ("train", "val"):
        (tmp_path / split / "labelTxt").mkdir(parents=True)
    (tmp_path / "train" / "labelTxt" / "a.txt").write_text("")
    settings = BenchSettings(data=str(tmp_path), work_dir=str(tmp_path / "w"), student_config="configs/demo/student_pico.py",
                             teacher_config="configs/demo/teacher_n.py", methods={}, img_scale=128,
                             student_epochs=2, teacher_epochs=2, batch_size=4, seeds=[0], threads=1)
    cfg = build_run_config(settings, "configs/distill/synthetic/ld.py", 2, 0, teacher_ckpt=str(tmp_path / "t.pth"))
    pico = load_config("configs/demo/student_pico.py").model.to_dict()
    assert cfg.model.student.to_dict() == pico and pico["backbone"]["widen_factor"] == 0.125
    assert cfg.model.teacher_config.endswith("configs/demo/teacher_n.py")
    assert cfg.train_dataloader.dataset.data_root == str(tmp_path / "train")
    # what a method changes in its student is carried over: CAKD's one-to-one head at the pico's widths
    cakd = build_run_config(settings, "configs/distill/synthetic/cakd.py", 2, 0, teacher_ckpt=str(tmp_path / "t.pth"))
    student = cakd.model.student
    assert student.head.type == "RotatedYOLOv6O2OHead" and student.head.widen_factor == 0.125
    assert student.backbone == pico["backbone"] and student.neck == pico["neck"]
    assert student.train_cfg.assigner == dict(type="RotatedOneToOneAssigner", alpha=1.0, beta=1.0)  # no TAL keys
    assert student.test_cfg.nms is None
    # with the student the method configs were written for, they are left exactly as they are
    settings.student_config = "configs/synthetic/rotated_yolo_n.py"
    for method in ("cakd", "daik_full"):
        cfg = build_run_config(settings, f"configs/distill/synthetic/{method}.py", 2, 0, teacher_ckpt=str(tmp_path / "t.pth"))
        assert cfg.model.student.to_dict() == load_config(f"configs/distill/synthetic/{method}.py").model.student.to_dict()
    settings.student_config = "configs/demo/student_pico.py"
    # a plain student config is left as it is
    plain = build_run_config(settings, "configs/demo/student_pico.py", 2, 0)
    assert plain.model.to_dict() == pico


def test_runs_subset_and_report_only_use_the_cache(tmp_path, monkeypatch):
    """--runs trains only the named runs (cached ones are always reported); --report-only trains
    nothing; a distilled run without its seed's student alone is left out of the report."""
    trained = []

    def fake_train(settings, name, config, epochs, seed, teacher_ckpt=None, eval_config=None, cached_only=False):
        trained.append((name, seed))
        work = tmp_path / name / f"seed{seed}"
        work.mkdir(parents=True, exist_ok=True)
        (work / "result.json").write_text(json.dumps(_res(0.5, 0.3, 1.0)))
        return _res(0.5, 0.3, 1.0)

    monkeypatch.setattr(kb, "train_and_test", fake_train)
    monkeypatch.setattr(kb, "_evaluate_only", lambda *a: _res(0.9, 0.6, float("nan")))
    settings = kb.BenchSettings(data=str(tmp_path), work_dir=str(tmp_path), methods={"a": "a.py", "b": "b.py"},
                                seeds=[0, 1], teacher_ckpt="t.pth")
    res = kb.run_benchmark(settings, log=lambda m: None, runs={("student", 0), ("a", 0), ("b", 1)})
    assert trained == [("student", 0), ("a", 0), ("b", 1)]
    assert set(res["student"]) == {0} and set(res["distilled"]["a"]) == {0}
    assert res["distilled"]["b"] == {}  # seed 1 has no student alone yet
    trained.clear()
    res = kb.run_benchmark(settings, log=lambda m: None, cached_only=True)
    assert trained == [("student", 0), ("a", 0), ("b", 1)]  # the cache answers (fake_train stands for it)
    res = kb.run_benchmark(settings, log=lambda m: None, runs={("student", 1)})
    assert set(res["student"]) == {0, 1} and set(res["distilled"]["b"]) == {1}


def test_targets_state_each_verdict():
    results = dict(
        teacher=_res(0.8, 0.5, float("nan")),
        student={0: _res(0.4, 0.2, 1.0)},
        distilled={"daik_full": {0: _res(0.66, 0.4, 1.4)},  # 65 % of the gap, 1.4x
                   "crosskd": {0: _res(0.58, 0.4, 1.8)},  # 45 %, 1.8x
                   "mimic": {0: _res(0.6, 0.4, 1.2)}},
    )
    text = bench_kd.targets(summarise(results))
    assert "daik_full closes >= 60% of the gap: 65% over 1 seed(s) (met)" in text
    assert "crosskd closes >= 50% of the gap: 45% over 1 seed(s) (NOT met)" in text
    assert "every distiller beats prediction mimicking (60.0): NOT met (at or below it: crosskd)" in text
    assert "<= 1.5x a student step (training logs): NOT met for crosskd 1.80x" in text
    assert "daik_full beats mimicking by more than one std (the larger of the two, 0.00): by 6.00 (met)" in text


def test_held_out_seeds_join_the_table_and_judge_the_daik_bar_again(tmp_path, monkeypatch):
    """The held-out seeds are read from their own work directory (cache only: nothing trains),
    joined to the table's seeds per method, and the DAIK-against-mimicking bar is judged again
    over the seeds both have."""
    results = dict(
        teacher=_res(0.8, 0.5, float("nan")),
        student={s: _res(0.4, 0.2, 1.0) for s in range(3)},
        distilled={"daik_full": {s: _res(v, 0.4, 1.4) for s, v in enumerate((0.64, 0.65, 0.66))},
                   "mimic": {s: _res(v, 0.4, 1.2) for s, v in enumerate((0.63, 0.63, 0.63))}},
    )
    summary = summarise(results)
    held = {("daik_full", 3): 0.60, ("mimic", 3): 0.66, ("mimic", 4): 0.62}  # seed 4 of daik_full not run
    calls = []

    def fake_train(settings, name, config, epochs, seed, teacher_ckpt=None, eval_config=None, cached_only=False):
        assert cached_only and settings.work_dir == str(tmp_path / "held") and teacher_ckpt == "t.pth"
        calls.append((name, seed))
        return _res(held[(name, seed)], 0.3, 1.0)

    for (name, seed) in held:
        (tmp_path / "held" / name / f"seed{seed}").mkdir(parents=True)
        (tmp_path / "held" / name / f"seed{seed}" / "result.json").write_text("{}")
    monkeypatch.setattr(bench_kd, "train_and_test", fake_train)
    settings = kb.BenchSettings(data=str(tmp_path), work_dir=str(tmp_path / "table"), teacher_ckpt="t.pth")
    spec = dict(work_dir=str(tmp_path / "held"), seeds=(3, 4), methods=("daik_full", "mimic", "ld"))  # ld: no runs
    summary["held_out"] = bench_kd.held_out_runs(settings, spec, summary)
    assert sorted(calls) == sorted(held)
    assert summary["held_out"]["daik_full"] == pytest.approx({0: 0.64, 1: 0.65, 2: 0.66, 3: 0.60})
    assert summary["held_out"]["mimic"] == pytest.approx({0: 0.63, 1: 0.63, 2: 0.63, 3: 0.66, 4: 0.62})
    text = bench_kd.held_out_table(summary, spec)
    assert "| daik_full | 64.0 | 65.0 | 66.0 | 60.0 |  | 63.7 ± 2.6 | 4 |" in text
    assert "| mimic | 63.0 | 63.0 | 63.0 | 66.0 | 62.0 | 63.4 ± 1.5 | 5 |" in text
    assert "| ld |" not in text  # a method without a run on any seed has no row
    # over seeds 0-3: 63.75 against 63.75 - the table's 3 seeds alone say met (by 2.0 against 1.0)
    assert "over the 4 seeds both have (the larger std 2.63): by 0.00 (NOT met)" in text
    # seed by seed: +1, +2, +3, -6 -> mean 0, std sqrt(50 / 3) = 4.08, standard error 4.08 / 2
    assert ("paired on each seed (daik_full - mimicking): +1.0, +2.0, +3.0, -6.0; mean +0.00 ± 2.04 (standard "
            "error), daik_full ahead on 3 of 4 (seeds 0, 1, 2, 3)") in text
    assert "daik_full beats mimicking by more than one std (the larger of the two, 1.00): by 2.00 (met)" in \
        bench_kd.targets(summary)


def test_converged_and_pair_targets():
    results = dict(
        teacher=_res(0.8, 0.5, float("nan")),
        student={0: _res(0.50, 0.2, 1.0), 1: _res(0.54, 0.2, 1.0), 2: _res(0.52, 0.2, 1.0)},  # 52 +- 2
        distilled={"daik_full": {s: _res(v, 0.4, 1.4) for s, v in enumerate((0.66, 0.68, 0.70))},  # 68: 57 %
                   "crosskd": {s: _res(v, 0.4, 1.4) for s, v in enumerate((0.54, 0.55, 0.56))},  # 55 < 52 + 4
                   "mimic": {s: _res(0.6, 0.4, 1.2) for s in range(3)}},
    )
    text = bench_kd.targets(summarise(results), "converged")
    assert "daik_full closes >= 50% of the gap: 57% over 3 seed(s) (met)" in text
    assert "daik_full beats the student alone by > 2 std of its seeds (52.0 + 2 x 2.0 = 56.0): 68.0 (met)" in text
    assert "crosskd beats the student alone by > 2 std of its seeds (52.0 + 2 x 2.0 = 56.0): 55.0 (NOT met)" in text
    assert "crosskd closes" not in text and "more than one std" not in text
    assert "every distiller beats prediction mimicking (60.0): NOT met (at or below it: crosskd)" in text
    pair = bench_kd.targets(summarise(results), "pair")
    assert "daik_full >= the student alone + 2 mAP50 points (52.0 + 2): 68.0 (met)" in pair
    assert "closes" not in pair


def _data_set(root, n):
    """An empty DOTA-layout data set of ``n`` label files a split."""
    for split in ("train", "val"):
        (root / split / "labelTxt").mkdir(parents=True)
        for i in range(n):
            (root / split / "labelTxt" / f"{i}.txt").write_text("")
    return root


def _fake_runs(monkeypatch) -> list:
    """``daik train`` / ``daik test`` replaced by a stand-in that records the step it ran and
    writes a test's metrics (mAP50 0.5); returns the list of steps run."""
    ran = []

    def fake_run(cmd, log_path, threads):
        work = osp.dirname(log_path)
        assert cmd[:3] == [sys.executable, "-m", "daik"]
        ran.append(cmd[3])
        if cmd[3] == "test":
            out = cmd[cmd.index("--out-dir") + 1]
            os.makedirs(out, exist_ok=True)
            with open(osp.join(out, "metrics.json"), "w") as f:
                json.dump({"dota/mAP": 0.5}, f)
        assert osp.isdir(work)

    monkeypatch.setattr(kb, "run_logged", fake_run)
    return ran


def _run_mimic(settings, ran, teacher, epochs=2, cached_only=False):
    ran.clear()
    return kb.train_and_test(settings, "mimic", "configs/demo/mimic_pico.py", epochs, 0, teacher_ckpt=str(teacher),
                             eval_config=settings.student_config, cached_only=cached_only)


def test_a_cached_run_is_reused_only_with_the_settings_that_made_it(tmp_path, monkeypatch):
    """Regression: a run directory holding result.json was reused whatever data, epochs or teacher
    made it. Now the same settings reuse it, other data / epochs / teacher weights move it aside
    and run again, and --report-only stops naming what differs."""
    ran = _fake_runs(monkeypatch)
    teacher = tmp_path / "t.pth"
    teacher.write_bytes(b"teacher one")
    settings = kb.BenchSettings(data=str(_data_set(tmp_path / "d1", 2)), work_dir=str(tmp_path / "w"),
                                student_config="configs/demo/student_pico.py", teacher_config="configs/demo/teacher_n.py",
                                img_scale=128, batch_size=4, threads=1)

    def run(epochs=2, cached_only=False):
        return _run_mimic(settings, ran, teacher, epochs, cached_only)

    run()
    assert ran == ["train", "test"]
    work = tmp_path / "w" / "mimic" / "seed0"
    recorded = json.loads((work / "settings.json").read_text())
    assert recorded["epochs"] == 2 and recorded["data"] == settings.data and recorded["commit"]
    run()
    assert ran == []  # same settings: the cache answers
    run(cached_only=True)
    assert ran == []
    with pytest.raises(kb.StaleRunError, match="epochs"):
        run(epochs=3, cached_only=True)  # --report-only never re-runs, and says why it stops
    run(epochs=3)
    assert ran == ["train", "test"] and (tmp_path / "w" / "mimic" / "seed0.stale-0" / "result.json").is_file()
    settings.data = str(_data_set(tmp_path / "d2", 3))  # another data set
    run(epochs=3)
    assert ran == ["train", "test"]
    teacher.write_bytes(b"teacher two")  # the teacher re-trained under the same path
    run(epochs=3)
    assert ran == ["train", "test"]
    assert json.loads((work / "settings.json").read_text())["teacher_ckpt_sha256"] != recorded["teacher_ckpt_sha256"]


def test_a_moved_run_reads_its_own_checkpoint_and_logs(tmp_path):
    """Regression: a cached run directory moved to another method's name kept the checkpoint path
    it was made under, so its held-out curve was read from whatever run lay there (or from nowhere)."""
    from daik.bench.kd_cache import load_cached
    old, new = tmp_path / "daik_full" / "seed0", tmp_path / "daik_full_no_ld_pos" / "seed0"
    old.mkdir(parents=True)
    (old / "settings.json").write_text(json.dumps({"seed": 0}))
    (old / "result.json").write_text(json.dumps({"ckpt": str(old / "epoch_6.pth"), "clip_rate": 0.1}))
    os.makedirs(new.parent)
    os.rename(old, new)
    old.mkdir()  # another run now lives at the old path
    result = load_cached(str(new), {"seed": 0}, cached_only=True)
    assert result["ckpt"] == str(new / "epoch_6.pth")
    assert load_cached(str(tmp_path / "nothing"), {"seed": 0}, cached_only=True) is None


def test_train_and_test_commands_are_the_daik_command(tmp_path):
    """Every process of a run is ``python -m daik train|test`` (this interpreter), and its result
    is the metrics.json that ``daik test --out-dir`` writes."""
    work = str(tmp_path / "run")
    assert kb.step_command("train", "c.py", work) == [sys.executable, "-m", "daik", "train", "c.py", "--work-dir", work]
    test = kb.step_command("test", "c.py", work, "e.pth", show=True)
    out = osp.join(work, "test")
    assert test == [sys.executable, "-m", "daik", "test", "c.py", "e.pth", "--out-dir", out, "--work-dir",
                    osp.join(work, "test_logs"), "--show-dir", osp.join(out, "show")]
    with pytest.raises(ValueError, match="step"):
        kb.step_command("infer", "c.py", work)
    os.makedirs(out)
    with open(osp.join(out, "metrics.json"), "w") as f:
        json.dump({"dota/mAP": 0.5, "dota/AP_plane": 0.25}, f)
    assert kb.read_test_metrics(out) == {"dota/mAP": 0.5, "dota/AP_plane": 0.25}


def test_every_method_config_exists():
    for name, config in bench_kd.METHODS.items():
        assert osp.isfile(osp.join(ROOT, config)), name


def test_named_presets_gather_their_tables_in_one_file():
    """pico, converged and pair write their sections of benchmarks/kd.md when they write their own
    files; a run sent elsewhere (--out) leaves it alone unless --tables names a file."""
    for preset in bench_kd.TABLE_PRESETS:
        assert bench_kd.parse_args(["--preset", preset]).tables == bench_kd.TABLES
        assert bench_kd.parse_args(["--preset", preset, "--out", "/tmp/x.json"]).tables is None
    assert bench_kd.parse_args(["--preset", "quick"]).tables is None
    assert bench_kd.parse_args(["--preset", "pico"]).out == "benchmarks/kd.json"  # its table is kd.md's section


def test_step_cost_warms_up_and_times_every_method_in_alternating_rounds(tmp_path, monkeypatch):
    """kd_cost.measure: one discarded warm-up, then each method once a round, the rounds in
    alternating order; a method's ratio is the median over its rounds. With a clock whose first
    measurement of the process is 0.3x dear, two equal methods come out equal."""
    from types import SimpleNamespace

    import daik.distill.timing as timing
    import daik.engine.runner as runner
    from daik.bench import kd_cost
    from daik.registry import MODELS

    for m in ("a", "b", "c"):
        (tmp_path / m / "seed0").mkdir(parents=True)
        (tmp_path / m / "seed0" / "train_config.py").write_text("")
    calls = []

    def fake_cost(model, raw, steps):
        calls.append(model.name)
        ratio = 1.5 + (0.3 if len(calls) == 1 else 0.0) + (0.2 * len(calls) if model.name == "c" else 0.0)
        return dict(student_s=1.0, distill_s=ratio, teacher_forward_s=0.1, ratio=ratio, teacher_share=0.2)
    monkeypatch.setattr(timing, "kd_step_cost", fake_cost)
    monkeypatch.setattr(timing, "step_flops", lambda model, raw: {"floor": 1.4})
    monkeypatch.setattr(timing, "drawn_batch", lambda b, s: None)
    monkeypatch.setattr(runner, "load_config",
                        lambda p: SimpleNamespace(model={"name": p.split("/")[-3]}, get=lambda k, d=None: d))
    monkeypatch.setattr(MODELS, "build", lambda cfg: SimpleNamespace(name=cfg["name"]))
    out = kd_cost.measure(str(tmp_path), ["a", "b", "missing", "c"], 0, 64, 2, 1, steps=3, log=lambda s: None,
                          rounds=3)
    assert calls == ["a", "a", "b", "c", "c", "b", "a", "a", "b", "c"]
    assert set(out) == {"a", "b", "c"}
    assert out["a"]["ratio"] == out["b"]["ratio"] == 1.5  # the warm-up's dear measurement is not kept
    assert out["c"]["ratios"] == pytest.approx([1.5 + 0.2 * 4, 1.5 + 0.2 * 5, 1.5 + 0.2 * 10])  # calls 4, 5, 10
    assert out["c"]["ratio"] == pytest.approx(1.5 + 0.2 * 5) and out["a"]["floor"] == 1.4
    with pytest.raises(ValueError, match="rounds"):
        kd_cost.measure(str(tmp_path), ["a"], 0, 64, 2, 1, steps=3, rounds=0)


def test_the_run_record_gives_a_fresh_work_directory_its_runs(tmp_path, monkeypatch):
    """A benchmark with a record_dir copies each finished run's result and settings there (the
    result without machine paths, with its held-out curve); an empty work directory gets them back
    and the cache reuses them without training; a run in the work directory is never overwritten
    by the record."""
    from daik.bench.kd_cache import restore_records, settings_mismatch

    ran = _fake_runs(monkeypatch)
    teacher = tmp_path / "t.pth"
    teacher.write_bytes(b"teacher")
    settings = kb.BenchSettings(data=str(_data_set(tmp_path / "d", 2)), work_dir=str(tmp_path / "w"),
                                student_config="configs/demo/student_pico.py", teacher_config="configs/demo/teacher_n.py",
                                img_scale=128, batch_size=4, threads=1, record_dir=str(tmp_path / "record"))
    first = _run_mimic(settings, ran, teacher)
    assert ran == ["train", "test"]
    record = tmp_path / "record" / "mimic" / "seed0"
    assert sorted(p.name for p in record.iterdir()) == ["result.json", "settings.json"]
    kept = json.loads((record / "result.json").read_text())
    assert kept["ckpt"] == "epoch_2.pth" and kept["curve"] == {} and kept["metrics"] == first["metrics"]
    assert json.loads((record / "settings.json").read_text())["machine"]
    config = (tmp_path / "w" / "mimic" / "seed0" / "train_config.py").read_text()
    shutil.rmtree(tmp_path / "w")  # a fresh clone: no work directory
    assert restore_records(str(tmp_path / "record"), str(tmp_path / "w")) == [osp.join("mimic", "seed0")]
    again = _run_mimic(settings, ran, teacher, cached_only=True)
    assert ran == [] and again["metrics"] == first["metrics"]
    # the config it ran is made again from the settings (the step cost rebuilds the distiller from it)
    assert (tmp_path / "w" / "mimic" / "seed0" / "train_config.py").read_text() == config
    assert again["ckpt"] == str(tmp_path / "w" / "mimic" / "seed0" / "epoch_2.pth")  # its own directory
    mine = tmp_path / "w" / "mimic" / "seed0" / "result.json"
    mine.write_text(json.dumps(dict(kept, metrics={"dota/mAP": 0.25})))
    assert restore_records(str(tmp_path / "record"), str(tmp_path / "w")) == []
    assert json.loads(mine.read_text())["metrics"] == {"dota/mAP": 0.25}
    # a run made again with other settings replaces its record
    _run_mimic(settings, ran, teacher, epochs=3)
    assert ran == ["train", "test"] and json.loads((record / "settings.json").read_text())["epochs"] == 3
    # a data folder recorded by absolute path under the repository matches its relative name
    wanted = json.loads((record / "settings.json").read_text())
    assert not settings_mismatch(dict(wanted, data=osp.join(kb.ROOT, "data", "x")), dict(wanted, data="data/x"))
    assert settings_mismatch(dict(wanted, data="/elsewhere/data/x"), dict(wanted, data="data/x")) == ["data"]


def test_the_report_says_which_machines_made_its_runs(tmp_path):
    """Each run's settings name its machine; the section lists them and says when rows mix them."""
    for (name, seed), made_on in {("student", 0): "cpu A", ("mimic", 0): "cpu A", ("mimic", 1): "cpu B",
                                  ("student", 1): None}.items():
        (tmp_path / name / f"seed{seed}").mkdir(parents=True, exist_ok=True)
        (tmp_path / name / f"seed{seed}" / "settings.json").write_text(json.dumps({"machine": made_on}))
    results = dict(student={0: {}, 1: {}}, distilled={"mimic": {0: {}, 1: {}}})
    machines = run_machines(str(tmp_path), results)
    assert machines == {"cpu A": 2, "cpu B": 1, "not recorded": 1}
    line = machines_line(machines)
    assert "cpu A (2 runs); cpu B (1 run); not recorded (1 run)" in line and "mix machines" in line
    assert "mix" not in machines_line({"cpu A": 4}) and machines_line({}) == ""
