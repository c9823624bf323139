"""daik.bench.ops: its shapely peers (daik.bench.references) compute the same thing as daik, and
a case is timed and reported."""
import numpy as np
import pytest
import torch

from daik.bench import ops as bench
from daik.bench.ops_report import markdown
from daik.bench.references import shapely_iou, shapely_iou_strtree, shapely_nms
from daik.ops import box_iou_rotated, nms_rotated


@pytest.fixture(autouse=True)
def _compiled_ops(monkeypatch):
    """The merge case calls the compiled op's exhaustive loop: no reference ops here."""
    monkeypatch.delenv("DAIK_USE_REFERENCE_OPS", raising=False)


def test_shapely_peers_agree_with_daik():
    a, b = bench.scene_boxes(60, 1, extent=200.0).double(), bench.scene_boxes(50, 2, extent=200.0).double()
    ours = box_iou_rotated(a, b).numpy()
    assert (ours > 0).mean() > 0.2
    assert np.abs(shapely_iou(a, b) - ours).max() < 1e-9
    assert np.abs(shapely_iou_strtree(a, b) - ours).max() < 1e-9
    assert np.abs(shapely_iou(a[:50], b, aligned=True) - box_iou_rotated(a[:50], b, aligned=True).numpy()).max() < 1e-9
    boxes, scores = bench.detections(400, 3)
    assert np.array_equal(shapely_nms(boxes, scores, 0.3), nms_rotated(boxes, scores, 0.3).numpy())


def test_run_case_and_markdown(tmp_path):
    a = bench.scene_boxes(20, 4)
    case = dict(title="tiny", op="box_iou_rotated", problem="20x20", check={"x": 1.0},
                entries=[("daik", "20x20", lambda: box_iou_rotated(a, a), 2),
                         ("shapely (all pairs)", "20x20", lambda: shapely_iou(a, a), 1)])
    result = bench.run_case(case, "cpu")
    impls = [r["impl"] for r in result["results"]]
    one = ["daik (1 thread)"] if torch.get_num_threads() > 1 else []
    assert impls == ["daik"] + one + ["shapely (all pairs)"]
    assert all(r["median_s"] > 0 and len(r["runs_s"]) == r["repeats"] for r in result["results"])
    meta = dict(command="c", device_name="d", torch_threads=1, torch="t", shapely="s", date="x",
                commit="y", load_average_start=0.0, load_average_end=0.0)
    text = markdown(dict(meta=meta, cases=[result], target=None))
    assert "| tiny | " in text and "x)" in text


def test_merge_case_compares_the_grid_with_the_exhaustive_loop():
    case = bench.case_merge(3000, dict(repeats=1, slow_repeats=1))
    assert int(case["problem"]) >= 1024  # large enough for the grid loop
    assert case["check"]["same_keep_as_exhaustive"] and 0 < case["check"]["kept"] < int(case["problem"])
    assert [e[0] for e in case["entries"]] == ["daik", "daik exhaustive loop"]
