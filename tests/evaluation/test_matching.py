"""The vectorised matching against the devkit's per-detection loop, crowded images included."""
import numpy as np

from daik.evaluation import matching
from daik.evaluation.matching import _reduce_best, class_overlaps, hbb, hbb_prefilter
from daik.ops import poly_iou
from daik.structures import rbox2poly


def _per_detection(det_polys, det_img, gt_polys, gt_img):
    """The devkit's loop: per detection, the candidates of its image, their IoUs in one call,
    np.max / np.argmax."""
    ovmax, jmax = np.full(len(det_polys), -np.inf), np.full(len(det_polys), -1)
    for d, (p, i) in enumerate(zip(det_polys, det_img)):
        idx = np.flatnonzero(gt_img == i)
        keep = idx[hbb_prefilter(hbb(p[None]), hbb(gt_polys[idx]))]
        if len(keep):
            ov = poly_iou(gt_polys[keep], p[None])[:, 0]  # ground truth first, as in the devkit
            ovmax[d], jmax[d] = np.max(ov), keep[np.argmax(ov)]
    return ovmax, jmax


def _boxes(rng, n, size):
    return np.column_stack([rng.uniform(0, size, (n, 2)), rng.uniform(4, 30, (n, 2)),
                            rng.uniform(-1.5, 1.5, n)])


def test_crowded_image_cut_into_strips_matches_the_loop(monkeypatch):
    calls = []

    def counting_poly_iou(a, b):
        calls.append((len(a), len(b)))
        return poly_iou(a, b)

    # small limits so the crowded image is cut into strips and the pairs into chunks
    monkeypatch.setattr(matching, "_PAIRS_PER_CALL", 200)
    monkeypatch.setattr(matching, "_PAIRS_PER_CHUNK", 500)
    monkeypatch.setattr(matching, "poly_iou", counting_poly_iou)
    rng = np.random.default_rng(0)
    gt = rbox2poly(_boxes(rng, 60, 120)).reshape(-1, 8)
    gt_img = np.r_[np.zeros(54, np.int64), np.ones(6, np.int64)]
    det = np.concatenate([gt[:50] + rng.normal(0, 2, (50, 8)), rbox2poly(_boxes(rng, 15, 120)).reshape(-1, 8)])
    det_img = np.r_[gt_img[:50], rng.integers(0, 3, 15)]  # image 2 has no GT
    ours = class_overlaps(det, det_img, gt, gt_img, 3)
    assert len(calls) > 10
    want = _per_detection(det, det_img, gt, gt_img)
    np.testing.assert_array_equal(ours[0], want[0])
    np.testing.assert_array_equal(ours[1], want[1])
    assert (ours[0] > 0.5).sum() > 25 and np.isinf(ours[0]).any()


def test_exact_copies_tie_to_the_first_gt():
    g = rbox2poly(np.array([[50.0, 50.0, 20.0, 10.0, 0.2]])).reshape(-1, 8)
    gt = np.concatenate([g, g, g])  # three identical GT: argmax takes the first
    ovmax, jmax = class_overlaps(g, np.zeros(1, np.int64), gt, np.zeros(3, np.int64), 1)
    assert jmax.tolist() == [0] and ovmax[0] > 0.999


def test_reduce_best_has_np_max_and_argmax_semantics():
    pd = np.array([0, 0, 0, 2, 2, 3])
    pg = np.array([4, 5, 6, 1, 2, 7])
    iou = np.array([0.2, np.nan, 0.7, 0.4, 0.4, 0.0])
    ovmax, jmax = _reduce_best(pd, pg, iou, 5)
    # det 0: np.max -> nan, np.argmax -> the nan; det 2: tie -> first; det 1, 4: no candidates.
    assert np.isnan(ovmax[0]) and jmax[0] == 5
    assert ovmax[2] == 0.4 and jmax[2] == 1
    assert ovmax[3] == 0.0 and jmax[3] == 7
    assert np.isneginf(ovmax[[1, 4]]).all() and (jmax[[1, 4]] == -1).all()


def test_small_images_packed_into_shared_calls_match_the_loop(monkeypatch):
    calls = []

    def counting_poly_iou(a, b):
        calls.append((len(a), len(b)))
        return poly_iou(a, b)

    monkeypatch.setattr(matching, "use_reference_ops", lambda: False)  # packing on, whatever the backend
    monkeypatch.setattr(matching, "_PAIRS_PER_BLOCK", 120)
    monkeypatch.setattr(matching, "poly_iou", counting_poly_iou)
    rng = np.random.default_rng(1)
    n_img = 24
    gt_img = np.sort(rng.integers(0, n_img, 60))
    gt = rbox2poly(_boxes(rng, 60, 100)).reshape(-1, 8)  # images overlap in coordinates
    det = np.concatenate([gt + rng.normal(0, 2, gt.shape), rbox2poly(_boxes(rng, 20, 100)).reshape(-1, 8)])
    det_img = np.r_[gt_img, rng.integers(0, n_img, 20)]
    perm = rng.permutation(len(det))  # detections in any order, as in a file
    det, det_img = det[perm], det_img[perm]
    ours = class_overlaps(det, det_img, gt, gt_img, n_img)
    assert 1 < len(calls) < n_img // 2 and max(a * b for a, b in calls) <= 120
    want = _per_detection(det, det_img, gt, gt_img)
    np.testing.assert_array_equal(ours[0], want[0])
    np.testing.assert_array_equal(ours[1], want[1])
