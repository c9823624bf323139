"""eval_dota_task1 on hand-worked cases (each expected AP is worked out in its comment)."""
import numpy as np
import pytest

from daik.evaluation import eval_dota_task1
from daik.ops import poly_iou

from .helpers import rect, write_dets, write_labels

A = rect(0, 0, 10, 10)
B = rect(100, 0, 110, 10)
C = rect(200, 0, 210, 10)


def run(tmp_path, labels, dets, classes=("plane",), **kw):
    write_labels(tmp_path / "ann", labels)
    write_dets(tmp_path / "det", dets)
    return eval_dota_task1(tmp_path / "det", tmp_path / "ann", list(classes), **kw)


def test_iou_of_exactly_half_is_a_miss(tmp_path):
    gt, det = rect(0, 0, 2, 2), rect(0, 0, 2, 1)  # areas 4 and 2, one inside the other
    assert poly_iou(np.array([gt]), np.array([det]))[0, 0] == 0.5  # exact in floating point
    labels = {"P0": [(gt, "plane", 0)]}
    dets = {"plane": [("P0", 0.9, det)]}
    # IoU 0.5 is not > 0.5: the one detection is FP, recall stays 0 -> AP 0.
    assert run(tmp_path, labels, dets)["plane"] == 0.0
    # just below, it is a hit: rec [1], prec [1] -> every grid point has precision 1 -> AP 1.
    assert run(tmp_path, labels, dets, iou_thr=0.4999)["plane"] == pytest.approx(1.0, abs=1e-12)


def test_detection_on_difficult_gt_is_ignored(tmp_path):
    labels = {"P0": [(A, "plane", 0), (B, "plane", 1)]}  # B difficult
    dets = {"plane": [("P0", 0.9, B), ("P0", 0.8, A)]}
    # npos = 1 (B not counted). The hit on B is neither TP nor FP: tp [0, 1], fp [0, 0];
    # rec [0, 1], prec [0, 1]. VOC07: every grid point sees precision 1 -> AP 1.
    # (Were it FP, prec would be [0, .5] -> AP .5.)
    res = run(tmp_path, labels, dets)
    assert res["plane"] == pytest.approx(1.0, abs=1e-12)
    # A difficult GT never matched costs nothing either: only B detected -> AP 0 (rec 0), not a crash.
    res = run(tmp_path, labels, {"plane": [("P0", 0.9, B)]})
    assert res["plane"] == 0.0


def test_duplicates_are_false_positives(tmp_path):
    labels = {"P0": [(A, "plane", 0), (B, "plane", 0)]}
    dets = {"plane": [("P0", 0.9, A), ("P0", 0.8, A), ("P0", 0.7, B)]}
    # tp [1, 0, 1], fp [0, 1, 0]; rec [.5, .5, 1], prec [1, .5, 2/3].
    # VOC07: grid 0 .. .5 (6 points) -> 1, .6 .. 1 (5 points) -> 2/3: AP = (6 + 10/3) / 11 = 28/33.
    assert run(tmp_path, labels, dets)["plane"] == pytest.approx(28 / 33, abs=1e-12)
    # area: envelope [1, 1, 2/3, 2/3]; recall steps 0->.5 (x1) and .5->1 (x2/3): AP = 5/6.
    assert run(tmp_path, labels, dets, use_07_metric=False)["plane"] == pytest.approx(5 / 6, abs=1e-12)


def test_hit_on_taken_gt_is_fp_even_if_another_gt_is_free(tmp_path):
    g1, g2 = rect(0, 0, 10, 10), rect(2, 0, 12, 10)  # IoU(g1, g2) = 80/120 = 2/3
    d = rect(0, 0, 10, 10)  # IoU 1 with g1, 2/3 with g2
    labels = {"P0": [(g1, "plane", 0), (g2, "plane", 0)]}
    dets = {"plane": [("P0", 0.9, d), ("P0", 0.8, d)]}
    # the second copy's best GT is g1 again (taken): FP, although g2 (IoU 2/3 > .5) is free.
    # tp [1, 0], fp [0, 1]; rec [.5, .5], prec [1, .5]: grid 0 .. .5 -> 1, beyond -> 0: AP 6/11.
    assert run(tmp_path, labels, dets)["plane"] == pytest.approx(6 / 11, abs=1e-12)


@pytest.mark.parametrize("hits, expected", [(3, 3 / 11), (6, 6 / 11), (7, 7 / 11)])
def test_11_point_grid_keeps_its_floating_point_values(tmp_path, hits, expected):
    grid = np.arange(0.0, 1.1, 0.1)
    assert grid[3] > 0.3 and grid[6] > 0.6 and grid[7] > 0.7  # 0.30000000000000004, ...
    gts = [rect(20 * i, 0, 20 * i + 10, 10) for i in range(10)]
    labels = {"P0": [(g, "plane", 0) for g in gts]}
    dets = {"plane": [("P0", 1.0 - 0.01 * i, gts[i]) for i in range(hits)]}
    # `hits` TPs of 10 GT: recall reaches hits/10 (0.3 == 3/10 < 0.30000000000000004) with
    # precision 1, so only the grid points 0, .1, ..., strictly below the next grid value count:
    # recall .3 -> 3 points (0, .1, .2), .6 -> 6 points, .7 -> 7 points. A decimal grid would
    # give one point more each.
    assert run(tmp_path, labels, dets)["plane"] == pytest.approx(expected, abs=1e-12)


def test_area_form_with_precision_drops(tmp_path):
    labels = {"P0": [(A, "plane", 0), (B, "plane", 0), (C, "plane", 0)]}
    far = rect(500, 500, 510, 510)
    dets = {"plane": [("P0", 0.9, far), ("P0", 0.8, A), ("P0", 0.7, far), ("P0", 0.6, B)]}
    # tp [0,1,0,1], fp [1,0,1,0]: rec [0, 1/3, 1/3, 2/3], prec [0, 1/2, 1/3, 1/2].
    # envelope over mrec [0, 0, 1/3, 1/3, 2/3, 1] / mpre [0, 0, .5, 1/3, .5, 0] -> [.5, .5, .5, .5, .5, 0]:
    # steps 0->1/3 at .5 and 1/3->2/3 at .5 -> AP = 1/3.
    assert run(tmp_path, labels, dets, use_07_metric=False)["plane"] == pytest.approx(1 / 3, abs=1e-12)
    # VOC07: grid 0..0.6000000000000001 reachable (rec 2/3): max prec .5 -> 7 points * .5 / 11.
    assert run(tmp_path, labels, dets)["plane"] == pytest.approx(3.5 / 11, abs=1e-12)


def test_ties_in_score_fall_as_in_the_devkit(tmp_path):
    labels = {"P0": [(A, "plane", 0), (B, "plane", 0)]}
    far = rect(500, 500, 510, 510)
    # np.argsort(-scores), the devkit's call, keeps equal scores in file order for small arrays:
    assert np.argsort(-np.array([0.5, 0.5, 0.4])).tolist() == [0, 1, 2]
    # file order [FP, TP]: tp [0,1,1], fp [1,0,0]; prec [0, .5, 2/3], rec [0, .5, 1] -> VOC07 2/3.
    fp_first = {"plane": [("P0", 0.5, far), ("P0", 0.5, A), ("P0", 0.4, B)]}
    assert run(tmp_path, labels, fp_first)["plane"] == pytest.approx(2 / 3, abs=1e-12)
    # file order [TP, FP]: prec [1, .5, 2/3], rec [.5, .5, 1] -> (6 * 1 + 5 * 2/3) / 11 = 28/33.
    tp_first = {"plane": [("P0", 0.5, A), ("P0", 0.5, far), ("P0", 0.4, B)]}
    assert run(tmp_path, labels, tp_first)["plane"] == pytest.approx(28 / 33, abs=1e-12)


def test_missing_and_empty_detection_files_give_zero(tmp_path):
    labels = {"P0": [(A, "plane", 0), (B, "ship", 0), (C, "harbor", 0)]}
    write_labels(tmp_path / "ann", labels)
    write_dets(tmp_path / "det", {"plane": [("P0", 0.9, A)]})
    (tmp_path / "det" / "Task1_ship.txt").write_text("")  # empty; harbor's file is missing
    res = eval_dota_task1(tmp_path / "det", tmp_path / "ann", ["plane", "ship", "harbor"])
    # plane AP 1, ship 0, harbor 0 -> mAP 1/3.
    assert res == pytest.approx({"plane": 1.0, "ship": 0.0, "harbor": 0.0, "mAP": 1 / 3}, abs=1e-12)


def test_image_set_restricts_images(tmp_path):
    labels = {"P0": [(A, "plane", 0)], "P1": [(A, "plane", 0), (B, "plane", 0)]}
    dets = {"plane": [("P0", 0.9, A), ("P1", 0.8, rect(500, 500, 510, 510))]}
    # all images: npos 3, tp [1, 0], fp [0, 1]: rec [1/3, 1/3], prec [1, .5] -> grid 0..0.30000000000000004?
    # 1/3 >= 0.30000000000000004, so 4 points at 1 -> AP 4/11.
    assert run(tmp_path, labels, dets)["plane"] == pytest.approx(4 / 11, abs=1e-12)
    # only P0: npos 1; the detection on P1 is dropped -> rec [1], prec [1] -> AP 1.
    assert run(tmp_path, labels, dets, image_set=["P0"])["plane"] == pytest.approx(1.0, abs=1e-12)
    # the same from an image-set file (the devkit's imagesetfile)
    (tmp_path / "set.txt").write_text("P0\n")
    assert run(tmp_path, labels, dets, image_set=tmp_path / "set.txt")["plane"] == pytest.approx(1.0, abs=1e-12)
    # only P1: npos 2, one FP -> AP 0.
    assert run(tmp_path, labels, dets, image_set=["P1"])["plane"] == 0.0


def test_class_without_gt_gets_zero_and_a_warning(tmp_path):
    labels = {"P0": [(A, "plane", 0), (B, "ship", 1)]}  # ship only difficult
    dets = {"plane": [("P0", 0.9, A)], "ship": [("P0", 0.9, B), ("P0", 0.8, C)]}
    with pytest.warns(UserWarning, match="ship"):
        res = run(tmp_path, labels, dets, classes=("plane", "ship"), use_07_metric=False)
    # plane 1, ship 0 (no positives; it still counts): mAP 0.5.
    assert res == pytest.approx({"plane": 1.0, "ship": 0.0, "mAP": 0.5}, abs=1e-12)


def test_detections_on_unknown_images_are_an_error(tmp_path):
    labels = {"P0": [(A, "plane", 0)]}
    dets = {"plane": [("P0__1.0__0___0", 0.9, A)]}
    with pytest.raises(ValueError, match="merge patch results"):
        run(tmp_path, labels, dets)


@pytest.mark.parametrize("line, what", [
    ("1 2 3 4 5 6 7 8", "expected"),
    ("1 2 3 4 5 six 7 8 plane 0", "numbers"),
    ("1 2 3 4 5 6 7 8 plane x", "difficult"),
    ("1 2 3 4 5 nan 7 8 plane 0", "non-finite"),
])
def test_malformed_label_lines_name_file_and_line(tmp_path, line, what):
    ann = tmp_path / "ann"
    ann.mkdir()
    (ann / "P0.txt").write_text(f"imagesource:GoogleEarth\ngsd:null\n0 0 1 0 1 1 0 1 plane 0\n{line}\n")
    (tmp_path / "det").mkdir()
    with pytest.raises(ValueError, match=rf"P0\.txt:4: .*{what}"):
        eval_dota_task1(tmp_path / "det", ann, ["plane"])


@pytest.mark.parametrize("line, what", [
    ("P0 0.9 0 0 1 0 1 1 0", "expected"),
    ("P0 high 0 0 1 0 1 1 0 1", "numbers"),
    ("P0 0.9 0 0 1 0 1 inf 0 1", "non-finite"),
])
def test_malformed_detection_lines_name_file_and_line(tmp_path, line, what):
    write_labels(tmp_path / "ann", {"P0": [(A, "plane", 0)]})
    (tmp_path / "det").mkdir()
    (tmp_path / "det" / "Task1_plane.txt").write_text(f"P0 0.5 0 0 1 0 1 1 0 1\n\n{line}\n")
    with pytest.raises(ValueError, match=rf"Task1_plane\.txt:3: .*{what}"):
        eval_dota_task1(tmp_path / "det", tmp_path / "ann", ["plane"])


def test_missing_annotation_of_image_set_is_named(tmp_path):
    write_labels(tmp_path / "ann", {"P0": [(A, "plane", 0)]})
    (tmp_path / "det").mkdir()
    with pytest.raises(FileNotFoundError, match="P9"):
        eval_dota_task1(tmp_path / "det", tmp_path / "ann", ["plane"], image_set=["P0", "P9"])


def test_missing_folders_and_foreign_classes(tmp_path):
    write_labels(tmp_path / "ann", {"P0": [(A, "plane", 0), (B, "container-crane", 0)]})
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="detection folder"):
        eval_dota_task1(tmp_path / "nowhere", tmp_path / "ann", ["plane"])
    with pytest.raises(FileNotFoundError, match="no labelTxt"):
        eval_dota_task1(tmp_path / "empty", tmp_path / "empty", ["plane"])
    # DOTA-v1.5 labels read with the v1.0 list: the crane is ignored, and said to be.
    with pytest.warns(UserWarning, match="container-crane"):
        res = eval_dota_task1(tmp_path / "empty", tmp_path / "ann", ["plane"])
    assert res == {"plane": 0.0, "mAP": 0.0}
