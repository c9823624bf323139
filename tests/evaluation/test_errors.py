"""The error breakdown of each ground truth's closest detection (daik.evaluation.errors, daik errors)."""
import json
import math

import numpy as np
import pytest
from shapely.geometry import Polygon

from daik.cli.errors import main as errors_main
from daik.evaluation.errors import match_errors, summarise


def corners(cx, cy, w, h, deg):
    a = math.radians(deg)
    c, s = math.cos(a), math.sin(a)
    pts = [(-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)]
    return [round(v, 4) for x, y in pts for v in (cx + x * c - y * s, cy + x * s + y * c)]  # as written


def shapely_iou(p, q):
    a, b = Polygon(np.reshape(p, (4, 2))), Polygon(np.reshape(q, (4, 2)))
    return a.intersection(b).area / a.union(b).area


def write(path, lines):
    path.write_text("".join(" ".join(f"{v:.4f}" if isinstance(v, float) else str(v) for v in ln) + "\n"
                            for ln in lines))


@pytest.fixture
def scene(tmp_path):
    """Two images: a ship pointed 10 degrees off, shifted and too fat; a ship whose box turns by 170
    degrees (10 off across the wrap); a difficult ship (not counted); a ship nothing overlaps; a
    small vehicle with no Task1 file at all."""
    labels, dets = tmp_path / "labelTxt", tmp_path / "Task1"
    labels.mkdir()
    dets.mkdir()
    g1, g2, g3, g4 = corners(50, 50, 40, 10, 0), corners(150, 60, 30, 6, 85), corners(20, 150, 30, 6, 0), \
        corners(150, 150, 20, 8, 30)
    write(labels / "a.txt", [(*g1, "ship", 0), (*g2, "ship", 0), (*g3, "ship", 1)])
    write(labels / "b.txt", [(*g4, "ship", 0), (*corners(60, 160, 8, 4, 0), "small-vehicle", 0)])
    d1 = corners(52, 50, 40, 11, 10)       # the closest to g1
    d1_far = corners(58, 53, 30, 10, 40)   # overlaps g1 less
    d2 = corners(150, 60, 33, 6, -85)      # g2 turned by 170 degrees
    d3 = corners(20, 150, 30, 6, 0)        # on the difficult one only
    write(dets / "Task1_ship.txt", [("a", 0.9, *d1), ("a", 0.95, *d1_far), ("a", 0.4, *d2), ("a", 0.8, *d3)])
    return labels, dets, dict(g1=g1, g2=g2, d1=d1, d1_far=d1_far, d2=d2)


def test_closest_detection_errors_against_hand_worked_geometry(scene):
    labels, dets, p = scene
    e = match_errors(dets, labels, ["ship", "small-vehicle"])
    ship = e["ship"]
    assert len(ship["iou"]) == 3  # the difficult ship is not counted
    assert shapely_iou(p["d1"], p["g1"]) > shapely_iou(p["d1_far"], p["g1"])
    np.testing.assert_allclose(ship["iou"][:2], [shapely_iou(p["d1"], p["g1"]), shapely_iou(p["d2"], p["g2"])],
                               rtol=1e-6)
    np.testing.assert_allclose(ship["score"][:2], [0.9, 0.4])  # the closest, not the best-scored
    np.testing.assert_allclose(ship["angle"][:2], [10.0, 10.0], atol=1e-3)  # 170 degrees of turn is 10 off
    np.testing.assert_allclose(ship["centre"][:2], [2.0, 0.0], atol=1e-3)
    np.testing.assert_allclose(ship["long"][:2], [1.0, 1.1], atol=1e-3)
    np.testing.assert_allclose(ship["short"][:2], [1.1, 1.0], atol=1e-3)
    np.testing.assert_allclose(ship["aspect"], [4.0, 5.0, 2.5], atol=1e-3)
    assert ship["iou"][2] == 0 and np.isnan(ship["angle"][2]) and np.isnan(ship["score"][2])
    sv = e["small-vehicle"]
    assert len(sv["iou"]) == 1 and sv["iou"][0] == 0  # no Task1 file: missed

    s = summarise(e)["ship"]
    ious = sorted([shapely_iou(p["d1"], p["g1"]), shapely_iou(p["d2"], p["g2"]), 0.0])
    assert s["n"] == 3
    assert s["recall@0.5"] == pytest.approx(np.mean(np.array(ious) > 0.5))
    assert s["recall@0.3"] == pytest.approx(np.mean(np.array(ious) > 0.3))
    assert s["iou"] == pytest.approx(np.mean(ious[1:]), rel=1e-6)  # median of the two overlapped
    assert s["angle"] == pytest.approx(10.0, abs=1e-3)
    assert s["centre"] == pytest.approx(1.0, abs=1e-3)
    assert math.isnan(summarise(e)["small-vehicle"]["iou"])
    assert math.isnan(summarise(e, min_aspect=5.5)["ship"]["angle"])  # no ship that long: no direction to score
    assert summarise(e, min_aspect=4.5)["ship"]["angle"] == pytest.approx(10.0, abs=1e-3)  # the 5:1 one alone


def test_errors_command_writes_table_json_and_plot(scene, tmp_path, capsys):
    labels, dets, _ = scene
    out = tmp_path / "out"
    summaries = errors_main([str(labels), str(dets), str(dets), "--names", "one", "two", "--out-dir", str(out)])
    assert summaries["one"] == summaries["two"]
    md = (out / "errors.md").read_text()
    assert "| ship | one | 3 |" in md and "| ship | two | 3 |" in md
    assert json.loads((out / "errors.json").read_text())["summary"]["one"]["ship"]["n"] == 3
    assert (out / "errors.png").stat().st_size > 0
    assert "| ship | one |" in capsys.readouterr().out
    pooled = errors_main([str(labels), str(dets), str(dets), "--names", "seeds", "seeds", "--out-dir", str(out)])
    assert list(pooled) == ["seeds"] and pooled["seeds"]["ship"]["n"] == 6  # one folder's ground truths twice
    assert pooled["seeds"]["ship"]["iou"] == pytest.approx(summaries["one"]["ship"]["iou"])
    with pytest.raises(SystemExit, match="does not exist"):
        errors_main([str(labels), str(tmp_path / "missing"), "--out-dir", str(out)])
    with pytest.raises(SystemExit):
        errors_main([str(labels), str(dets), "--names", "a", "b"])
