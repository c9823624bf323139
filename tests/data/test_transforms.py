import math

import numpy as np
import pytest
import shapely
from mmengine.dataset import pseudo_collate

from daik.data.transforms import (Mosaic, PackDetInputs, Pad, RandomFlip, RandomHSV, RandomRotate, RandomRotate90,
                                  Resize)
from daik.data.transforms.geometric import rotate_results
from daik.registry import TRANSFORMS
from daik.structures import DetDataSample, rbox2poly

from .utils import check_boxes_cover_colours, distinct_colours, draw_boxes

H, W = 200, 240


def scene(n=9, seed=0, shape=(H, W), margin=25, label0=0):
    """Non-overlapping filled boxes, each in its own colour; label i is box i's colour index."""
    rng = np.random.default_rng(seed)
    boxes, polys = [], []
    while len(boxes) < n:
        h = rng.uniform(12, 26)
        b = np.array([rng.uniform(margin, shape[1] - margin), rng.uniform(margin, shape[0] - margin),
                      h + rng.uniform(4, 20), h, rng.uniform(-math.pi / 2, math.pi / 2)])
        p = shapely.Polygon(rbox2poly(b).reshape(4, 2))
        inside = shapely.box(2, 2, shape[1] - 2, shape[0] - 2).contains(p)
        if inside and all(p.distance(q) > 3 for q in polys):
            boxes.append(b)
            polys.append(p)
    boxes = np.array(boxes, np.float32)
    colours = distinct_colours(label0 + n)[label0:]
    img = draw_boxes(shape, boxes, colours)
    results = dict(img=img, img_shape=shape, ori_shape=shape, scale_factor=(1.0, 1.0), img_id="x", img_path="x.png",
                   gt_rboxes=boxes, gt_labels=np.arange(label0, label0 + n), gt_difficult=np.zeros(n, bool))
    return results


def check(results, colours, **kw):
    assert results["img"].shape[:2] == tuple(results.get("pad_shape", results["img_shape"]))
    assert results["gt_rboxes"].dtype == np.float32
    labels = results["gt_labels"]
    return check_boxes_cover_colours(results["img"], results["gt_rboxes"], colours[labels], **kw)


@pytest.mark.parametrize("direction", ["horizontal", "vertical", "diagonal"])
def test_flip_keeps_boxes_on_their_pixels(direction):
    r = scene()
    colours = distinct_colours(9)
    out = RandomFlip(prob=1.0, direction=direction)(r)
    assert out["flip_direction"] == direction
    inside, err = check(out, colours)
    assert inside == 1.0


def test_rot90_keeps_boxes_on_their_pixels():
    colours = distinct_colours(9)
    shapes = set()
    for seed in range(8):
        np.random.seed(seed)
        out = RandomRotate90(prob=1.0)(scene(seed=seed))
        shapes.add(tuple(out["img_shape"]))
        check(out, colours)
    assert shapes == {(W, H), (H, W)}


def test_rotate_any_angle_keeps_boxes_on_their_pixels():
    colours = distinct_colours(9)
    for seed in range(6):
        np.random.seed(seed)
        out = RandomRotate(prob=1.0, angle_range=180, interpolation="nearest")(scene(seed=seed))
        assert len(out["gt_labels"]) > 0
        check(out, colours)


def test_rotate_drops_boxes_mostly_outside():
    r = scene(n=1)
    r["gt_rboxes"] = np.array([[8, 100, 40, 10, 0], [120, 100, 40, 10, 0.3], [228, 12, 30, 20, 0]], np.float32)
    r["gt_labels"], r["gt_difficult"] = np.arange(3), np.zeros(3, bool)
    before = r["gt_rboxes"].copy()
    out = rotate_results(r, 40.0, min_inside=0.5)
    # reference: turn the polygons with shapely and measure what stays on the canvas
    polys = [shapely.affinity.rotate(shapely.Polygon(rbox2poly(b).reshape(4, 2)), 40.0, origin=(W / 2, H / 2))
             for b in before.astype(np.float64)]  # shapely turns counter-clockwise in y-up axes = clockwise here
    frac = np.array([p.intersection(shapely.box(0, 0, W, H)).area / p.area for p in polys])
    assert out["gt_labels"].tolist() == np.nonzero(frac >= 0.5)[0].tolist()
    assert 0 < len(out["gt_labels"]) < 3
    kept = rbox2poly(out["gt_rboxes"].astype(np.float64))
    for i, k in enumerate(out["gt_labels"]):
        assert shapely.Polygon(kept[i].reshape(4, 2)).symmetric_difference(polys[k]).area < 1e-2


@pytest.mark.parametrize("scale,keep", [((180, 150), True), (400, True), ((290, 180), False)])
def test_resize_moves_boxes_with_the_image(scale, keep):
    colours = distinct_colours(9)
    out = Resize(scale=scale, keep_ratio=keep, interpolation="nearest")(scene())
    h, w = out["img_shape"]
    assert out["scale_factor"] == pytest.approx((w / W, h / H))
    if keep:
        s = scale if isinstance(scale, int) else min(max(scale) / W, min(scale) / H) * W
        assert max(w, h) <= (s if isinstance(scale, int) else max(scale)) + 1
        assert abs(w / h - W / H) < 0.02
    check(out, colours, enclosing=not keep, centre_tol=0.5)  # nearest resampling jitters centroids


def test_resize_can_leave_boxes_in_original_coordinates():
    r = scene()
    before = r["gt_rboxes"].copy()
    out = Resize(scale=120, resize_boxes=False)(r)
    assert out["img_shape"] == (100, 120) and out["scale_factor"] == pytest.approx((0.5, 0.5))
    assert np.array_equal(out["gt_rboxes"], before) and out["gt_in_original"]
    with pytest.raises(RuntimeError, match="original-image coordinates"):
        RandomFlip(prob=1.0)(out)
    sample = PackDetInputs()(out)["data_samples"]
    assert np.allclose(sample.gt_instances.bboxes.numpy(), before)


def test_pad_and_pack():
    r = scene()
    r["patch_offset"] = (824, 0)
    out = Pad(size_divisor=32)(Pad(size=(250, 100))(r))
    assert out["img"].shape == (224, 256, 3) and out["pad_shape"] == (224, 256) and out["img_shape"] == (H, W)
    check(out, distinct_colours(9))
    packed = PackDetInputs()(out)
    x, s = packed["inputs"], packed["data_samples"]
    assert x.dtype.is_floating_point is False and x.dtype.itemsize == 1 and tuple(x.shape) == (3, 224, 256)
    assert np.array_equal(x.numpy().transpose(1, 2, 0), out["img"])
    assert isinstance(s, DetDataSample)
    assert s.metainfo == dict(img_id="x", img_path="x.png", ori_shape=(H, W), img_shape=(H, W), pad_shape=(224, 256),
                              scale_factor=(1.0, 1.0), patch_offset=(824, 0))
    g = s.gt_instances
    assert g.bboxes.shape == (9, 5) and g.labels.dtype.is_floating_point is False and g.difficult.dtype.is_floating_point is False
    batch = pseudo_collate([packed, PackDetInputs()(scene(seed=1))])
    assert len(batch["inputs"]) == 2 and len(batch["data_samples"]) == 2


def test_pack_without_annotations():
    packed = PackDetInputs()(dict(img=np.zeros((5, 7, 3), np.uint8), img_id="t", img_path="t.png", ori_shape=(5, 7)))
    g = packed["data_samples"].gt_instances
    assert g.bboxes.shape == (0, 5) and len(g.labels) == 0
    with pytest.raises(ValueError, match="uint8"):
        PackDetInputs()(dict(img=np.zeros((5, 7, 3), np.float32)))


def test_mosaic_keeps_boxes_on_their_pixels():
    n = 6
    parts = [scene(n=n, seed=s, label0=n * s) for s in range(4)]
    colours = distinct_colours(4 * n)
    main = parts[0]
    main["mix_results"] = parts[1:]
    for seed in range(4):
        np.random.seed(seed)
        r = dict(main)
        r["mix_results"] = [dict(p) for p in parts[1:]]
        out = Mosaic(img_scale=(W, H), pad_val=0)(r)
        assert out["img"].shape == (2 * H, 2 * W, 3) and "mix_results" not in out
        assert len(set(out["gt_labels"] // n)) >= 2
        check(out, colours)
    with pytest.raises(RuntimeError, match="MultiImageMixDataset"):
        Mosaic()(scene())


def test_hsv_changes_colour_not_geometry():
    r = scene()
    before = (r["img"].copy(), r["gt_rboxes"].copy())
    np.random.seed(0)
    out = RandomHSV(hue=0.05, saturation=0.5, value=0.5)(r)
    assert out["img"].shape == before[0].shape and out["img"].dtype == np.uint8
    assert not np.array_equal(out["img"], before[0])
    assert np.array_equal(out["gt_rboxes"], before[1])
    assert ((out["img"].sum(2) > 0) == (before[0].sum(2) > 0)).all()  # black stays black


def test_pipeline_combination_from_registry():
    pipe = [TRANSFORMS.build(c) for c in (
        dict(type="RandomFlip", prob=1.0, direction=["horizontal", "vertical", "diagonal"]),
        dict(type="RandomRotate90", prob=1.0),
        dict(type="RandomRotate", prob=1.0, angle_range=30, interpolation="nearest"),
        dict(type="Resize", scale=300, interpolation="nearest"))]
    colours = distinct_colours(9)
    for seed in range(5):
        np.random.seed(seed)
        r = scene(seed=seed)
        for t in pipe:
            r = t(r)
        check(r, colours, centre_tol=0.5)


def test_mosaic_through_the_mix_dataset(tmp_path):
    from daik.data import MultiImageMixDataset
    from daik.data.synthetic import make_config, write_dataset

    write_dataset(str(tmp_path), 4, make_config("quick", size=128), seed=2, progress=False)
    ds = MultiImageMixDataset(
        dataset=dict(type="SyntheticDataset", data_root=str(tmp_path), pipeline=[dict(type="LoadImageFromFile")]),
        pipeline=[dict(type="Mosaic", img_scale=(128, 128)), dict(type="Resize", scale=128), dict(type="PackDetInputs")])
    np.random.seed(0)
    n_boxes = 0
    for i in range(len(ds)):
        out = ds[i]
        assert tuple(out["inputs"].shape) == (3, 128, 128)
        b = out["data_samples"].gt_instances.bboxes.numpy()
        assert ((b[:, :2] > -64) & (b[:, :2] < 192)).all()  # centres near the canvas
        n_boxes += len(b)
    assert n_boxes > 0 and ds.metainfo["classes"][0] == "plane"
