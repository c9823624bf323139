import math
import os

import numpy as np
import pytest
import rasterio

from daik.classes import SYNTHETIC
from daik.data import SyntheticDataset
from daik.data.synthetic import SQUARE_CLASSES, generate_scene, make_config, scene_rng, write_dataset, write_tile
from daik.data.transforms import LoadImageFromFile

from .utils import same_regions

ORIENTED = [c for c in SYNTHETIC if c not in SQUARE_CLASSES]


def tree_bytes(root):
    return {os.path.relpath(os.path.join(d, f), root): open(os.path.join(d, f), "rb").read()
            for d, _, fs in os.walk(root) for f in fs}


def test_same_seed_same_bytes_whatever_the_process_count(tmp_path):
    cfg = make_config("dota", size=256)
    write_dataset(str(tmp_path / "a"), 4, cfg, seed=5, nproc=1, progress=False)
    write_dataset(str(tmp_path / "b"), 4, cfg, seed=5, nproc=2, progress=False)
    write_dataset(str(tmp_path / "c"), 4, cfg, seed=6, nproc=1, progress=False)
    a, b, c = tree_bytes(tmp_path / "a"), tree_bytes(tmp_path / "b"), tree_bytes(tmp_path / "c")
    assert sorted(a) == [f"images/S0000{i}.png" for i in range(4)] + [f"labelTxt/S0000{i}.txt" for i in range(4)]
    assert a == b
    assert all(a[k] != c[k] for k in a if k.endswith(".png"))


@pytest.fixture(scope="module")
def scenes():
    cfg = make_config("dota", size=384)
    return cfg, [generate_scene(scene_rng(0, i), cfg) for i in range(60)]


def test_class_and_size_statistics(scenes):
    cfg, sc = scenes
    names = np.array([n for s in sc for n in s.names])
    boxes = np.concatenate([s.rboxes for s in sc])
    diff = np.concatenate([s.difficult for s in sc])
    assert set(names) == set(SYNTHETIC)
    assert all(len(s.names) > 0 for s in sc) and np.mean([len(s.names) for s in sc]) > 8
    lo, hi = cfg.obj_size_range
    assert boxes[:, 2].min() >= lo - 1e-6 and boxes[:, 2].max() <= hi + 1e-6
    assert boxes[:, 2].min() < 12 and boxes[:, 2].max() > 150  # the scale range is used
    for c in SQUARE_CLASSES:  # axis-aligned squares
        b = boxes[names == c]
        assert np.allclose(b[:, 2], b[:, 3]) and np.allclose(b[:, 4], 0)
    for c in ORIENTED:  # arbitrary angles, covering the half turn
        t = boxes[names == c, 4]
        assert (t >= -math.pi / 2).all() and (t < math.pi / 2).all()
        hist = np.histogram(t, bins=3, range=(-math.pi / 2, math.pi / 2))[0]
        assert (hist > 0).all(), (c, hist)
    aspect = {c: np.median(boxes[names == c, 2] / boxes[names == c, 3]) for c in ORIENTED}
    assert 1.1 < aspect["plane"] < 1.45 and 3 < aspect["ship"] < 7 and 1.9 < aspect["small-vehicle"] < 2.6
    assert 2.0 < aspect["tennis-court"] < 2.35 and aspect["large-vehicle"] > 3
    assert 0.02 < diff.mean() < 0.35
    small = boxes[:, 2] < cfg.difficult_size
    assert diff[small].all()  # every small object is difficult; the rest are occluded ones
    for s in sc:  # objects lie on the image
        assert (s.polys >= -1e-6).all() and (s.polys[:, 0::2] <= cfg.width).all() and (s.polys[:, 1::2] <= cfg.height).all()


def test_dense_clusters(scenes):
    _, sc = scenes
    dense = 0
    for s in sc:
        for c in ("small-vehicle", "large-vehicle", "storage-tank", "ship"):
            b = s.rboxes[np.array(s.names) == c]
            if len(b) >= 6:
                d = np.hypot(*(b[:, None, :2] - b[None, :, :2]).transpose(2, 0, 1)) + np.eye(len(b)) * 1e9
                dense += bool(np.median(d.min(1) / b[:, 3]) < 2.5)  # neighbours within ~2 widths
    assert dense >= 5


def test_options_class_mix_sizes_and_quick_preset():
    cfg = make_config("dota", size=256, classes=["plane", "ship"], obj_size_range=(20.0, 60.0))
    names, sizes = [], []
    for i in range(15):
        s = generate_scene(scene_rng(1, i), cfg)
        names += s.names
        sizes += list(s.rboxes[:, 2])
    assert set(names) == {"plane", "ship"} and min(sizes) >= 20 - 1e-6 and max(sizes) <= 60 + 1e-6
    quick = make_config("quick")
    counts, sizes = [], []
    for i in range(30):
        s = generate_scene(scene_rng(2, i), quick)
        assert s.img.shape == (256, 256, 3)
        counts.append(len(s.names))
        sizes += list(s.rboxes[:, 2])
    assert np.mean(counts) >= 3 and min(sizes) >= 14 - 1e-6 and max(sizes) <= 90 + 1e-6
    with pytest.raises(ValueError, match="unknown synthetic classes"):
        make_config(classes=["helicopter"])
    dense = make_config("dota", size=384, density=3.0)
    sparse = make_config("dota", size=384, density=0.3)
    n_dense = sum(len(generate_scene(scene_rng(3, i), dense).names) for i in range(12))
    n_sparse = sum(len(generate_scene(scene_rng(3, i), sparse).names) for i in range(12))
    assert n_dense > 1.5 * n_sparse


def test_written_labels_load_back(tmp_path):
    cfg = make_config("dota", size=256)
    write_dataset(str(tmp_path), 3, cfg, seed=9, progress=False)
    ds = SyntheticDataset(data_root=str(tmp_path))
    assert ds.metainfo["classes"] == SYNTHETIC and len(ds) == 3
    for i in range(3):
        s = generate_scene(scene_rng(9, i), cfg)
        info = ds.get_data_info(i)
        assert same_regions(info["gt_rboxes"], s.rboxes, tol=0.01)  # labels keep 2 decimals
        assert [SYNTHETIC[k] for k in info["gt_labels"]] == s.names
        assert info["gt_difficult"].tolist() == s.difficult.tolist()
        assert info["gsd"] == pytest.approx(s.gsd, rel=1e-5)


def test_geotiff_tile(tmp_path):
    cfg = make_config("dota", size=1024, height=768)
    path = write_tile(str(tmp_path), cfg, seed=4)
    with rasterio.open(path) as src:
        assert (src.width, src.height, src.count, src.dtypes[0]) == (1024, 768, 3, "uint8")
        assert src.crs.to_epsg() == 32633
        t = src.transform
        gsd = -t.e
        assert t.a == pytest.approx(gsd) and t.b == 0 and t.d == 0 and gsd > 0
        assert 0 < t.c < 1e6 and 0 < t.f < 1e7  # an upper-left corner inside UTM zone 33N
    ds = SyntheticDataset(data_root=str(tmp_path))
    info = ds.get_data_info(0)
    assert info["img_id"] == "T00000" and info["gsd"] == pytest.approx(gsd, rel=1e-5) and len(info["gt_labels"]) > 10
    img = LoadImageFromFile()(dict(img_path=path))["img"]
    scene = generate_scene(scene_rng(4, 0, stream=1), cfg)
    assert np.array_equal(img, scene.img)


def test_make_synthetic_cli(tmp_path):
    from daik.cli import synth as tool

    tool.main([str(tmp_path), "--num-images", "3", "--size", "128", "--seed", "1", "--nproc", "1",
               "--classes", "plane=1,small-vehicle=2", "--min-size", "12"])
    assert sorted(os.listdir(tmp_path / "images")) == ["S00000.png", "S00001.png", "S00002.png"]
    lines = (tmp_path / "labelTxt" / "S00000.txt").read_text().splitlines()
    assert lines[0] == "imagesource:daik-synthetic" and lines[1].startswith("gsd:")
    assert all(line.split()[8] in ("plane", "small-vehicle") for line in lines[2:])
