"""COCO-style mAP50:95 on hand-worked cases; the AP table and the PR-curve PNG."""
import numpy as np
import pytest

from daik.evaluation import (COCO_IOU_THRS, ClassDetections, ImageAnnotation, ap_table_markdown, ap_table_rich,
                             coco101_ap, eval_coco_style, evaluate, plot_pr_curves)

from .helpers import rect


def _case(gts, dets, names=None):
    names = names or ["plane"] * len(gts)
    anns = {"P0": ImageAnnotation(np.array(gts, dtype=float).reshape(-1, 8), names, [False] * len(gts))}
    cdets = {"plane": ClassDetections(["P0"] * len(dets), [s for s, _ in dets], np.array([p for _, p in dets]))}
    return anns, cdets


def test_coco101_ap_by_hand():
    # rec [1/3, 1/3, 2/3], prec [1, .5, 2/3]: envelope [1, 2/3, 2/3].
    # recall points 0.00..0.33 (34) -> 1; 0.34..0.66 (33) -> 2/3; 0.67..1.00 (34) -> 0.
    # AP = (34 + 33 * 2/3) / 101 = 56/101.
    rec = np.array([1, 1, 2]) / 3
    prec = np.array([1, 0.5, 2 / 3])
    assert coco101_ap(rec, prec) == pytest.approx(56 / 101, abs=1e-12)
    assert coco101_ap(np.zeros(0), np.zeros(0)) == 0.0


def test_map50_95_counts_thresholds_below_the_iou():
    assert COCO_IOU_THRS == (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)
    # one GT 10x10, one detection 10x8 inside it: IoU 80/100 = 0.8 exactly.
    anns, dets = _case([rect(0, 0, 10, 10)], [(0.9, rect(0, 0, 10, 8))])
    # a hit at .50 .. .75 (6 thresholds, AP 1 each); at .80 IoU is not > .80; above, misses.
    res = eval_coco_style(dets, anns, ["plane"])
    assert res == pytest.approx({"plane": 0.6, "mAP50:95": 0.6}, abs=1e-12)


def test_map50_95_with_101_point_interpolation():
    gts = [rect(0, 0, 10, 10), rect(100, 0, 110, 10), rect(200, 0, 210, 10)]
    far = rect(500, 500, 510, 510)
    # exact copies (IoU 1) of two GTs and one FP between them: at every threshold
    # rec [1/3, 1/3, 2/3], prec [1, .5, 2/3] -> 56/101 (see test_coco101_ap_by_hand).
    anns, dets = _case(gts, [(0.9, gts[0]), (0.8, far), (0.7, gts[1])])
    res = evaluate(dets, anns, ["plane"], COCO_IOU_THRS, "coco101")
    np.testing.assert_allclose(res.classes[0].ap, np.full(10, 56 / 101), atol=1e-12)
    assert res.mean_ap_over_thrs() == pytest.approx(56 / 101, abs=1e-12)


def test_table_and_pr_plot(tmp_path):
    gts = [rect(0, 0, 10, 10), rect(100, 0, 110, 10)]
    anns, dets = _case(gts, [(0.9, gts[0]), (0.8, rect(500, 500, 510, 510)), (0.7, gts[1])])
    anns["P0"].names[1] = "ship"
    dets["ship"] = ClassDetections(["P0"], [0.6], np.array([gts[1]]))
    main = evaluate(dets, anns, ["plane", "ship"], (0.5,), "voc07")
    coco = evaluate(dets, anns, ["plane", "ship"], COCO_IOU_THRS, "coco101")
    md = ap_table_markdown(main, coco).splitlines()
    assert md[0] == "| class | gts | dets | AP50 (voc07) | AP50:95 (coco101) |"
    # plane has one GT (the second is a ship): dets TP, FP, FP -> rec [1, 1, 1], prec [1, .5, 1/3]
    # -> AP 1; ship: one TP -> AP 1.
    assert md[2].startswith("| plane | 1 | 3 | 100.00 |")
    assert md[-1].startswith("| mAP | 2 | 4 | 100.00 |")
    assert ap_table_rich(main, coco).row_count == 3
    png = plot_pr_curves(main, tmp_path / "pr" / "curves.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
