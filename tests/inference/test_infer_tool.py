"""daik infer with a real detector: outputs, and two gloo ranks == one process."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from daik.apis import load_detector

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIG = os.path.join(ROOT, "configs", "synthetic", "rotated_yolo_n.py")

from daik.cli import infer as infer_large


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """An untrained nano detector whose prediction convs are spread out, so that it does
    report boxes (the default initialisation puts every score at the prior 0.01)."""
    torch.manual_seed(0)
    model, _, _ = load_detector(CONFIG)
    g = torch.Generator().manual_seed(0)
    for branch, convs in model.head.preds.items():
        for conv in convs:
            torch.nn.init.normal_(conv.weight, std=3.0, generator=g)
            if branch == "cls":
                torch.nn.init.constant_(conv.bias, -1.0)
    path = str(tmp_path_factory.mktemp("ckpt") / "n.pth")
    torch.save({"state_dict": model.state_dict()}, path)
    return path


def _features(path):
    with open(path) as f:
        gj = json.load(f)
    rows = sorted((f["properties"]["label"], f["properties"]["score"], *f["properties"]["pixel_polygon"])
                  for f in gj["features"])
    return gj, np.array(rows, dtype=np.float64).reshape(-1, 10)


ARGS = ["--patch", "256", "--gap", "96", "--batch-size", "2", "--threads", "1", "--score-thr", "0.3",
        "--no-progress"]
IN_PROCESS = ["--malloc-default"]  # leave this test process's malloc as it is (tool processes retain)


def test_tool_writes_geojson_task1_and_quicklook(geo_tile, checkpoint, tmp_path):
    out = str(tmp_path / "scene.geojson")
    res = infer_large.main([CONFIG, checkpoint, geo_tile.path, "--out", out, "--task1-dir", str(tmp_path / "t1"),
                            "--quicklook", str(tmp_path / "ql.png"), "--quicklook-side", "384", *ARGS, *IN_PROCESS])
    gj, rows = _features(out)
    assert 0 < len(rows) == len(res.detections.scores)
    assert (rows[:, 1] > 0.3).all()
    assert gj["daik"]["stats"]["patches"] == res.stats["windows"] == 20
    assert len(os.listdir(tmp_path / "t1")) == 7  # one Task1 file per class
    import cv2

    ql = cv2.imread(str(tmp_path / "ql.png"))
    assert ql.shape == (320, 384, 3)


@pytest.mark.slow
def test_two_gloo_ranks_give_the_detections_of_one_process(geo_tile, checkpoint, tmp_path):
    one = str(tmp_path / "one.geojson")
    infer_large.main([CONFIG, checkpoint, geo_tile.path, "--out", one, *ARGS, *IN_PROCESS])
    two = str(tmp_path / "two.geojson")
    env = dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS="1")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
           os.path.join(ROOT, "tools", "infer_large.py"), CONFIG, checkpoint, geo_tile.path, "--out", two, *ARGS]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    gj1, rows1 = _features(one)
    gj2, rows2 = _features(two)
    assert gj2["daik"]["stats"]["ranks"] == 2 and gj1["daik"]["stats"]["ranks"] == 1
    assert gj2["daik"]["stats"]["patches"] == gj1["daik"]["stats"]["patches"]
    assert len(rows1) > 0 and rows1.shape == rows2.shape
    np.testing.assert_allclose(rows1, rows2, atol=1e-3)
