import os

import numpy as np
import pytest

from daik.classes import DIOR_R
from daik.data import AnnotationError, DIORRDataset
from daik.structures import rbox2poly

from .utils import random_rboxes, same_boxes, write_png, write_text

ANN = os.path.join("Annotations", "Oriented Bounding Boxes")
CORNERS = ("left_top", "right_top", "right_bottom", "left_bottom")


def obj_xml(poly, name, difficult=0, drop=None):
    tags = "".join(f"<x_{c}>{poly[2 * i]:.6f}</x_{c}><y_{c}>{poly[2 * i + 1]:.6f}</y_{c}>"
                   for i, c in enumerate(CORNERS) if c != drop)
    return (f"  <object>\n    <type>robndbox</type>\n    <name>{name}</name>\n    <truncated>0</truncated>\n"
            f"    <difficult>{difficult}</difficult>\n    <robndbox>{tags}</robndbox>\n    <angle>0</angle>\n"
            "  </object>\n")


def doc(objects, img_id="00001"):
    return (f"<annotation>\n  <filename>{img_id}.jpg</filename>\n"
            "  <size><width>800</width><height>800</height><depth>3</depth></size>\n" + "".join(objects)
            + "</annotation>\n")


def make_dior(root, xmls, ids=None, split="trainval", images=None):
    ids = list(xmls) if ids is None else ids
    for img_id in images if images is not None else ids:
        write_png(os.path.join(root, "JPEGImages-trainval", img_id + ".jpg"), np.zeros((800, 800, 3), np.uint8))
    for img_id, text in xmls.items():
        write_text(os.path.join(root, ANN, img_id + ".xml"), text)
    write_text(os.path.join(root, "ImageSets", "Main", split + ".txt"), "\n".join(ids) + "\n")
    return str(root)


def load(root, **kw):
    return DIORRDataset(data_root=root, ann_file="ImageSets/Main/trainval.txt", serialize_data=False, **kw)


def test_roundtrip_and_real_layout(tmp_path):
    rng = np.random.default_rng(3)
    boxes = random_rboxes(25, rng, lo=5, hi=790)
    labels = rng.integers(0, len(DIOR_R), 25)
    diff = rng.integers(0, 2, 25)
    objs = [obj_xml(p, DIOR_R[k], d) for p, k, d in zip(rbox2poly(boxes), labels, diff)]
    ds = load(make_dior(tmp_path, {"00001": doc(objs), "00002": doc([])}))
    assert ds.metainfo["classes"] == DIOR_R and len(ds) == 2
    info = ds.get_data_info(0)
    assert info["img_id"] == "00001" and info["img_path"].endswith(os.path.join("JPEGImages-trainval", "00001.jpg"))
    assert same_boxes(info["gt_rboxes"], boxes, tol=1e-4)
    assert info["gt_labels"].tolist() == labels.tolist()
    assert info["gt_difficult"].tolist() == (diff >= 1).tolist()
    assert len(ds.get_data_info(1)["gt_labels"]) == 0


def test_class_names_match_exactly_then_ignoring_case(tmp_path):
    p = [10, 10, 30, 10, 30, 20, 10, 20]
    objs = [obj_xml(p, "Expressway-Service-area"), obj_xml(p, "expressway-toll-station"), obj_xml(p, "AIRPLANE")]
    ds = load(make_dior(tmp_path, {"00001": doc(objs)}))
    want = [DIOR_R.index("Expressway-Service-area"), DIOR_R.index("Expressway-toll-station"), 0]
    assert ds.get_data_info(0)["gt_labels"].tolist() == want
    assert np.allclose(ds.get_data_info(0)["gt_rboxes"][0], [20, 15, 20, 10, 0])


def test_unknown_class_and_malformed_objects_name_the_line(tmp_path):
    p = [10, 10, 30, 10, 30, 20, 10, 20]
    root = make_dior(tmp_path / "a", {"00001": doc([obj_xml(p, "ship"), obj_xml(p, "helipad")])})
    with pytest.raises(AnnotationError) as err:
        load(root)
    assert "00001.xml:12" in str(err.value) and "'helipad'" in str(err.value) and "dior-r" in str(err.value)
    assert load(root, skip_unknown_classes=True).load_stats["unknown_class"] == 1

    root = make_dior(tmp_path / "b", {"00001": doc([obj_xml(p, "ship"), obj_xml(p, "ship", drop="right_top")])})
    with pytest.raises(AnnotationError, match=r"00001\.xml:12: malformed <object>.*x_right_top"):
        load(root)
    ds = load(root, skip_invalid=True)
    assert ds.load_stats["malformed_lines"] == 1 and len(ds.get_data_info(0)["gt_labels"]) == 1

    bad_number = doc([obj_xml(p, "ship")]).replace("<x_left_top>10.000000", "<x_left_top>ten")
    root = make_dior(tmp_path / "c", {"00001": bad_number})
    with pytest.raises(AnnotationError, match="not a number: 'ten'"):
        load(root)

    root = make_dior(tmp_path / "d", {"00001": "<annotation>\n<object>\n<name>ship</name>\n</annotation>\n"})
    with pytest.raises(AnnotationError, match=r"00001\.xml:4: not well-formed XML"):
        load(root)


def test_degenerate_boxes_dropped(tmp_path):
    objs = [obj_xml([10, 10, 30, 10, 30, 20, 10, 20], "ship"), obj_xml([10, 10, 20, 10, 30, 10, 40, 10], "ship")]
    ds = load(make_dior(tmp_path, {"00001": doc(objs)}))
    assert ds.load_stats["invalid_boxes"] == 1 and len(ds.get_data_info(0)["gt_labels"]) == 1


def test_missing_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="image-id list not found"):
        DIORRDataset(data_root=str(tmp_path), ann_file="ImageSets/Main/val.txt")
    root = make_dior(tmp_path / "a", {"00001": doc([])}, ids=["00001", "00002"], images=["00001"])
    with pytest.raises(FileNotFoundError, match="00002.jpg listed in"):
        load(root)
    root = make_dior(tmp_path / "b", {"00001": doc([])}, ids=["00001", "00002"])
    with pytest.raises(FileNotFoundError, match="annotation file not found.*00002.xml"):
        load(root)
    ds = load(root, allow_missing_labels=True)
    assert len(ds) == 2 and ds.load_stats["images_without_labels"] == 1
