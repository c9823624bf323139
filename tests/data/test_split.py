import os

import cv2
import numpy as np
import pytest
import shapely

from daik.data import DOTADataset
from daik.data.formats import parse_dota_txt
from daik.data.split import SplitConfig, split_dataset, split_scene
from daik.data.synthetic import generate_scene, label_text, make_config, scene_rng
from daik.evaluation.patch_names import parse_patch_name

from .utils import write_png, write_text


@pytest.fixture(scope="module")
def big_scene(tmp_path_factory):
    """A 1400 x 1100 synthetic scene whose objects are at most 90 px long (hbox < 130 px)."""
    root = tmp_path_factory.mktemp("scene")
    cfg = make_config("dota", size=1400, height=1100, obj_size_range=(8.0, 90.0), density=1.5)
    scene = generate_scene(scene_rng(11, 0), cfg)
    write_png(str(root / "images" / "P0001.png"), scene.img)
    write_text(str(root / "labelTxt" / "P0001.txt"), label_text(scene))
    assert len(scene.names) > 30 and (~scene.difficult).sum() > 20
    return root, scene


def read_patches(out, ann="annfiles"):
    patches = {}
    for name in sorted(os.listdir(out / "images")):
        stem = os.path.splitext(name)[0]
        raw = parse_dota_txt(str(out / ann / (stem + ".txt")))
        patches[stem] = raw
    return patches


def iof(poly, window):
    p = shapely.Polygon(np.asarray(poly).reshape(4, 2))
    return p.intersection(shapely.box(*window)).area / p.area


def test_split_recovers_every_object_and_follows_the_difficulty_rule(big_scene, tmp_path):
    root, scene = big_scene
    cfg = SplitConfig(size=512, gap=150)
    rep = split_dataset(str(root / "images"), str(root / "labelTxt"), str(tmp_path), cfg, nproc=1, progress=False)
    patches = read_patches(tmp_path)
    assert rep.written == rep.patches == len(patches) == 12  # 3 x 4 windows
    img = cv2.imread(str(root / "images" / "P0001.png"))
    for stem, raw in patches.items():
        p = parse_patch_name(stem)
        assert p.img_id == "P0001" and p.rate == 1.0
        patch = cv2.imread(str(tmp_path / "images" / (stem + ".png")))
        assert patch.shape == (512, 512, 3) and np.array_equal(patch, img[p.y:p.y + 512, p.x:p.x + 512])
        assert raw.meta["gsd"] == pytest.approx(scene.gsd, rel=1e-5)
        window = (p.x, p.y, p.x + 512, p.y + 512)
        # reference: every object with any area in the window, difficulty 2 iff at most 0.7 inside
        want = {}
        for k, poly in enumerate(scene.polys):
            f = iof(poly, window)
            if f > 0:
                want[k] = 2 if f <= 0.7 else int(scene.difficult[k])
        got = {}
        for poly, name, diff in zip(raw.polys, raw.names, raw.difficulty):
            shifted = poly + np.tile([p.x, p.y], 4)
            k = int(np.argmin(np.abs(scene.polys - shifted).max(1)))
            assert np.abs(scene.polys[k] - shifted).max() < 1e-2 and scene.names[k] == name
            got[k] = int(diff)
        assert got == want, stem
    # every non-difficult object appears whole and non-difficult in some patch
    for k in np.nonzero(~scene.difficult)[0]:
        found = False
        for stem, raw in patches.items():
            p = parse_patch_name(stem)
            ok = (raw.difficulty == 0) & (np.abs(raw.polys + np.tile([p.x, p.y], 4) - scene.polys[k]).max(1) < 1e-2)
            found |= bool(ok.any())
        assert found, f"object {k} ({scene.names[k]}) not recovered"


def test_difficulty_rule_hand_case(tmp_path):
    # scene 700 x 512, windows x = 0 and 188 (size 512, gap 100)
    rects = {"A": (480, 540, 0), "B": (150, 250, 1), "C": (170, 200, 0), "D": (505, 525, 0), "E": (100, 180, 0),
             "F": (182, 206, 0)}
    lines = [f"{x0} 10 {x1} 10 {x1} 40 {x0} 40 plane {d}" for x0, x1, d in rects.values()]
    write_png(str(tmp_path / "s" / "images" / "S.png"), np.full((512, 700, 3), 90, np.uint8))
    write_text(str(tmp_path / "s" / "labelTxt" / "S.txt"), "\n".join(lines) + "\n")
    split_dataset(str(tmp_path / "s" / "images"), str(tmp_path / "s" / "labelTxt"), str(tmp_path / "o"),
                  SplitConfig(size=512, gap=100), progress=False)
    out = {}
    for stem, raw in read_patches(tmp_path / "o").items():
        x = parse_patch_name(stem).x
        out[x] = {list(rects)[int(np.argmin([abs(poly[0] + x - r[0]) for r in rects.values()]))]: int(d)
                  for poly, d in zip(raw.polys, raw.difficulty)}
    # window 0: A 32/60 inside -> 2, D 7/20 -> 2, B/C/E/F whole -> own difficulty
    assert out[0] == {"A": 2, "B": 1, "C": 0, "D": 2, "E": 0, "F": 0}
    # window 188: B 62/100 -> 2, C 12/30 -> 2, F 18/24 = 0.75 -> keeps 0, E cut to nothing -> absent
    assert out[188] == {"A": 0, "B": 2, "C": 2, "D": 0, "F": 0}


def test_resumable_and_process_count_independent(big_scene, tmp_path):
    root, _ = big_scene
    write_png(str(root / "images" / "P0002.png"), np.full((300, 200, 3), 50, np.uint8))  # smaller than a patch
    write_text(str(root / "labelTxt" / "P0002.txt"), "10 10 60 10 60 30 10 30 ship 0\n")
    cfg = SplitConfig(size=512, gap=150)
    a, b = tmp_path / "a", tmp_path / "b"
    rep = split_dataset(str(root / "images"), str(root / "labelTxt"), str(a), cfg, nproc=2, progress=False)
    split_dataset(str(root / "images"), str(root / "labelTxt"), str(b), cfg, nproc=1, progress=False)
    files = sorted(os.path.relpath(os.path.join(d, f), a) for d, _, fs in os.walk(a) for f in fs)
    files.remove("split_settings.json")  # the record of the settings (same for a and b)
    assert len(files) == 2 * rep.patches == 2 * 13
    for f in files:
        assert (a / f).read_bytes() == (b / f).read_bytes(), f
    small = cv2.imread(str(a / "images" / "P0002__1.0__0___0.png"))
    assert small.shape == (512, 512, 3) and (small[:300, :200] == 50).all() and (small[300:] == 0).all()
    stamps = {f: os.stat(a / f).st_mtime_ns for f in files}
    again = split_dataset(str(root / "images"), str(root / "labelTxt"), str(a), cfg, nproc=2, progress=False)
    assert again.written == 0 and again.skipped_existing == again.patches == 13
    assert stamps == {f: os.stat(a / f).st_mtime_ns for f in files}
    os.remove(a / "images" / "P0001__1.0__888___0.png")
    os.remove(a / "annfiles" / "P0001__1.0__362___588.txt")
    third = split_dataset(str(root / "images"), str(root / "labelTxt"), str(a), cfg, progress=False)
    assert third.written == 2
    for f in files:
        assert (a / f).read_bytes() == (b / f).read_bytes(), f


def test_multi_scale_patches_map_back_to_the_scene(big_scene, tmp_path):
    root, scene = big_scene
    img_path = str(root / "images" / "P0001.png")
    rep = split_scene(img_path, str(root / "labelTxt" / "P0001.txt"), str(tmp_path),
                      SplitConfig(size=512, gap=150, rates=(0.5,)))
    assert rep.written == rep.patches == 4  # the 700 x 550 rescaled scene: 2 x 2 windows
    small = cv2.resize(cv2.imread(img_path), (700, 550), interpolation=cv2.INTER_CUBIC)
    for stem, raw in read_patches(tmp_path).items():
        p = parse_patch_name(stem)
        assert p.rate == 0.5
        patch = cv2.imread(str(tmp_path / "images" / (stem + ".png")))
        assert np.array_equal(patch[:550 - p.y, :700 - p.x], small[p.y:p.y + 512, p.x:p.x + 512])
        back = (raw.polys + np.tile([p.x, p.y], 4)) / p.rate
        for poly, name in zip(back, raw.names):
            k = int(np.argmin(np.abs(scene.polys - poly).max(1)))
            assert np.abs(scene.polys[k] - poly).max() < 1e-2 and scene.names[k] == name
        assert raw.meta["gsd"] == pytest.approx(scene.gsd / 0.5, rel=1e-5)


def test_test_images_without_labels_and_loading_the_patches(big_scene, tmp_path):
    root, scene = big_scene
    rep = split_dataset(str(root / "images"), None, str(tmp_path / "test"), SplitConfig(size=512, gap=150),
                        progress=False)
    assert rep.written > 0 and not (tmp_path / "test" / "annfiles").exists()
    out = tmp_path / "train"
    split_dataset(str(root / "images"), str(root / "labelTxt"), str(out), SplitConfig(size=512, gap=150),
                  progress=False)
    ds = DOTADataset(data_root=str(out), ann_file="annfiles", data_prefix=dict(img_path="images"), classes="synthetic")
    info = [ds.get_data_info(i) for i in range(len(ds))]
    assert all(i["patch_offset"] == (parse_patch_name(i["img_id"]).x, parse_patch_name(i["img_id"]).y) for i in info)
    assert sum(len(i["gt_labels"]) for i in info) >= len(scene.names)


def test_split_tool_cli(big_scene, tmp_path):
    from daik.cli import split as tool

    root, _ = big_scene
    tool.main(["--img-dir", str(root / "images"), "--ann-dir", str(root / "labelTxt"), "--out", str(tmp_path),
               "--size", "800", "--gap", "200", "--nproc", "1"])
    names = sorted(os.listdir(tmp_path / "images"))
    assert names[0] == "P0001__1.0__0___0.png" and len(names) == len(os.listdir(tmp_path / "annfiles"))
