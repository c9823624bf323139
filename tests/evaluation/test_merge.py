"""Merge of patch detections back to scenes: offsets and rates, duplicates across overlapping
patches removed, classes kept apart; the Task1-file merge."""
import numpy as np
import pytest

from daik.evaluation import (merge_patch_results, merge_task1_dir, parse_patch_name, patch_name, patch_to_scene,
                             read_task1_file)
from daik.structures import rbox2poly

# scene objects (cx, cy, w, h, theta) and labels; object 1 lies where patches overlap.
OBJECTS = np.array([[100.0, 100.0, 40.0, 20.0, 0.3],
                    [420.0, 300.0, 30.0, 30.0, -0.7],
                    [700.0, 650.0, 60.0, 24.0, 1.2],
                    [700.0, 650.0, 60.0, 24.0, 1.2]])  # same place as object 2, other class
LABELS = np.array([0, 1, 2, 0])
SIZE = 1000  # scene side in pixels


def test_patch_to_scene_by_hand():
    # (10 + 100) / .5 = 220, (20 + 200) / .5 = 440, sizes / .5, angle kept.
    out = patch_to_scene(np.array([[10.0, 20.0, 4.0, 2.0, 0.3]]), parse_patch_name("P1__0.5__100___200"))
    np.testing.assert_allclose(out, [[220.0, 440.0, 8.0, 4.0, 0.3]])


def _patches(img_id, rate, rng, patch=256, step=192):
    """What a perfect detector reports on each patch of the scene rescaled by ``rate``: the
    objects fully inside it, in patch coordinates, each copy with its own random score."""
    size = int(SIZE * rate)
    starts = sorted({min(s, max(0, size - patch)) for s in range(0, size, step)})
    out, best = [], {}
    for y in starts:
        for x in starts:
            boxes, scores, labels = [], [], []
            for k, (b, lab) in enumerate(zip(OBJECTS, LABELS)):
                local = b.copy()
                local[:4] *= rate
                local[0] -= x
                local[1] -= y
                poly = rbox2poly(local).reshape(4, 2)
                if (poly >= 0).all() and (poly < patch).all():
                    s = float(rng.uniform(0.3, 0.9))
                    boxes.append(local)
                    scores.append(s)
                    labels.append(lab)
                    best.setdefault(k, []).append(s)
            out.append((patch_name(img_id, rate, x, y), np.array(boxes).reshape(-1, 5), np.array(scores),
                        np.array(labels)))
    return out, best


@pytest.mark.parametrize("rate", [1.0, 0.5])
def test_merge_maps_back_and_removes_duplicates(rate):
    rng = np.random.default_rng(0)
    p0, best0 = _patches("P0", rate, rng)
    p1, _ = _patches("P1", rate, rng)
    assert max(len(v) for v in best0.values()) > 1  # some object was seen by several patches
    merged = merge_patch_results(p0 + p1, iou_thr=0.1)
    assert sorted(merged) == ["P0", "P1"]  # same places in two scenes never suppress each other
    for img_id in merged:
        d = merged[img_id]
        assert len(d.scores) == len(OBJECTS)  # one per object; objects 2 and 3 differ in class
        assert (np.diff(d.scores) <= 0).all()
        for b, lab in zip(OBJECTS, LABELS):
            k = np.flatnonzero((d.labels == lab) & (np.abs(d.bboxes[:, :2] - b[:2]).sum(1) < 1e-6))
            assert len(k) == 1
            np.testing.assert_allclose(d.bboxes[k[0]], b, atol=1e-9)
    kept = merged["P0"].scores[merged["P0"].labels == 1]
    assert kept[0] == max(best0[1])  # the best-scored copy survives


def test_merge_threshold_is_strict_iou():
    # two copies of a box at IoU 1/3 (10x10 squares shifted by 5): dropped at 0.1, kept at 0.5.
    boxes = np.array([[5.0, 5.0, 10.0, 10.0, 0.0], [10.0, 5.0, 10.0, 10.0, 0.0]])
    res = [("S__1.0__0___0", boxes[:1], np.array([0.9]), np.array([3])),
           ("S__1.0__0___0", boxes[1:], np.array([0.8]), np.array([3]))]
    assert len(merge_patch_results(res, iou_thr=0.1)["S"].scores) == 1
    assert len(merge_patch_results(res, iou_thr=0.5)["S"].scores) == 2


def test_merge_task1_dir(tmp_path):
    src = tmp_path / "patches"
    src.mkdir()
    square = np.array([0.0, 0.0, 10.0, 0.0, 10.0, 10.0, 0.0, 10.0])
    rows = [  # the same scene square (100..120 at rate .5 -> patch coords) seen from two patches
        ("S__0.5__40___40", 0.9, square + 10),
        ("S__0.5__45___45", 0.7, square + 5),
        ("T__1.0__0___0", 0.8, square),
    ]
    (src / "Task1_plane.txt").write_text(
        "".join(f"{i} {s} " + " ".join(f"{v}" for v in p) + "\n" for i, s, p in rows))
    paths = merge_task1_dir(src, tmp_path / "scenes", ["plane", "ship"], iou_thr=0.1)
    assert [p.name for p in paths] == ["Task1_plane.txt", "Task1_ship.txt"]
    d = read_task1_file(paths[0])
    assert d.img_ids.tolist() == ["S", "T"]
    np.testing.assert_allclose(d.scores, [0.9, 0.8])
    # (square + 10 + 40) / .5 = square * 2 + 100
    np.testing.assert_allclose(d.polys, [square * 2 + 100, square])
    assert read_task1_file(paths[1]).scores.size == 0
