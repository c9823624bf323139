"""DOTAMetric on a couple of DetDataSamples, through mmengine's Evaluator as a Runner uses it."""
import zipfile

import pytest
import torch
from mmengine.evaluator import Evaluator

from daik.evaluation import DOTAMetric, eval_dota_task1, patch_name
from daik.registry import METRICS
from daik.structures import DetDataSample, make_gt_instances, make_pred_instances, rbox2poly

CLASSES = ("plane", "ship")
PLANE0 = [50.0, 50.0, 40.0, 20.0, 0.3]
SHIP0 = [150.0, 150.0, 60.0, 20.0, -0.5]
PLANE1 = [100.0, 100.0, 30.0, 30.0, 0.0]  # difficult
SHIP1 = [200.0, 200.0, 50.0, 20.0, 0.1]
FAR = [400.0, 400.0, 20.0, 20.0, 0.0]


def _sample(img_id, gt, gt_labels, difficult, pred, scores, labels):
    s = DetDataSample(metainfo=dict(img_id=img_id))
    s.gt_instances = make_gt_instances(gt, gt_labels, difficult)
    s.pred_instances = make_pred_instances(pred, scores, labels)
    return s


def samples():
    return [
        _sample("P0", [PLANE0, SHIP0], [0, 1], [False, False], [PLANE0, FAR, SHIP0], [0.9, 0.8, 0.7], [0, 1, 1]),
        _sample("P1", [PLANE1, SHIP1], [0, 1], [True, False], [PLANE1, SHIP1], [0.95, 0.6], [0, 1]),
    ]


# plane: npos 1; the .95 hit on P1's difficult plane is ignored, .9 is TP: rec [0, 1], prec [0, 1]
#   -> AP 1 (VOC07, area and COCO's 101 points alike).
# ship: npos 2; sorted .8 FP, .7 TP, .6 TP: rec [0, .5, 1], prec [0, .5, 2/3]; the envelope is
#   2/3 everywhere -> AP 2/3 in every form. Exact copies have IoU ~1, so every COCO threshold agrees.
# mAP = mAP50:95 = (1 + 2/3) / 2 = 5/6.
EXPECTED = {"mAP": 5 / 6, "mAP50:95": 5 / 6, "AP_plane": 1.0, "AP_ship": 2 / 3}


@pytest.mark.parametrize("use_07_metric", [True, False])
def test_metric_through_evaluator(use_07_metric):
    evaluator = Evaluator(METRICS.build(dict(type="DOTAMetric", use_07_metric=use_07_metric)))
    evaluator.dataset_meta = dict(classes=CLASSES)
    batch = samples()
    evaluator.process(data_samples=batch[:1])  # two batches; samples arrive as dicts
    evaluator.process(data_samples=batch[1:])
    res = evaluator.evaluate(2)
    assert res == pytest.approx({f"dota/{k}": v for k, v in EXPECTED.items()}, abs=1e-9)


def test_metric_process_takes_data_samples_and_drops_nan():
    metric = DOTAMetric()
    metric.dataset_meta = dict(classes=CLASSES)
    batch = samples()
    nan_pred = make_pred_instances([PLANE0, [float("nan")] * 5], [0.99, 0.99], [1, 1])
    batch[0].pred_instances = make_pred_instances(
        torch.cat([batch[0].pred_instances.bboxes, nan_pred.bboxes]),
        torch.cat([batch[0].pred_instances.scores, nan_pred.scores]),
        torch.cat([batch[0].pred_instances.labels, nan_pred.labels]))
    metric.process(None, batch)
    assert sum(r["dropped"] for r in metric.results) == 1
    res = metric.compute_metrics(metric.results)
    # the extra finite prediction is a ship at P0's plane (.99): a new first FP for ship:
    # sorted .99 FP, .8 FP, .7 TP, .6 TP -> rec [0, 0, .5, 1], prec [0, 0, 1/3, .5] -> AP .5.
    assert res["AP_ship"] == pytest.approx(0.5, abs=1e-9)
    assert res["AP_plane"] == pytest.approx(1.0, abs=1e-9)


def test_bad_labels_and_config_are_errors():
    metric = DOTAMetric()
    metric.dataset_meta = dict(classes=CLASSES)
    metric.process(None, [_sample("P0", [PLANE0], [0], [False], [PLANE0], [0.9], [5])])
    with pytest.raises(ValueError, match="label 5"):
        metric.compute_metrics(metric.results)
    with pytest.raises(ValueError, match="ann_dir"):
        DOTAMetric(merge_patches=True)
    with pytest.raises(ValueError, match="outfile_prefix"):
        DOTAMetric(format_only=True)


def _labeltxt(ann_dir, img_id, boxes, labels, difficult):
    ann_dir.mkdir(parents=True, exist_ok=True)
    polys = rbox2poly(torch.tensor(boxes, dtype=torch.float32).double()).reshape(-1, 8).tolist()
    lines = [" ".join(repr(v) for v in p) + f" {CLASSES[c]} {int(d)}" for p, c, d in zip(polys, labels, difficult)]
    (ann_dir / f"{img_id}.txt").write_text("imagesource:GoogleEarth\ngsd:0.5\n" + "\n".join(lines) + "\n")


def test_written_task1_files_give_the_metric_numbers(tmp_path):
    _labeltxt(tmp_path / "ann", "P0", [PLANE0, SHIP0], [0, 1], [0, 0])
    _labeltxt(tmp_path / "ann", "P1", [PLANE1, SHIP1], [0, 1], [1, 0])
    metric = DOTAMetric(outfile_prefix=str(tmp_path / "sub"), plot_pr=True, ann_dir=str(tmp_path / "ann"))
    metric.dataset_meta = dict(classes=CLASSES)
    metric.process(None, samples())
    res = metric.compute_metrics(metric.results)
    assert res == pytest.approx(EXPECTED, abs=1e-9)
    files = eval_dota_task1(tmp_path / "sub", tmp_path / "ann", list(CLASSES))
    assert files == pytest.approx({"plane": res["AP_plane"], "ship": res["AP_ship"], "mAP": res["mAP"]}, abs=1e-12)
    assert zipfile.ZipFile(tmp_path / "sub.zip").namelist() == ["Task1_plane.txt", "Task1_ship.txt"]
    assert (tmp_path / "sub" / "pr_curves.png").stat().st_size > 5000


def test_merge_patches_for_a_submission(tmp_path):
    # scene P0's objects seen from two overlapping patches at rate 1 (offsets (0, 0), (40, 40)),
    # each copy in its patch's coordinates; merged, they are the scene's objects once.
    def shifted(box, dx, dy):
        return [box[0] - dx, box[1] - dy, *box[2:]]

    patches = [
        _sample(patch_name("P0", 1.0, 0, 0), [], [], [], [PLANE0, SHIP0], [0.9, 0.7], [0, 1]),
        _sample(patch_name("P0", 1.0, 40, 40), [], [], [],
                [shifted(PLANE0, 40, 40), shifted(SHIP0, 40, 40)], [0.85, 0.75], [0, 1]),
        _sample(patch_name("P1", 1.0, 0, 0), [], [], [], [PLANE1, SHIP1], [0.95, 0.6], [0, 1]),
    ]
    _labeltxt(tmp_path / "ann", "P0", [PLANE0, SHIP0], [0, 1], [0, 0])
    _labeltxt(tmp_path / "ann", "P1", [PLANE1, SHIP1], [0, 1], [1, 0])
    metric = DOTAMetric(merge_patches=True, ann_dir=str(tmp_path / "ann"), outfile_prefix=str(tmp_path / "sub"))
    metric.dataset_meta = dict(classes=CLASSES)
    metric.process(None, patches)
    res = metric.compute_metrics(metric.results)
    # plane: .95 on P1's difficult one ignored, .9 TP -> 1; ship: .75 TP, .6 TP -> 1.
    assert res["AP_plane"] == pytest.approx(1.0, abs=1e-9) and res["AP_ship"] == pytest.approx(1.0, abs=1e-9)
    lines = (tmp_path / "sub" / "Task1_ship.txt").read_text().splitlines()
    assert [ln.split()[:2] for ln in lines] == [["P0", "0.75"], ["P1", "0.6000000238418579"]]
    fmt = DOTAMetric(merge_patches=True, format_only=True, outfile_prefix=str(tmp_path / "fmt"))
    fmt.dataset_meta = dict(classes=CLASSES)
    fmt.process(None, patches)
    assert fmt.compute_metrics(fmt.results) == {}
    assert (tmp_path / "fmt" / "Task1_ship.txt").read_text() == "\n".join(lines) + "\n"
