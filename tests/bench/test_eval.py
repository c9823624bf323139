"""daik.bench.eval in miniature: its shapely peer (daik.bench.references.shapely_eval) agrees with
eval_dota_task1, and main writes the JSON and only its own section of the README beside it."""
import json

import pytest

from daik.bench import eval as bench


@pytest.mark.filterwarnings("ignore:classes without")
def test_bench_run_agrees_and_counts(tmp_path):
    res = bench.run(tmp_path, num_images=3, seed=3, repeats=1)  # asserts equal APs itself
    assert res["max_abs_ap_diff_voc07"] == 0.0 and res["max_abs_ap_diff_area"] == 0.0
    assert res["num_gt"] > 0 and res["num_dets"] > 0 and 0.0 < res["mAP_voc07"] < 1.0
    assert len(list((tmp_path / "labelTxt").glob("*.txt"))) == 3


@pytest.mark.filterwarnings("ignore:classes without")
def test_main_writes_json_and_its_readme_section(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# Benchmarks\n\n<!-- ops:begin -->\nops\n<!-- ops:end -->\n")
    res = bench.main(["--num-images", "2", "--repeats", "1", "--out", str(tmp_path / "eval.json"), "--note", "n b"])
    assert json.loads((tmp_path / "eval.json").read_text()) == json.loads(json.dumps(res))
    text = readme.read_text()
    assert "<!-- ops:begin -->\nops\n<!-- ops:end -->" in text and "<!-- eval:begin -->" in text
    assert "`python tools/bench_eval.py --num-images 2 --repeats 1 --out " in text and "--note" not in text
    assert "Note: n b" in text
