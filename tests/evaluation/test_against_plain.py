"""eval_dota_task1 against an independent, loop-based re-statement of DOTA_devkit's voc_eval
(shapely polygon IoU), on random scenes with ties in score, difficult GT, duplicates and
false positives; and the Task1 writer round trip against the in-memory path."""
import zipfile

import numpy as np
import pytest

from daik.evaluation import (ClassDetections, ImageAnnotation, eval_dota_task1, eval_rbbox_map,
                             write_task1_files, zip_task1_files)

from .helpers import plain_voc_eval, random_case, write_dets, write_labels

CLASSES = ["plane", "ship", "small-vehicle"]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("use_07_metric", [True, False])
def test_matches_plain_devkit_restatement(tmp_path, seed, use_07_metric):
    rng = np.random.default_rng(seed)
    labels, dets = random_case(rng, CLASSES, num_images=5, max_objects=14)
    write_labels(tmp_path / "ann", labels)
    write_dets(tmp_path / "det", dets)
    thr = [0.5, 0.3, 0.7][seed % 3]
    res = eval_dota_task1(tmp_path / "det", tmp_path / "ann", CLASSES, iou_thr=thr, use_07_metric=use_07_metric)
    for c in CLASSES:
        want = plain_voc_eval(tmp_path / "det", tmp_path / "ann", sorted(labels), c, thr, use_07_metric)
        assert res[c] == pytest.approx(want, abs=1e-12), c
    assert res["mAP"] == pytest.approx(np.mean([res[c] for c in CLASSES]), abs=1e-12)
    assert 0.0 < res["mAP"] < 1.0  # the case is not trivial


def test_many_ties_in_a_large_file(tmp_path):
    # > 16 detections with few distinct scores: np.argsort(-scores) is no longer an insertion
    # sort, and both implementations must make the same call to agree.
    rng = np.random.default_rng(7)
    labels, dets = random_case(rng, ["plane"], num_images=8, max_objects=20, tie_decimals=0)
    write_labels(tmp_path / "ann", labels)
    write_dets(tmp_path / "det", dets)
    assert len(dets["plane"]) > 40
    res = eval_dota_task1(tmp_path / "det", tmp_path / "ann", ["plane"])
    assert res["plane"] == pytest.approx(plain_voc_eval(tmp_path / "det", tmp_path / "ann", sorted(labels), "plane"),
                                         abs=1e-12)


def _in_memory(labels, dets):
    anns = {i: ImageAnnotation(np.array([p for p, _, _ in objs]).reshape(-1, 8), [c for _, c, _ in objs],
                               [d for _, _, d in objs]) for i, objs in labels.items()}
    cdets = {c: ClassDetections([r[0] for r in rows], [r[1] for r in rows], np.array([r[2] for r in rows]))
             for c, rows in dets.items()}
    return anns, cdets


@pytest.mark.parametrize("use_07_metric", [True, False])
def test_task1_writer_round_trip_equals_in_memory(tmp_path, use_07_metric):
    rng = np.random.default_rng(11)
    labels, dets = random_case(rng, CLASSES, num_images=6, max_objects=12)
    # scores with full float64 digits (ties too): the writer must keep them exactly
    for rows in dets.values():
        for k, (i, s, p) in enumerate(rows):
            rows[k] = (i, s / 3.0, p)
    anns, cdets = _in_memory(labels, dets)
    write_labels(tmp_path / "ann", labels)
    paths = write_task1_files(cdets, tmp_path / "det", CLASSES)
    mem = eval_rbbox_map(cdets, anns, CLASSES, use_07_metric=use_07_metric)
    files = eval_dota_task1(tmp_path / "det", tmp_path / "ann", CLASSES, use_07_metric=use_07_metric)
    assert files == mem  # bit-identical
    assert 0.0 < mem["mAP"] < 1.0
    zpath = zip_task1_files(paths, tmp_path / "submission.zip")
    with zipfile.ZipFile(zpath) as zf:
        assert sorted(zf.namelist()) == sorted(f"Task1_{c}.txt" for c in CLASSES)
        assert zf.read("Task1_ship.txt") == (tmp_path / "det" / "Task1_ship.txt").read_bytes()


def test_rounded_writer_changes_nothing_when_scores_are_short(tmp_path):
    rng = np.random.default_rng(3)
    labels, dets = random_case(rng, CLASSES, num_images=4)
    anns, cdets = _in_memory(labels, dets)
    write_labels(tmp_path / "ann", labels)
    write_task1_files(cdets, tmp_path / "det", CLASSES, digits=6)
    text = (tmp_path / "det" / "Task1_plane.txt").read_text().splitlines()[0].split()
    assert all(len(t.split(".")[1]) == 6 for t in text[1:])
    files = eval_dota_task1(tmp_path / "det", tmp_path / "ann", CLASSES)
    assert files == pytest.approx(eval_rbbox_map(cdets, anns, CLASSES), abs=1e-9)
