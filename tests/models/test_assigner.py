"""Assigners on hand-made cases."""
import math

import torch

from daik.models.task_modules import (BatchGT, Priors, RotatedATSSAssigner, RotatedTaskAlignedAssigner,
                                      TaskAlignedAssigner)
from daik.ops import box_iou_rotated
from daik.registry import TASK_UTILS


def _priors(points, stride=8.0):
    pts = torch.tensor(points, dtype=torch.float32)
    return Priors(pts, torch.full((len(pts),), stride), [(1, len(pts))])


def _grid(h=16, w=16, stride=8):
    ys, xs = torch.meshgrid(torch.arange(h) * stride + stride / 2, torch.arange(w) * stride + stride / 2, indexing="ij")
    pts = torch.stack([xs.reshape(-1), ys.reshape(-1)], -1).float()
    return Priors(pts, torch.full((h * w,), float(stride)), [(h, w)])


def _gt(boxes, labels):
    return BatchGT.from_lists([torch.tensor(b, dtype=torch.float32).reshape(-1, 5) for b in boxes],
                              [torch.tensor(l, dtype=torch.long) for l in labels])


def _assign(assigner, priors, gt, pred_boxes=None, scores=None, num_classes=2, **kw):
    b, n = gt.boxes.shape[0], len(priors.points)
    if pred_boxes is None:  # every point predicts the first GT box of its image
        pred_boxes = gt.boxes[:, :1].expand(b, n, 5).clone() if gt.boxes.shape[1] else torch.zeros(b, n, 5)
    if scores is None:
        scores = torch.full((b, n, num_classes), 0.5)
    return assigner.assign(scores, pred_boxes, priors, gt, **kw)


def test_candidates_inside_rotated_box_not_its_hull():
    gt = _gt([[[64, 64, 80, 10, math.pi / 4]]], [[1]])
    c = math.cos(math.pi / 4) * 20
    inside = [(64, 64), (64 + c, 64 + c), (64 - 30 * math.cos(math.pi / 4), 64 - 30 * math.sin(math.pi / 4))]
    hull_only = [(84, 44), (44, 84), (90, 70)]  # in the horizontal hull (|dx|, |dy| < 31.8), not the box
    res = _assign(RotatedTaskAlignedAssigner(2), _priors(inside + hull_only), gt)
    assert res.candidate_mask[0, 0].tolist() == [True] * 3 + [False] * 3
    assert res.fg_mask[0].tolist() == [True] * 3 + [False] * 3
    assert res.labels[0].tolist() == [1, 1, 1, 2, 2, 2] and res.gt_index[0].tolist() == [0, 0, 0, -1, -1, -1]
    # the horizontal assigner on the hull would take them all
    hull = torch.tensor([[[64 - 31.82, 64 - 31.82, 64 + 31.82, 64 + 31.82]]])
    hres = TaskAlignedAssigner(2).assign(torch.full((1, 6, 2), 0.5), hull.expand(1, 6, 4), _priors(inside + hull_only),
                                         BatchGT(hull, torch.tensor([[1]]), torch.tensor([[True]])))
    assert hres.fg_mask.all()


def test_topk_selects_the_best_metric():
    priors = _grid()
    gt_box = torch.tensor([64.0, 64.0, 100.0, 60.0, 0.3])
    gt = _gt([[gt_box.tolist()]], [[0]])
    n = len(priors.points)
    g = torch.Generator().manual_seed(0)
    pred = gt_box.expand(1, n, 5).clone()
    pred[..., :2] += torch.randn(1, n, 2, generator=g) * 8  # varied IoU
    scores = torch.rand(1, n, 2, generator=g)
    res = _assign(RotatedTaskAlignedAssigner(2, topk=7), priors, gt, pred, scores)
    cand = res.candidate_mask[0, 0]
    assert cand.sum() > 20 and res.fg_mask.sum() == 7
    iou = box_iou_rotated(gt_box[None], pred[0])[0]
    metric = scores[0, :, 0] * iou.pow(6)
    expected = torch.where(cand, metric, torch.full_like(metric, -1)).topk(7).indices
    assert set(res.fg_mask[0].nonzero().flatten().tolist()) == set(expected.tolist())
    torch.testing.assert_close(res.align_metric[0, 0], torch.where(cand, metric, torch.zeros_like(metric)))
    # TOOD's normalisation: the best positive gets the best positive IoU; others scale by metric
    t = res.scores[0, :, 0][res.fg_mask[0]]
    best_iou = iou[res.fg_mask[0]].max()
    torch.testing.assert_close(t.max(), best_iou)
    torch.testing.assert_close(t, metric[res.fg_mask[0]] / metric[res.fg_mask[0]].max() * best_iou)
    assert (res.scores[0, :, 1] == 0).all()


def test_zero_and_padded_ground_truth():
    priors = _grid(8, 8)
    empty = _gt([[], []], [[], []])
    res = _assign(RotatedTaskAlignedAssigner(2), priors, empty)
    assert res.fg_mask.shape == (2, 64) and not res.fg_mask.any() and (res.labels == 2).all()
    assert res.scores.shape == (2, 64, 2) and res.scores.abs().sum() == 0
    mixed = _gt([[[20, 20, 30, 16, 0.2], [44, 44, 30, 20, -0.5]], []], [[0, 1], []])
    assert mixed.pad_mask.tolist() == [[True, True], [False, False]]
    res = _assign(RotatedTaskAlignedAssigner(2), priors, mixed, pred_boxes=mixed.boxes[:1].expand(2, 2, 5)[:, :1].expand(2, 64, 5))
    assert res.fg_mask[0].any() and not res.fg_mask[1].any()
    assert not res.candidate_mask[1].any() and not res.pos_mask[1].any()
    assert set(res.gt_index[0][res.fg_mask[0]].tolist()) == {0, 1}
    for a in (RotatedATSSAssigner(2),):
        assert not _assign(a, priors, empty).fg_mask.any()
        r = _assign(a, priors, mixed)
        assert r.fg_mask[0].any() and not r.fg_mask[1].any()


def test_one_gt_per_point_by_iou():
    a, b = [50, 50, 60, 30, 0.0], [54, 50, 60, 30, 0.1]  # overlapping GTs
    gt = _gt([[a, b]], [[0, 1]])
    priors = _priors([(52, 50)])
    res = _assign(RotatedTaskAlignedAssigner(2), priors, gt, pred_boxes=torch.tensor([[b]]))
    assert res.candidate_mask[0, :, 0].all()
    assert res.gt_index[0, 0] == 1 and res.labels[0, 0] == 1 and res.pos_mask[0, :, 0].tolist() == [False, True]


def test_metric_factor_steers_the_choice():
    priors = _grid(16, 16)
    gt = _gt([[[64, 64, 100, 60, 0.0]]], [[0]])
    cand = _assign(RotatedTaskAlignedAssigner(2), priors, gt).candidate_mask[0, 0]
    favoured = cand.nonzero().flatten()[[3, 10]]
    factor = torch.full((1, 1, len(priors.points)), 0.01)
    factor[..., favoured] = 1.0
    assigner = RotatedTaskAlignedAssigner(2, topk=2)
    res = _assign(assigner, priors, gt, metric_factor=factor)
    assert set(res.fg_mask[0].nonzero().flatten().tolist()) == set(favoured.tolist())

    def fn(bi, mi, ni):  # evaluated on candidate pairs only
        assert bool(cand[ni].all())
        return factor[bi, mi, ni]

    res2 = _assign(assigner, priors, gt, metric_factor=fn)
    assert torch.equal(res2.fg_mask, res.fg_mask)
    torch.testing.assert_close(res2.align_metric, res.align_metric)


def test_iou_strategy_comes_from_config():
    class HalfIoU:
        calls = 0

        def __call__(self, b1, b2, aligned=False):
            HalfIoU.calls += 1
            return torch.full((len(b1),), 0.5)

    priors = _grid(8, 8)
    gt = _gt([[[32, 32, 40, 20, 0.3]]], [[0]])
    res = _assign(RotatedTaskAlignedAssigner(2, iou_calculator=HalfIoU()), priors, gt)
    assert HalfIoU.calls == 1
    assert torch.allclose(res.overlaps[res.candidate_mask], torch.tensor(0.5))
    built = TASK_UTILS.build(dict(type="RotatedTaskAlignedAssigner", num_classes=2,
                                  iou_calculator=dict(type="RBboxOverlaps2D")))
    assert type(built.iou_calculator).__name__ == "RBboxOverlaps2D"


def test_atss_positives_are_inside_candidates():
    priors = _grid(16, 16)
    gt = _gt([[[64, 64, 90, 30, 0.6], [30, 100, 40, 40, 0.0]]], [[0, 1]])
    res = _assign(RotatedATSSAssigner(2, topk=9), priors, gt)
    assert res.fg_mask.any()
    assert (res.pos_mask <= res.candidate_mask).all()  # positives inside their GT
    assert (res.pos_mask.sum(1) <= 1).all()
    # targets: one-hot times the IoU of the prediction (here GT 0's box) with the assigned GT
    fg = res.fg_mask[0]
    iou = box_iou_rotated(res.boxes[0][fg], gt.boxes[0, :1].expand(int(fg.sum()), 5), aligned=True)
    torch.testing.assert_close(res.scores[0][fg].sum(-1), iou)
