"""The tiled predictor end to end with oracle patch functions: objects across patch borders
found exactly once, map coordinates, 16-bit / 4-band / small / nodata rasters."""
import json

import numpy as np
import pytest
import rasterio
from rasterio.transform import xy as transform_xy
from shapely.geometry import Polygon, box as shapely_box

from daik.classes import SYNTHETIC
from daik.evaluation import read_task1_dir
from daik.inference import TiledPredictor, plan_patches, to_geojson, write_geojson, write_task1
from daik.structures import rbox2poly

from .conftest import GAP, PATCH
from .helpers import GTOracle, blob_patch_fn, draw_blobs, match_once, write_geotiff


def _crossing(polys: np.ndarray, jobs) -> int:
    """How many objects cross at least one window border."""
    n = 0
    for p in polys.reshape(-1, 4, 2):
        poly = Polygon(p)
        n += any(0 < poly.intersection(shapely_box(j.x, j.y, j.x + j.size, j.y + j.size)).area < poly.area - 1e-6
                 for j in jobs)
    return n


def test_objects_across_borders_found_once_with_map_coordinates(geo_tile, tmp_path):
    oracle = GTOracle(geo_tile.rboxes, geo_tile.labels)
    pred = TiledPredictor(oracle, patch_size=PATCH, gap=GAP, batch_size=3, progress=False)
    jobs = pred.plan(geo_tile.shape[1], geo_tile.shape[0])
    assert len(jobs) > 4 and _crossing(geo_tile.polys, jobs) >= 10  # the premise: many objects are cut
    res = pred.predict(geo_tile.path)
    assert res.stats["raw_detections"] > len(geo_tile.rboxes)  # copies from overlapping windows...
    d = res.detections
    order = match_once(d.bboxes, d.labels, geo_tile.rboxes, geo_tile.labels, iou_thr=0.999)  # ...merged to one
    assert np.allclose(d.bboxes[order][:, :2], geo_tile.rboxes[:, :2], atol=1e-6)
    assert res.crs == geo_tile.crs and res.transform == geo_tile.transform

    gj = json.load(open(write_geojson(str(tmp_path / "out.geojson"), res, SYNTHETIC)))
    assert gj["crs"]["properties"]["name"].endswith("EPSG::32633")
    assert len(gj["features"]) == len(geo_tile.rboxes)
    for f in gj["features"]:
        ring = np.array(f["geometry"]["coordinates"][0])
        px = np.array(f["properties"]["pixel_polygon"]).reshape(4, 2)
        mx, my = transform_xy(geo_tile.transform, px[:, 1], px[:, 0], offset="ul")  # rows, cols
        np.testing.assert_allclose(ring[:4], np.stack([mx, my], 1), atol=1e-2)  # pixel polygon rounded to 1e-3 px
        assert np.allclose(ring[0], ring[-1])
        assert f["properties"]["class"] == SYNTHETIC[f["properties"]["label"]]
    # the merged boxes carry the GT's own map position
    gt_map = np.stack(transform_xy(geo_tile.transform, geo_tile.rboxes[:, 1], geo_tile.rboxes[:, 0], offset="ul"), 1)
    centres = np.array([np.array(f["geometry"]["coordinates"][0])[:4].mean(0) for f in gj["features"]])
    assert np.abs(centres[:, None] - gt_map[None]).sum(-1).min(1).max() < 1e-3


def test_task1_files_round_trip(geo_tile, tmp_path):
    res = TiledPredictor(GTOracle(geo_tile.rboxes, geo_tile.labels), patch_size=PATCH, gap=GAP,
                         progress=False).predict(geo_tile.path)
    write_task1(str(tmp_path), res, SYNTHETIC)
    back = read_task1_dir(tmp_path, SYNTHETIC)
    assert sum(len(v) for v in back.values()) == len(geo_tile.rboxes)
    polys = np.concatenate([v.polys for v in back.values()])
    assert np.abs(np.sort(polys.sum(1)) - np.sort(rbox2poly(res.detections.bboxes).sum(1))).max() < 1e-6


def test_multiscale_merges_across_rates(geo_tile):
    pred = TiledPredictor(GTOracle(geo_tile.rboxes, geo_tile.labels), patch_size=PATCH, gap=GAP,
                          rates=(1.0, 0.5), progress=False)
    res = pred.predict(geo_tile.path)
    assert {j.rate for j in pred.patch_fn.calls} == {1.0, 0.5}
    match_once(res.detections.bboxes, res.detections.labels, geo_tile.rboxes, geo_tile.labels, iou_thr=0.999)


RECTS = [(60, 70, 40, 20, 0.3), (250, 130, 50, 24, -1.0), (300, 300, 30, 30, 0.0), (130, 250, 44, 18, 1.2)]


def _check_blobs(res, transform, rects):
    d = res.detections
    match_once(d.bboxes, d.labels, np.array(rects, np.float64), np.zeros(len(rects)), iou_thr=0.8)
    gj = to_geojson(res, ["blob"])
    cx = np.array([np.array(f["geometry"]["coordinates"][0])[:4].mean(0) for f in gj["features"]])
    ref = np.stack(transform_xy(transform, [r[1] for r in rects], [r[0] for r in rects], offset="ul"), 1)
    # within a pixel (the pixel is 0.5 map units here)
    assert np.abs(cx[:, None] - ref[None]).max(-1).min(1).max() < 0.5


def test_one_band_16_bit_raster(tmp_path):
    grey = draw_blobs((400, 380), RECTS, value=30000.0, background=2000.0)
    grey += np.random.default_rng(0).normal(0, 300, grey.shape)
    path = write_geotiff(str(tmp_path / "u16.tif"), grey.astype(np.uint16)[None])
    res = TiledPredictor(blob_patch_fn, patch_size=192, gap=72, progress=False).predict(path)
    assert res.stats["patches"] == len(plan_patches(380, 400, 192, 72))
    with rasterio.open(path) as ds:
        _check_blobs(res, ds.transform, RECTS)


def test_four_band_raster(tmp_path):
    rgb = draw_blobs((400, 380), RECTS, value=220.0, background=30.0)
    nir = np.full_like(rgb, 255.0)  # a 4th band that would light everything up if it were used
    path = write_geotiff(str(tmp_path / "rgbn.tif"), np.stack([rgb, rgb, rgb, nir]).astype(np.uint8))
    res = TiledPredictor(blob_patch_fn, patch_size=192, gap=72, progress=False).predict(path)
    with rasterio.open(path) as ds:
        _check_blobs(res, ds.transform, RECTS)


def test_scene_smaller_than_a_patch(tmp_path):
    import cv2

    rects = [(50, 60, 40, 16, 0.5)]
    img = draw_blobs((120, 150), rects, value=230.0, background=20.0).astype(np.uint8)
    path = str(tmp_path / "small.png")
    cv2.imwrite(path, img)
    res = TiledPredictor(blob_patch_fn, patch_size=256, gap=64, progress=False).predict(path)
    assert res.stats["windows"] == 1 and (res.width, res.height) == (150, 120)
    match_once(res.detections.bboxes, res.detections.labels, np.array(rects, float), np.zeros(1), iou_thr=0.8)
    gj = to_geojson(res, ["blob"])
    assert gj["crs"] is None  # a plain image: pixel coordinates
    ring = np.array(gj["features"][0]["geometry"]["coordinates"][0])[:4]
    np.testing.assert_allclose(ring, np.array(gj["features"][0]["properties"]["pixel_polygon"]).reshape(4, 2),
                               atol=1e-3)


def test_nodata_hole(geo_tile, tmp_path):
    with rasterio.open(geo_tile.path) as src:
        data, profile = np.maximum(src.read(), 1), src.profile  # 0 is kept for nodata
    x0, y0, x1, y1 = 0, 0, 560, 400  # the hole
    data[:, y0:y1, x0:x1] = 0
    profile.update(nodata=0)
    path = str(tmp_path / "hole.tif")
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data)
    oracle = GTOracle(geo_tile.rboxes, geo_tile.labels)  # it "sees" objects in the hole too
    pred = TiledPredictor(oracle, patch_size=PATCH, gap=GAP, progress=False)
    res = pred.predict(path)
    jobs = pred.plan(768, 640)
    inside = [j for j in jobs if j.x >= x0 and j.y >= y0 and j.x + j.size <= x1 and j.y + j.size <= y1]
    assert len(inside) >= 2 and res.stats["skipped_nodata"] == len(inside)
    assert sorted(j.index for j in oracle.calls) == sorted(set(j.index for j in jobs) - {j.index for j in inside})
    c = res.detections.bboxes[:, :2]
    assert not ((c[:, 0] < x1) & (c[:, 1] < y1)).any()  # nothing detected in the hole
    outside = (geo_tile.rboxes[:, 0] >= x1) | (geo_tile.rboxes[:, 1] >= y1)
    assert outside.sum() >= 5
    match_once(res.detections.bboxes, res.detections.labels, geo_tile.rboxes[outside], geo_tile.labels[outside],
               iou_thr=0.999)


def test_patch_fn_errors_reach_the_caller(geo_tile):
    def broken(images, jobs):
        raise RuntimeError("model failed")

    with pytest.raises(RuntimeError, match="model failed"):
        TiledPredictor(broken, patch_size=PATCH, gap=GAP, progress=False).predict(geo_tile.path)

    def short(images, jobs):
        return []

    with pytest.raises(RuntimeError, match="0 results"):
        TiledPredictor(short, patch_size=PATCH, gap=GAP, progress=False).predict(geo_tile.path)


def test_detector_patch_fn_runs_a_fused_copy():
    """DetectorPatchFn reparameterises a copy (the caller's model stays trainable) and detects
    what the unfused model detects, up to float rounding."""
    import torch

    from daik.inference import DetectorPatchFn
    from tests.models.helpers import build_tiny

    model = build_tiny(num_classes=2)
    g = torch.Generator().manual_seed(0)
    for m in model.modules():  # batch norms with statistics of their own, so that folding matters
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.1)
            m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
    # every (point, class) pair comes out, no NMS: nothing near a threshold can flip
    model.eval().head.test_cfg.update(score_thr=-1.0, nms_pre=0, nms=None, max_per_img=10 ** 6)
    units = lambda mod: [m for m in mod.modules() if hasattr(m, "deployed")]  # noqa: E731
    fused, plain = DetectorPatchFn(model), DetectorPatchFn(model, fuse=False)
    assert units(model) and not any(m.deployed for m in units(model))
    assert all(m.deployed for m in units(fused.model))
    images = np.random.default_rng(0).integers(0, 255, (2, 96, 96, 3), dtype=np.uint8)
    n_pairs = 2 * (12 * 12 + 6 * 6 + 3 * 3)
    for (bf, sf, lf), (bp, sp, lp) in zip(fused(images), plain(images)):
        assert len(sp) == len(sf) == n_pairs
        # pair each fused detection with the plain one of its class nearest in box and score (in units
        # of the tolerances): sorting both by a box coordinate swapped two near-equal ones on one CPU
        for label in np.union1d(lf, lp):
            f, q = np.flatnonzero(lf == label), np.flatnonzero(lp == label)
            assert len(f) == len(q)
            dist = np.maximum(np.abs(bf[f][:, None] - bp[q][None]).max(-1) / 1e-3,
                              np.abs(sf[f][:, None] - sp[q][None]) / 1e-5)
            nearest = dist.argmin(1)
            assert sorted(nearest) == list(range(len(q)))  # one to one
            assert dist[np.arange(len(f)), nearest].max() <= 1.0


class _TwoStage:
    """A two-stage patch function around an oracle: ``run_model`` only records the batch,
    ``postprocess`` (on the predictor's worker thread) calls the oracle, failing on demand."""

    def __init__(self, oracle, fail_at: int = -1):
        import threading

        self.oracle, self.fail_at, self.threads, self.batches = oracle, fail_at, set(), 0
        self._lock = threading.Lock()

    def __call__(self, images, jobs):
        return self.postprocess(self.run_model(images, jobs))

    def run_model(self, images, jobs):
        self.batches += 1
        return images.copy(), list(jobs), self.batches

    def postprocess(self, raw):
        import threading

        images, jobs, k = raw
        with self._lock:
            self.threads.add(threading.current_thread().name)
        if k == self.fail_at:
            raise ValueError(f"decoding batch {k} failed")
        return self.oracle(images, jobs)


def test_pipelined_post_process_gives_the_same_scene(geo_tile):
    """Post-processing on the worker thread changes nothing: same patches in the same order,
    same merged detections as the one-stage call; errors of the worker reach the caller."""
    oracle = GTOracle(geo_tile.rboxes, geo_tile.labels)
    kw = dict(patch_size=PATCH, gap=GAP, batch_size=2, progress=False)
    one = TiledPredictor(oracle, **kw).predict(geo_tile.path)
    staged = _TwoStage(GTOracle(geo_tile.rboxes, geo_tile.labels))
    two = TiledPredictor(staged, **kw).predict(geo_tile.path)
    assert staged.threads and all(t.startswith("daik-postprocess") for t in staged.threads)
    assert staged.batches == -(-two.stats["patches"] // 2) and two.stats["seconds_postprocess_thread"] > 0
    for a, b in zip(one.detections, two.detections):
        np.testing.assert_array_equal(a, b)
    off = TiledPredictor(_TwoStage(GTOracle(geo_tile.rboxes, geo_tile.labels)), pipeline=False, **kw)
    np.testing.assert_array_equal(off.predict(geo_tile.path).detections.bboxes, one.detections.bboxes)
    assert off.patch_fn.threads == {"MainThread"}  # the plain call: both stages on this thread
    with pytest.raises(ValueError, match="decoding batch 2 failed"):
        TiledPredictor(_TwoStage(oracle, fail_at=2), **kw).predict(geo_tile.path)


def test_detector_patch_fn_stages_equal_test_step():
    """DetectorPatchFn's two stages (maps, then decoding and NMS) give what the model's own
    test_step gives, with per-patch NMS and without (the NMS-free student's setting)."""
    import torch

    from daik.inference import DetectorPatchFn
    from daik.structures import DetDataSample
    from tests.models.helpers import build_tiny

    images = np.random.default_rng(1).integers(0, 255, (2, 96, 96, 3), dtype=np.uint8)
    for nms in (dict(iou_threshold=0.1), None):
        torch.manual_seed(0)
        model = build_tiny(num_classes=2).eval()
        model.head.test_cfg.update(score_thr=0.0, nms=nms)
        fn = DetectorPatchFn(model)
        assert fn._split()
        meta = dict(img_shape=(96, 96), ori_shape=(96, 96), scale_factor=(1.0, 1.0))
        with torch.no_grad():
            ref = fn.model.test_step({"inputs": list(torch.from_numpy(images).permute(0, 3, 1, 2)),
                                      "data_samples": [DetDataSample(metainfo=dict(meta)) for _ in range(2)]})
        got = fn.postprocess(fn.run_model(images))
        assert sum(len(s) for _, s, _ in got) > 0
        for (b, s, lab), r in zip(got, ref):
            p = r.pred_instances
            np.testing.assert_array_equal(b, p.bboxes.double().numpy())
            np.testing.assert_array_equal(s, p.scores.double().numpy())
            np.testing.assert_array_equal(lab, p.labels.long().numpy())
