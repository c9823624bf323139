"""The detector end to end: preprocessing, modes, rescaling, NMS-free path, gradients,
re-parameterisation, hostile ground truth."""
import math

import pytest
import torch
import torch.nn as nn

from daik.models import reparameterize
from daik.models.heads import rescale_rboxes
from daik.ops import box_iou_rotated
from daik.structures import poly2rbox, rbox2poly

from .helpers import build_tiny, draw_scenes, make_sample


def _randomise_bn(model, seed=0):
    g = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            c = m.num_features
            m.running_mean.copy_(torch.randn(c, generator=g) * 0.1)
            m.running_var.copy_(torch.rand(c, generator=g) * 0.5 + 0.75)
            m.weight.data.copy_(torch.rand(c, generator=g) * 0.5 + 0.75)
            m.bias.data.copy_(torch.randn(c, generator=g) * 0.1)


def test_preprocessor_pads_to_32_and_scales():
    model = build_tiny()
    imgs = [torch.full((3, 50, 70), 255, dtype=torch.uint8), torch.zeros((3, 64, 33), dtype=torch.uint8)]
    samples = [make_sample([[10, 10, 8, 4, 0]], [0], (50, 70)), make_sample([], [], (64, 33))]
    data = model.data_preprocessor(dict(inputs=imgs, data_samples=samples), True)
    x = data["inputs"]
    assert x.shape == (2, 3, 64, 96) and x.dtype == torch.float32
    assert x[0, :, :50, :70].eq(1).all() and x[0, :, 50:].eq(0).all() and x[0, :, :, 70:].eq(0).all()
    out = data["data_samples"]
    assert out[0].batch_input_shape == (64, 96) and out[0].pad_shape == (64, 96) and out[1].pad_shape == (64, 64)
    torch.testing.assert_close(out[0].gt_instances.bboxes, samples[0].gt_instances.bboxes)


def test_forward_modes():
    model = build_tiny().eval()
    inputs, samples = draw_scenes(2, size=96)
    data = model.data_preprocessor(dict(inputs=inputs, data_samples=samples), False)
    cls, reg, ang = model(data["inputs"], mode="tensor")
    assert [c.shape[-1] for c in cls] == [12, 6, 3] and reg[0].shape[1] == 68 and ang[2].shape[1] == 180
    with torch.no_grad():
        out = model(**data, mode="predict")
    pred = out[0].pred_instances
    assert pred.bboxes.shape[1:] == (5,) and pred.scores.shape == pred.labels.shape == pred.bboxes.shape[:1]
    with pytest.raises(RuntimeError):
        model(**data, mode="nope")


def test_predict_rescales_to_the_original_image():
    boxes = torch.tensor([[40.0, 30.0, 30.0, 10.0, 0.5], [10.0, 50.0, 20.0, 20.0, -1.2]])
    torch.testing.assert_close(rescale_rboxes(boxes, (2.0, 2.0)), boxes * torch.tensor([0.5, 0.5, 0.5, 0.5, 1]))
    poly = rbox2poly(boxes)
    poly[:, 0::2] /= 2.0
    poly[:, 1::2] /= 0.5
    torch.testing.assert_close(rescale_rboxes(boxes, (2.0, 0.5)), poly2rbox(poly))
    # through the model: the same network input with a different scale_factor
    model = build_tiny().eval()
    inputs, samples = draw_scenes(1, size=64)
    data = model.data_preprocessor(dict(inputs=inputs, data_samples=samples), False)
    model.head.test_cfg.update(score_thr=0.0, nms=None, max_per_img=30)
    with torch.no_grad():
        a = model.predict(data["inputs"], data["data_samples"])[0].pred_instances
        data["data_samples"][0].set_metainfo({"scale_factor": (0.5, 0.5)})
        b = model.predict(data["inputs"], data["data_samples"])[0].pred_instances
    torch.testing.assert_close(b.bboxes[:, :4], a.bboxes[:, :4] * 2)
    torch.testing.assert_close(b.bboxes[:, 4], a.bboxes[:, 4])


def test_nms_free_path():
    model = build_tiny().eval()
    inputs, samples = draw_scenes(1, size=96)
    data = model.data_preprocessor(dict(inputs=inputs, data_samples=samples), False)
    feats = model.extract_feat(data["inputs"])
    metas = [s.metainfo for s in data["data_samples"]]
    cfg = dict(score_thr=0.0, nms_pre=60, max_per_img=40)
    with torch.no_grad():
        free = model.head.predict(feats, metas, cfg=dict(cfg, nms=None))[0]
        nms = model.head.predict(feats, metas, cfg=dict(cfg, nms=dict(iou_threshold=0.1)))[0]
    assert len(free.scores) == 40 and (free.scores[:-1] >= free.scores[1:]).all()
    assert len(nms.scores) < 40
    iou = box_iou_rotated(nms.bboxes, nms.bboxes)
    same = nms.labels[:, None] == nms.labels[None]
    assert (iou[same & ~torch.eye(len(iou), dtype=torch.bool)] <= 0.1 + 1e-6).all()
    assert (free.scores[0] == nms.scores[0])


def test_gradients_reach_every_parameter():
    for stage_block in ("RepBlock", "BepC3"):
        model = build_tiny(stage_block=stage_block)
        inputs, samples = draw_scenes(2, size=96, per_image=3)
        data = model.data_preprocessor(dict(inputs=inputs, data_samples=samples), True)
        losses = model(**data, mode="loss")
        sum(losses.values()).backward()
        missing = [n for n, p in model.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
        assert not missing, f"no gradient for {missing[:5]} ({len(missing)} parameters)"


def test_reparameterized_model_gives_the_same_outputs():
    model = build_tiny(stage_block="BepC3").double()
    _randomise_bn(model)
    model.eval()
    inputs, samples = draw_scenes(2, size=96, per_image=3, seed=5)
    data = model.data_preprocessor(dict(inputs=inputs, data_samples=samples), False)
    x = data["inputs"].double()
    model.head.test_cfg.update(score_thr=0.005, nms_pre=100)
    with torch.no_grad():
        ref = model(x, mode="tensor")
        ref_det = model.predict(x, data["data_samples"])
        ref_det = [(d.pred_instances.bboxes.clone(), d.pred_instances.scores.clone()) for d in ref_det]
        n_before = sum(p.numel() for p in model.parameters())
        reparameterize(model)
        assert sum(p.numel() for p in model.parameters()) < n_before
        assert not any(isinstance(m, nn.BatchNorm2d) for m in model.modules())
        out = model(x, mode="tensor")
        det = model.predict(x, data["data_samples"])
    for a_lvls, b_lvls in zip(ref, out):
        for a, b in zip(a_lvls, b_lvls):
            torch.testing.assert_close(b, a, atol=1e-5, rtol=0)
    assert sum(len(s) for _, s in ref_det) > 0
    for (rb, rs), d in zip(ref_det, det):
        torch.testing.assert_close(d.pred_instances.scores.double(), rs.double(), atol=1e-5, rtol=0)
        torch.testing.assert_close(d.pred_instances.bboxes.double(), rb.double(), atol=1e-4, rtol=1e-5)


@pytest.mark.parametrize("stage_block", ["RepBlock", "BepC3"])
def test_float32_reparameterized_model_is_close(stage_block):
    model = build_tiny(stage_block=stage_block)
    _randomise_bn(model, 3)
    model.eval()
    x = torch.rand(2, 3, 96, 96)
    with torch.no_grad():
        ref = model(x, mode="tensor")
        out = reparameterize(model)(x, mode="tensor")
    for a, b in zip(ref[0] + ref[1] + ref[2], out[0] + out[1] + out[2]):
        torch.testing.assert_close(b, a, atol=1e-5, rtol=1e-6)


@pytest.mark.parametrize("box,label,msg", [([10, 10, math.nan, 5, 0], 0, "NaN"), ([10, 10, 8, 5, 0], 7, "label")])
def test_hostile_ground_truth_names_the_image(box, label, msg):
    model = build_tiny()
    samples = [make_sample([box], [label], (64, 64), img_id="P0042")]
    data = model.data_preprocessor(dict(inputs=[torch.zeros(3, 64, 64, dtype=torch.uint8)], data_samples=samples), True)
    with pytest.raises(ValueError, match="P0042"):
        model(**data, mode="loss")


def test_zero_size_ground_truth_is_harmless():
    model = build_tiny()
    samples = [make_sample([[10, 10, 0, 0, 0], [30, 30, 20, 10, 0.3]], [0, 1], (64, 64))]
    data = model.data_preprocessor(dict(inputs=[torch.zeros(3, 64, 64, dtype=torch.uint8)], data_samples=samples), True)
    losses, st = model.head.loss_and_state(model.extract_feat(data["inputs"]), data["data_samples"])
    assert all(torch.isfinite(v) for v in losses.values())
    assert not st.assign.pos_mask[0, 0].any() and st.assign.pos_mask[0, 1].any()


def test_warmup_assigner_until_epoch():
    model = build_tiny(train_cfg=dict(warmup_assigner=dict(type="RotatedATSSAssigner"), warmup_epochs=2))
    assert type(model.head.current_assigner()).__name__ == "RotatedATSSAssigner"
    model.set_epoch(2)
    assert type(model.head.current_assigner()).__name__ == "RotatedTaskAlignedAssigner"


def test_unregularised_ground_truth_is_regularised():
    model = build_tiny()
    gt = model.head.gt_from_samples([make_sample([[30, 30, 10, 40, 0.2]], [1], (64, 64))])
    torch.testing.assert_close(gt.boxes[0, 0], torch.tensor([30, 30, 40, 10, 0.2 - math.pi / 2]))


def test_mmengine_train_and_val_steps():
    """What mmengine's loops call: train_step with an optimizer wrapper, then val_step."""
    from mmengine.optim import OptimWrapper

    model = build_tiny()
    inputs, samples = draw_scenes(2, size=64)
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.01))
    before = model.head.preds["cls"][0].bias.detach().clone()
    log = model.train_step(dict(inputs=inputs, data_samples=samples), wrapper)
    assert set(log) >= {"loss", "loss_cls", "loss_bbox", "loss_dfl", "loss_angle"}
    assert not torch.equal(before, model.head.preds["cls"][0].bias)
    model.eval()
    inputs, samples = draw_scenes(2, size=64)
    out = model.val_step(dict(inputs=inputs, data_samples=samples))
    assert len(out) == 2 and out[0].pred_instances.bboxes.shape[-1] == 5
