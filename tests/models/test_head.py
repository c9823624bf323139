"""The rotated head: output shapes, staged forward, raw/decoded records."""
import math

import pytest
import torch

from daik.models.heads import EffiDeHead, RotatedYOLOv6Head

SIZES = [(12, 16), (6, 8), (3, 4)]


def _feats(head, batch=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(batch, c, h, w, generator=g) for c, (h, w) in zip(head.in_channels, SIZES)]


def _head(reg_max=16, num_classes=3, widen=0.125, seed=0):
    torch.manual_seed(seed)
    return RotatedYOLOv6Head(num_classes=num_classes, widen_factor=widen, reg_max=reg_max).eval()


@pytest.mark.parametrize("reg_max", [16, 7])
def test_output_shapes_per_level(reg_max):
    head = _head(reg_max)
    cls, reg, ang = head(_feats(head))
    for lvl, (h, w) in enumerate(SIZES):
        assert cls[lvl].shape == (2, 3, h, w)
        assert reg[lvl].shape == (2, 4 * (reg_max + 1), h, w)
        assert ang[lvl].shape == (2, 180, h, w)
    raw = head.predict_raw(_feats(head))
    n = sum(h * w for h, w in SIZES)
    assert raw.cls_logits.shape == (2, n, 3) and raw.reg_logits.shape == (2, n, 4, reg_max + 1)
    assert raw.ang_logits.shape == (2, n, 180) and raw.priors.points.shape == (n, 2)
    # flattening is level by level, row-major, points at cell centres
    torch.testing.assert_close(raw.level_split(raw.cls_logits)[1], cls[1].flatten(2).transpose(1, 2))
    torch.testing.assert_close(raw.priors.points[:2], torch.tensor([[4.0, 4.0], [12.0, 4.0]]))
    assert raw.priors.strides[-1] == 32 and raw.priors.points[-1].tolist() == [112.0, 80.0]
    dec = head.decode(raw)
    assert dec.rboxes.shape == (2, n, 5) and dec.scores.shape == (2, n, 3) and dec.angles.shape == (2, n)
    assert (dec.rboxes[..., 2] >= dec.rboxes[..., 3]).all()


def test_initial_predictions():
    head = _head()
    dec = head.decode(head.predict_raw(_feats(head)))
    assert abs(dec.scores.mean().item() - 0.01) < 2e-3  # prior probability
    assert torch.isfinite(dec.rboxes).all()


@pytest.mark.parametrize("k", [0, 1, 2, 3])
def test_tower_then_preds_equals_forward(k):
    head = _head()
    feats = _feats(head)
    full = head.forward_preds(feats, 0)
    tower = head.forward_tower(feats, k)
    assert len(tower) == 3
    if k <= 1:
        assert all(isinstance(t, torch.Tensor) for t in tower)
    else:
        assert set(tower[0]) == {"cls", "reg", "ang"}
    out = head.forward_preds(tower, k)
    for b in ("cls", "reg", "ang"):
        for x, y in zip(out[b], full[b]):
            torch.testing.assert_close(x, y)


def test_tower_is_pre_activation():
    head = _head()
    feats = _feats(head)
    stem = head.forward_tower(feats, 1)[0]
    assert (stem < 0).any()  # SiLU would have bounded it below by -0.279
    assert stem.min() < -0.3
    torch.testing.assert_close(head.stems[0](feats[0]), torch.nn.functional.silu(stem))


def test_student_tower_through_teacher_layers():
    """CrossKD's use: a student's stage-k features through the teacher's stages k+1..3."""
    teacher, student = _head(seed=1), _head(seed=2)
    feats = _feats(student)
    for k in (1, 2):
        cross = teacher.forward_preds(student.forward_tower(feats, k), k)
        own = student.forward_preds(student.forward_tower(feats, k), k)
        assert cross["cls"][0].shape == own["cls"][0].shape
        assert not torch.allclose(cross["cls"][0], own["cls"][0])
        raw = teacher.flatten(cross)
        assert raw.ang_logits.shape[-1] == 180


def test_stage_errors():
    head = _head()
    with pytest.raises(ValueError):
        head.forward_tower(_feats(head), 4)
    with pytest.raises(ValueError):
        head.forward_preds(_feats(head)[:2], 0)
    with pytest.raises(ValueError):
        RotatedYOLOv6Head(num_classes=2, reg_max=0)


def test_horizontal_head_layout():
    head = EffiDeHead(num_classes=80, widen_factor=0.25, reg_max=0)
    cls, reg = head([torch.randn(1, c, 4, 4) for c in head.in_channels])
    assert cls.__len__() == 3 and reg[0].shape[1] == 4 and cls[2].shape[1] == 80


def test_decoded_box_matches_distance_convention():
    """Hand-made logits: DFL peaked at 2 bins everywhere, angle bin 135 -> a 4x4-stride square
    centred on its point, at theta = 45.5 deg."""
    head = _head(num_classes=1)
    raw = head.predict_raw(_feats(head))
    raw.reg_logits = torch.full_like(raw.reg_logits, -30.0)
    raw.reg_logits[..., 2] = 30.0
    raw.ang_logits = torch.full_like(raw.ang_logits, -10.0)
    raw.ang_logits[..., 135] = 10.0
    dec = head.decode(raw)
    torch.testing.assert_close(dec.rboxes[0, :, :2], raw.priors.points)
    torch.testing.assert_close(dec.rboxes[0, :, 2], raw.priors.strides * 4)
    torch.testing.assert_close(dec.angles, torch.full_like(dec.angles, math.radians(45.5)))


@pytest.mark.parametrize("multi_label", [True, False])
def test_predict_decodes_only_candidates_with_the_same_result(multi_label):
    """predict decodes the points above the score threshold only; its detections equal those
    of decoding every point first (the path of training and of the export wrapper)."""
    from daik.models.heads import postprocess_single

    head = _head(num_classes=3)
    feats = _feats(head, batch=2, seed=3)
    cfg = dict(score_thr=0.005, nms_pre=50, nms=dict(iou_threshold=0.3), max_per_img=40, multi_label=multi_label)
    metas = [dict(scale_factor=(0.5, 0.5)), dict(scale_factor=(1.0, 2.0))]
    got = head.predict(feats, metas, cfg=cfg)
    dec = head.decode(head.predict_raw(feats))
    full_cfg = {**head.test_cfg, **cfg}
    for i, meta in enumerate(metas):
        want = postprocess_single(dec.rboxes[i], dec.scores[i], full_cfg, meta)
        assert len(want.scores) > 5  # the case is not empty
        assert torch.equal(got[i].bboxes, want.bboxes)
        assert torch.equal(got[i].scores, want.scores) and torch.equal(got[i].labels, want.labels)


@pytest.mark.parametrize("multi_label", [True, False])
@pytest.mark.parametrize("nms_pre", [0, 1, 37, 500, 10 ** 6])
def test_select_candidates_is_the_stable_descending_order(multi_label, nms_pre):
    """select_candidates keeps the first nms_pre of a stable descending sort of every (point,
    class) pair above the threshold, ties in row-major order - also through its top-k shortcut."""
    from daik.models.heads import select_candidates

    g = torch.Generator().manual_seed(nms_pre)
    scores = (torch.rand(900, 5, generator=g) * 20).floor() / 20  # many exact ties
    scores[3, 1] = float("nan")
    thr = 0.2
    pidx, labels, s = select_candidates(scores, thr, nms_pre, multi_label)
    if multi_label:
        pairs = [(i, c) for i in range(900) for c in range(5) if scores[i, c] > thr]
    else:
        best, arg = scores.max(dim=-1)
        pairs = [(i, int(arg[i])) for i in range(900) if best[i] > thr]
    want = sorted(pairs, key=lambda p: -float(scores[p]))  # Python's sort is stable
    want = want[:nms_pre] if nms_pre > 0 else want
    assert len(want) > 0 and list(zip(pidx.tolist(), labels.tolist())) == want
    assert torch.equal(s, scores[pidx, labels])
