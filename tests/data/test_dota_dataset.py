import os

import numpy as np
import pytest

from daik.classes import DOTA_V1_0, DOTA_V1_5
from daik.data import AnnotationError, DOTADataset
from daik.data.formats import format_dota_lines, parse_dota_txt
from daik.structures import rbox2poly

from .utils import poly_line, random_rboxes, same_boxes, write_png, write_text


def make_dota(root, labels, images=None, size=(64, 64)):
    """``root/images/<stem>.png`` and ``root/labelTxt/<stem>.txt`` from ``{stem: text}``."""
    for stem in images if images is not None else labels:
        write_png(os.path.join(root, "images", stem + ".png"), np.zeros(size + (3,), np.uint8))
    for stem, text in labels.items():
        write_text(os.path.join(root, "labelTxt", stem + ".txt"), text)
    return root


def load(root, **kw):
    return DOTADataset(data_root=str(root), ann_file="labelTxt", data_prefix=dict(img_path="images"),
                       serialize_data=False, **kw)


def test_roundtrip_rboxes_through_labeltxt(tmp_path):
    rng = np.random.default_rng(0)
    boxes = random_rboxes(40, rng, lo=5, hi=790)
    labels = rng.integers(0, len(DOTA_V1_0), 40)
    diff = rng.integers(0, 2, 40)
    text = format_dota_lines(rbox2poly(boxes), [DOTA_V1_0[i] for i in labels], diff,
                             meta={"imagesource": "GoogleEarth", "gsd": 0.146343590398}, decimals=6)
    ds = load(make_dota(tmp_path, {"P0001": text}, size=(800, 800)))  # boxes reach 790 px
    assert ds.metainfo["classes"] == DOTA_V1_0
    info = ds.get_data_info(0)
    assert info["img_id"] == "P0001" and info["img_path"].endswith("P0001.png")
    assert info["gt_rboxes"].dtype == np.float32 and info["gt_rboxes"].shape == (40, 5)
    assert info["gt_labels"].dtype == np.int64 and info["gt_difficult"].dtype == bool
    assert same_boxes(info["gt_rboxes"], boxes, tol=1e-4)
    assert info["gt_labels"].tolist() == labels.tolist()
    assert info["gt_difficult"].tolist() == (diff >= 1).tolist()
    assert info["gsd"] == pytest.approx(0.146343590398)
    assert "patch_offset" not in info


def test_vertex_order_and_nine_field_lines(tmp_path):
    # a 10 x 4 rectangle given clockwise from different corners, with and without difficulty
    lines = ["10 20 20 20 20 24 10 24 plane 1", "20 24 10 24 10 20 20 20 ship", "imagesource:GoogleEarth",
             "gsd:null", "", "10 24 20 24 20 20 10 20 harbor 2"]
    ds = load(make_dota(tmp_path, {"a": "\n".join(lines) + "\n"}))
    info = ds.get_data_info(0)
    assert np.allclose(info["gt_rboxes"], [[15, 22, 10, 4, 0]] * 3, atol=1e-5)
    assert info["gt_labels"].tolist() == [0, 6, 12]
    assert info["gt_difficult"].tolist() == [True, False, True]
    assert "gsd" not in info  # gsd:null


@pytest.mark.parametrize("bad,what", [
    ("1 2 3 4 5 6 7 plane", "expected 9 or 10 fields"),
    ("1 2 3 4 5 6 7 plane 0", "coordinates must be numbers"),
    ("1 2 3 4 5 6 7 8 plane 0 extra", "expected 9 or 10 fields"),
    ("1 2 3 4 5 6 x 8 plane 0", "coordinates must be numbers"),
    ("1 2 3 4 5 6 7 8 plane easy", "difficult must be an integer"),
])
def test_malformed_line_names_file_and_line(tmp_path, bad, what):
    text = "imagesource:x\n0 0 10 0 10 5 0 5 plane 0\n" + bad + "\n"
    root = make_dota(tmp_path, {"P7": text})
    with pytest.raises(AnnotationError) as err:
        load(root)
    msg = str(err.value)
    assert os.path.join("labelTxt", "P7.txt") + ":3:" in msg and what in msg
    ds = load(root, skip_invalid=True)
    assert ds.load_stats["malformed_lines"] == 1
    assert len(ds.get_data_info(0)["gt_labels"]) == 1


def test_unknown_class_error_lists_classes(tmp_path):
    root = make_dota(tmp_path, {"a": "0 0 10 0 10 5 0 5 plane 0\n0 0 10 0 10 5 0 5 container-crane 0\n"})
    with pytest.raises(AnnotationError) as err:
        load(root)
    msg = str(err.value)
    assert "a.txt:2" in msg and "'container-crane'" in msg and "dota1.0" in msg and "'helicopter'" in msg
    ds = load(root, skip_unknown_classes=True)
    assert ds.load_stats["unknown_class"] == 1 and ds.get_data_info(0)["gt_labels"].tolist() == [0]
    ds15 = load(root, classes="dota1.5")
    assert ds15.metainfo["classes"] == DOTA_V1_5
    assert ds15.get_data_info(0)["gt_labels"].tolist() == [0, 15]
    explicit = load(root, classes=["container-crane", "plane"])
    assert explicit.get_data_info(0)["gt_labels"].tolist() == [1, 0]


def test_zero_area_and_nan_boxes_are_dropped_and_counted(tmp_path):
    text = "\n".join([
        "0 0 10 0 10 5 0 5 plane 0",
        "0 0 10 0 20 0 30 0 ship 0",  # collinear
        "5 5 5 5 5 5 5 5 ship 0",  # a point
        "nan 0 10 0 10 5 0 5 ship 0",
        "0 0 10 0 inf 5 0 5 ship 0",
        "0 0 10 0 10 6 0 6 harbor 1",
    ])
    ds = load(make_dota(tmp_path, {"a": text}))
    info = ds.get_data_info(0)
    assert info["gt_labels"].tolist() == [0, 12]
    assert np.isfinite(info["gt_rboxes"]).all()
    assert ds.load_stats["invalid_boxes"] == 4 and ds.load_stats["instances"] == 2


def test_missing_files_are_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="image folder not found"):
        load(tmp_path)
    root = make_dota(tmp_path / "a", {"x": "0 0 10 0 10 5 0 5 plane 0\n", "y": ""}, images=["x"])
    with pytest.raises(FileNotFoundError, match="have no image") as err:
        load(root)
    assert "y.txt" in str(err.value)
    root = make_dota(tmp_path / "b", {"x": "0 0 10 0 10 5 0 5 plane 0\n"}, images=["x", "z"])
    with pytest.raises(FileNotFoundError, match="has no label file") as err:
        load(root)
    assert "z.png" in str(err.value)
    ds = load(root, allow_missing_labels=True)
    assert len(ds) == 2 and ds.load_stats["images_without_labels"] == 1
    assert len(ds.get_data_info(1)["gt_labels"]) == 0 and ds.get_data_info(1)["ann_path"] is None


def test_test_set_without_labels_and_empty_filter(tmp_path):
    root = make_dota(tmp_path, {"a": "0 0 10 0 10 5 0 5 plane 0\n", "b": "imagesource:x\n"})
    unlabelled = DOTADataset(data_root=str(root), ann_file="", data_prefix=dict(img_path="images"), test_mode=True)
    assert len(unlabelled) == 2 and all(len(unlabelled.get_data_info(i)["gt_labels"]) == 0 for i in range(2))
    train = load(root, filter_cfg=dict(filter_empty_gt=True))
    assert len(train) == 1 and train.load_stats["empty_images_filtered"] == 1
    assert train.get_cat_ids(0) == [0]
    val = load(root, filter_cfg=dict(filter_empty_gt=True), test_mode=True)
    assert len(val) == 2


def test_patch_offset_from_patch_names(tmp_path):
    ds = load(make_dota(tmp_path, {"P0003__1.0__824___0": "", "P0003__0.5__0___1024": ""}))
    offsets = {ds.get_data_info(i)["img_id"]: ds.get_data_info(i)["patch_offset"] for i in range(2)}
    assert offsets == {"P0003__1.0__824___0": (824, 0), "P0003__0.5__0___1024": (0, 1024)}


def test_parser_reads_dota_devkit_example_lines(tmp_path):
    text = ("imagesource:GoogleEarth\ngsd:0.255589285596\n1054 1028 1063 1011 1111 1040 1112 1062 ship 1\n"
            "807 331 800 324 817 309 823 316 ship 0\n")
    path = tmp_path / "P0706.txt"
    path.write_text(text)
    raw = parse_dota_txt(str(path))
    assert raw.meta == {"imagesource": "GoogleEarth", "gsd": 0.255589285596}
    assert raw.names == ["ship", "ship"] and raw.difficulty.tolist() == [1, 0] and raw.lines.tolist() == [3, 4]
    assert raw.polys[0].tolist() == [1054, 1028, 1063, 1011, 1111, 1040, 1112, 1062]


def test_pipeline_from_config_dicts(tmp_path):
    root = make_dota(tmp_path, {"a": poly_line([2, 3, 30, 3, 30, 13, 2, 13], "plane") + "\n"}, size=(40, 50))
    ds = load(root, pipeline=[dict(type="LoadImageFromFile"), dict(type="Resize", scale=100),
                              dict(type="PackDetInputs")])
    out = ds[0]
    assert out["inputs"].shape == (3, 80, 100)
    sample = out["data_samples"]
    assert sample.img_id == "a" and sample.ori_shape == (40, 50) and sample.img_shape == (80, 100)
    assert sample.scale_factor == (2.0, 2.0)
    assert np.allclose(sample.gt_instances.bboxes.numpy(), [[32, 16, 56, 20, 0]], atol=1e-4)


def test_validation_samples_carry_the_label_polygons(tmp_path):
    # a quadrilateral that is not a rectangle: DOTA_devkit scores against it, not its rbox
    quad = [2.0, 3.0, 30.0, 5.0, 28.0, 14.0, 3.0, 12.0]
    root = make_dota(tmp_path, {"a": poly_line(quad, "plane") + "\n"}, size=(40, 50))
    val = load(root, test_mode=True, pipeline=[dict(type="LoadImageFromFile"),
                                                dict(type="Resize", scale=100, resize_boxes=False),
                                                dict(type="PackDetInputs")])
    gt = val[0]["data_samples"].gt_instances
    assert np.allclose(gt.polys.numpy(), [quad]) and gt.bboxes.shape == (1, 5)
    train = load(root, pipeline=[dict(type="LoadImageFromFile"), dict(type="RandomFlip", prob=0.0),
                                 dict(type="PackDetInputs")])
    assert "polys" not in train[0]["data_samples"].gt_instances
