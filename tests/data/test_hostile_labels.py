"""Training data that would silently mislead: boxes far outside their image, a training set
with no object at all, JPEGs stored sideways with an EXIF orientation tag."""
import numpy as np
import pytest
from PIL import Image

from daik.data import DOTADataset
from daik.data.image_io import image_size, read_image_rgb

from .utils import write_png, write_text


def _dataset(root, **kw):
    return DOTADataset(data_root=str(root), ann_file="labelTxt", data_prefix=dict(img_path="images"),
                       classes=("plane", "ship"), serialize_data=False, **kw)


# ------------------------------------------------------------------------------ case 15
def test_boxes_with_no_overlap_with_the_image_are_dropped_and_counted(tmp_path, warnings_logged):
    write_png(str(tmp_path / "images" / "A.png"), np.zeros((80, 100, 3), np.uint8))
    write_text(str(tmp_path / "labelTxt" / "A.txt"),
               "10 10 40 10 40 30 10 30 plane 0\n"
               "1e9 10 1000000030 10 1000000030 30 1e9 30 ship 0\n"  # far right of the image
               "90 70 130 70 130 95 90 95 ship 0\n"  # partly inside: kept
               "-50 -50 -10 -50 -10 -10 -50 -10 plane 0\n")  # above-left, no overlap
    ds = _dataset(tmp_path)
    labels = ds.get_data_info(0)["gt_labels"]
    assert labels.tolist() == [0, 1]
    assert ds.load_stats["outside_image"] == 2 and ds.load_stats["instances"] == 2
    msg = "\n".join(warnings_logged)
    assert "A.txt: dropped 2 box(es) with no overlap with the 100 x 80 image (line 2, 4)" in msg
    assert "outside_image=2" in msg  # the loading summary counts them


# ------------------------------------------------------------------------------ case 10
def test_training_set_without_objects_says_why_before_training(tmp_path, warnings_logged):
    for stem in ("A", "B"):
        write_png(str(tmp_path / "images" / f"{stem}.png"), np.zeros((32, 32, 3), np.uint8))
        write_text(str(tmp_path / "labelTxt" / f"{stem}.txt"), "1 1 20 1 20 20 1 20 tennis-court 0\n")
    with pytest.raises(ValueError, match=r"none of its 2 images has an object .* filter out all 2 - "
                                         r"the objects read were dropped: .*unknown_class=2"):
        _dataset(tmp_path, skip_unknown_classes=True, filter_cfg=dict(filter_empty_gt=True))
    for stem in ("A", "B"):
        write_text(str(tmp_path / "labelTxt" / f"{stem}.txt"), "")
    with pytest.raises(ValueError, match="none of its 2 images .* label files hold no object lines"):
        _dataset(tmp_path, filter_cfg=dict(filter_empty_gt=True))
    assert len(_dataset(tmp_path)) == 2  # unfiltered: loaded, with a warning
    assert any("none of its 2 images has an object" in m for m in warnings_logged)
    assert len(_dataset(tmp_path, test_mode=True, filter_cfg=dict(filter_empty_gt=True))) == 2


# ------------------------------------------------------------------------------ case 16
@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied_as_opencv_and_pil_do(tmp_path, orientation):
    import cv2
    from PIL import ImageOps

    rng = np.random.default_rng(orientation)
    stored = np.zeros((40, 64, 3), np.uint8)
    stored[:20, :32] = (250, 10, 10)  # a red top-left quarter: every flip / turn moves it
    stored[20:, 48:] = (10, 10, 250)
    stored += rng.integers(0, 5, stored.shape, dtype=np.uint8)
    path = str(tmp_path / f"o{orientation}.jpg")
    exif = Image.Exif()
    exif[0x0112] = orientation
    Image.fromarray(stored).save(path, quality=95, exif=exif)
    got = read_image_rgb(path)
    want_cv = cv2.imread(path, cv2.IMREAD_COLOR)[..., ::-1]  # OpenCV applies the tag by default
    with Image.open(path) as im:
        want_pil = np.asarray(ImageOps.exif_transpose(im).convert("RGB"))
    assert got.shape == want_cv.shape == want_pil.shape
    assert np.array_equal(got, want_cv)
    assert np.abs(got.astype(int) - want_pil.astype(int)).mean() < 2.0
    assert image_size(path) == (got.shape[1], got.shape[0])
    if orientation in (5, 6, 7, 8):
        assert got.shape[:2] == (64, 40)
