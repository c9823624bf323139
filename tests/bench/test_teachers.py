"""daik.bench.teachers (tools/report_teachers.py) reads a training run's own files: dumped config,
curves, log."""
import json
import os.path as osp

import pytest
from mmengine.config import Config

from daik.bench import teachers as report_teachers

from .conftest import ROOT


def _fake_run(path, config, map50, map5095, minutes):
    path.mkdir()
    Config.fromfile(osp.join(ROOT, "configs", "demo", config)).dump(str(path / config))
    steps = [378 * (k + 1) for k in range(len(map50))]
    curves = {"losses": {}, "metrics": {"dota/mAP": [list(x) for x in zip(steps, map50)],
                                        "dota/mAP50:95": [list(x) for x in zip(steps, map5095)]}}
    (path / "curves.json").write_text(json.dumps(curves))
    (path / "20260101_000000").mkdir()
    lines = ["2026/01/01 10:00:00 - mmengine - INFO - start", "  a line without a time stamp",
             f"2026/01/01 {10 + minutes // 60:02d}:{minutes % 60:02d}:00 - mmengine - INFO - end"]
    (path / "20260101_000000" / "20260101_000000.log").write_text("\n".join(lines) + "\n")
    return str(path)


def test_report_reads_size_epochs_metrics_and_wall_time(tmp_path):
    s = _fake_run(tmp_path / "s", "teacher_s.py", [0.65, 0.74, 0.79, 0.794], [0.44, 0.56, 0.59, 0.598], 95)
    m = _fake_run(tmp_path / "m", "teacher_m_12e.py", [0.58, 0.72], [0.35, 0.525], 87)
    out = tmp_path / "teachers.json"
    report = report_teachers.main([s, m, "--out", str(out), "--readme", str(tmp_path / "R.md")])
    rs, rm = report["runs"]
    assert (rs["size"], rs["epochs"], rs["val_epochs"]) == ("s", 24, [6, 12, 18, 24])
    assert (rm["size"], rm["epochs"], rm["val_epochs"]) == ("m", 12, [6, 12])
    assert rs["final_map50"] == pytest.approx(0.794) and rm["final_map50_95"] == pytest.approx(0.525)
    assert rs["wall_minutes"] == pytest.approx(95) and rm["wall_minutes"] == pytest.approx(87)
    text = (tmp_path / "R.md").read_text()
    assert "<!-- teachers:begin -->" in text and "| `teacher_s.py` | s | 24 | 79.4 | 59.8 |" in text
    assert osp.isfile(tmp_path / "teachers.png") and json.loads(out.read_text())["runs"][1]["size"] == "m"


def test_report_names_a_work_dir_without_curves(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="empty"):
        report_teachers.read_run(str(tmp_path / "empty"))
