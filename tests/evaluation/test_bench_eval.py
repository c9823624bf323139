"""tools/bench_eval.py in miniature: its shapely peer agrees with eval_dota_task1, and it
rewrites only its own section of benchmarks/README.md."""
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_eval", ROOT / "tools" / "bench_eval.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.filterwarnings("ignore:classes without")
def test_bench_run_agrees_and_counts(bench, tmp_path):
    res = bench.run(tmp_path, num_images=3, seed=3, repeats=1)  # asserts equal APs itself
    assert res["max_abs_ap_diff_voc07"] == 0.0 and res["max_abs_ap_diff_area"] == 0.0
    assert res["num_gt"] > 0 and res["num_dets"] > 0 and 0.0 < res["mAP_voc07"] < 1.0
    assert len(list((tmp_path / "labelTxt").glob("*.txt"))) == 3
