"""daik.bench.train on a tiny set: the numbers come from the run's own iteration log."""
import json
import shutil

import pytest

from daik.bench import train as bench_train
from daik.bench.common import iteration_times


def test_bench_train_tiny(tiny_set, tmp_path):
    for split in ("train", "val"):
        shutil.copytree(tiny_set, tmp_path / "data" / split)
    out = tmp_path / "train.json"
    report = bench_train.main(["--data", str(tmp_path / "data"), "--sizes", "n", "--iters", "3", "--warmup", "1",
                               "--batch-size", "2", "--img-scale", "64", "--work-dir", str(tmp_path / "work"),
                               "--out", str(out), "--readme", str(tmp_path / "R.md")])
    saved = json.loads(out.read_text())
    assert saved == json.loads(json.dumps(report))
    (row,) = saved["rows"]
    logged = iteration_times(str(tmp_path / "work" / "n"))
    assert row["iters"] == len(logged) == 3  # 3 x 2 images of the 6, one epoch, no validation
    assert row["seconds_per_iter"] == pytest.approx((logged[1] + logged[2]) / 2)  # median after 1 warm-up
    assert row["images_per_s"] == pytest.approx(2 / row["seconds_per_iter"])
    text = (tmp_path / "R.md").read_text()
    assert "<!-- train:begin -->" in text and "| YOLOv6-R-n |" in text and "| 1.00x |" in text
