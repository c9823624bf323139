"""split_dota: a re-run with other settings never keeps the old patches silently; unknown or
undecodable class names and label files without an image are warned about with file and line."""
import json
import os

import cv2
import numpy as np
import pytest

from daik.data.split import SplitConfig, split_dataset
from daik.data.split_record import SETTINGS_FILE, SplitSettingsError

from .utils import write_png, write_text

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture()
def scene(tmp_path):
    root = tmp_path / "src"
    write_png(str(root / "images" / "A.png"), np.full((300, 400, 3), 80, np.uint8))
    write_text(str(root / "labelTxt" / "A.txt"), "10 10 60 10 60 40 10 40 plane 0\n")
    return str(root / "images"), str(root / "labelTxt")


def _patch_sides(out):
    return {cv2.imread(str(p)).shape[0] for p in (out / "images").iterdir()}


def test_rerun_with_other_settings_stops_and_overwrite_replaces(scene, tmp_path):
    img_dir, ann_dir = scene
    out = tmp_path / "out"
    first = split_dataset(img_dir, ann_dir, str(out), SplitConfig(size=256, gap=56), progress=False)
    assert first.written == first.patches > 0 and _patch_sides(out) == {256}
    assert json.load(open(out / SETTINGS_FILE))["size"] == 256
    before = sorted(os.listdir(out / "images"))
    with pytest.raises(SplitSettingsError, match=r"size: 256 there, 128 now"):
        split_dataset(img_dir, ann_dir, str(out), SplitConfig(size=128, gap=28), progress=False)
    assert sorted(os.listdir(out / "images")) == before  # nothing touched
    from daik.cli import split as split_dota

    with pytest.raises(SystemExit, match="other settings"):
        split_dota.main(["--img-dir", img_dir, "--ann-dir", ann_dir, "--out", str(out), "--size", "128",
                         "--gap", "28", "--nproc", "1"])
    again = split_dataset(img_dir, ann_dir, str(out), SplitConfig(size=256, gap=56), progress=False)
    assert again.written == 0 and again.skipped_existing == first.patches  # same settings: resumes
    new = split_dataset(img_dir, ann_dir, str(out), SplitConfig(size=128, gap=28), progress=False, overwrite=True)
    assert new.written == new.patches and _patch_sides(out) == {128}
    assert len(os.listdir(out / "images")) == new.patches  # no 256 px patch left behind


def test_patches_without_a_record_are_not_resumed(scene, tmp_path):
    img_dir, ann_dir = scene
    out = tmp_path / "old"
    write_png(str(out / "images" / "A__1.0__0___0.png"), np.zeros((512, 512, 3), np.uint8))
    with pytest.raises(SplitSettingsError, match="no split_settings.json"):
        split_dataset(img_dir, ann_dir, str(out), SplitConfig(size=256, gap=56), progress=False)


def test_unknown_undecodable_names_and_orphan_labels_are_warned(scene, tmp_path, warnings_logged):
    img_dir, ann_dir = scene
    with open(os.path.join(ann_dir, "A.txt"), "ab") as f:
        f.write(b"100 10 160 10 160 40 100 40 plnae 0\n")
        f.write(b"200 10 260 10 260 40 200 40 pl\xffne 0\n")
    write_text(os.path.join(ann_dir, "B.txt"), "10 10 60 10 60 40 10 40 plane 0\n")  # no B image
    rep = split_dataset(img_dir, ann_dir, str(tmp_path / "out"), SplitConfig(size=512, gap=0), progress=False)
    err = "\n".join(warnings_logged)
    label = os.path.join(ann_dir, "A.txt")
    assert f"{label}:2: unknown class 'plnae'" in err
    assert f"{label}:3: class name" in err and "not valid UTF-8" in err
    assert "B.txt" in err and "have no image" in err
    assert rep.stats["unknown_class"] == 1 and rep.stats["non_utf8_names"] == 1
    assert rep.stats["labels_without_image"] == 1
    listed = split_dataset(img_dir, ann_dir, str(tmp_path / "out2"), SplitConfig(size=512, gap=0,
                           classes=("plane", "plnae")), progress=False)
    assert listed.stats["unknown_class"] == 0  # checked against the list given
