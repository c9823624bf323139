"""daik.bench.common: the tables, timings, files and processes every suite shares."""
import json
import os
import sys

from daik.bench import common


def test_md_table_compact_and_spaced():
    rows = [["a", 1.5], ["b", ""]]
    assert common.md_table(["x", "y"], rows, "lr") == ["| x | y |", "|---|---:|", "| a | 1.5 |", "| b |  |"]
    assert common.md_table(["x", "y"], [], "ll", spaced=True) == ["| x | y |", "| --- | --- |"]


def test_steady_median_skips_the_warm_up_unless_nothing_is_left():
    assert common.steady_median([9.0, 1.0, 2.0, 3.0], 1) == 2.0
    assert common.steady_median([9.0, 1.0], 5) == 5.0  # too few: all of them
    assert common.steady_median([], 0) != common.steady_median([], 0)  # NaN


def test_interleaved_medians_call_each_in_turn_after_the_warm_up():
    calls = []
    medians = common.interleaved_medians({"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}, 3, warmup=1)
    assert calls == ["a", "b"] * 4 and set(medians) == {"a", "b"} and all(v >= 0 for v in medians.values())
    timed = common.median_time(lambda: calls.append("c"), 2)
    assert calls.count("c") == 3 and len(timed["runs_s"]) == 2


def test_files_and_commands(tmp_path):
    path = str(tmp_path / "sub" / "r.json")
    common.write_json(path, {"a": [1, 2]})
    text = open(path).read()
    assert json.loads(text) == {"a": [1, 2]} and text.endswith("}\n")
    assert common.beside(path, ".md") == str(tmp_path / "sub" / "r.md")
    assert common.tool_command("bench_kd.py", ["--out", "a b"]) == "python tools/bench_kd.py --out 'a b'"
    assert common.daik_command("test", "c.py", 3) == [sys.executable, "-m", "daik", "test", "c.py", "3"]
    env = common.process_env(2)
    assert env["PYTHONPATH"].split(os.pathsep)[0] == common.ROOT and env["OMP_NUM_THREADS"] == "2"
    assert common.argv_of(["--x"]) == ["--x"] and common.argv_of(None) == sys.argv[1:]


def test_iteration_times_read_mmengines_scalar_log(tmp_path):
    log = tmp_path / "20260101_000000" / "vis_data"
    log.mkdir(parents=True)
    records = [{"loss": 1.0, "time": 0.5, "grad_norm": 3.0}, {"dota/mAP": 0.1}, {"loss": 0.9, "time": 0.25}]
    (log / "scalars.json").write_text("".join(json.dumps(r) + "\n" for r in records))
    assert common.iteration_times(str(tmp_path)) == [0.5, 0.25]
    assert len(list(common.scalar_records(str(tmp_path)))) == 3
