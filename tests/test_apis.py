"""daik.apis on the shipped demo teacher: inference_detector gives what tools/test.py gives for
the same image, in the image's own pixels; arrays, paths and lists agree; a checkpoint of another
class count is refused; infer_scene is infer_large's predictor."""
import json
import math
import os
import re
import shutil

import cv2
import numpy as np
import pytest
import torch

from daik.apis import DetectionResult, inference_detector, infer_scene, init_detector
from daik.cli import run
from daik.data.synthetic import make_config, write_dataset
from daik.checkpoint import CheckpointMismatchError
from daik.evaluation import read_dota_label, read_task1_file
from daik.ops import box_iou_rotated
from daik.structures import poly2rbox

from .conftest import requires_cuda
from tests.threads import one_thread_fixture

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIG = os.path.join(ROOT, "configs", "demo", "teacher_n.py")
CKPT = os.path.join(ROOT, "checkpoints", "demo_teacher_n.pth")
DEMO_CLASSES = ("plane", "ship", "large-vehicle", "small-vehicle", "tennis-court", "storage-tank", "roundabout")


_one_thread = one_thread_fixture()


@pytest.fixture(scope="module")
def scenes(tmp_path_factory):
    """Two quick-preset synthetic scenes (256 px, the demo teacher's data) in DOTA layout."""
    out = str(tmp_path_factory.mktemp("api_scenes"))
    write_dataset(out, 2, make_config("quick"), seed=11, progress=False)
    return out


@pytest.fixture(scope="module")
def model():
    return init_detector(CONFIG, CKPT)


def _image(scenes, i=0):
    return os.path.join(scenes, "images", f"S{i:05d}.png")


def _rgb(path):
    return np.ascontiguousarray(cv2.imread(path, cv2.IMREAD_COLOR)[..., ::-1])


def test_init_detector_gives_the_eval_mode_student_with_its_classes(model):
    assert not model.training and all(not m.training for m in model.modules())
    assert model.dataset_meta["classes"] == DEMO_CLASSES
    assert model.head.num_classes == len(DEMO_CLASSES)
    assert next(model.parameters()).device.type == "cpu"


def test_demo_teacher_finds_the_objects_of_a_synthetic_scene(model, scenes):
    """Boxes in the original image's pixels, regularised le90, that hit the ground truth (a wrong
    rescale, channel order or normalisation would not)."""
    res = inference_detector(model, _image(scenes))
    assert isinstance(res, DetectionResult)
    n = len(res)
    assert n > 0 and res.rboxes.shape == (n, 5) and res.scores.shape == (n,) and res.labels.shape == (n,)
    assert res.rboxes.dtype == np.float64 and res.labels.dtype == np.int64
    assert res.class_names == DEMO_CLASSES and res.ori_shape == (256, 256)
    assert ((res.labels >= 0) & (res.labels < len(DEMO_CLASSES))).all()
    assert (res.scores >= model.head.test_cfg["score_thr"]).all() and (res.scores <= 1).all()
    theta = res.rboxes[:, 4]
    assert (theta >= -math.pi / 2).all() and (theta < math.pi / 2).all()
    assert (res.rboxes[:, 2] >= res.rboxes[:, 3]).all()
    assert res.polys.shape == (n, 8)
    found = total = 0
    for i, res in enumerate([res, inference_detector(model, _image(scenes, 1))]):
        gt = read_dota_label(os.path.join(scenes, "labelTxt", f"S{i:05d}.txt"))
        gt_boxes = torch.as_tensor(poly2rbox(np.asarray(gt.polys, np.float64).reshape(-1, 8)))
        kept = res.scores >= 0.1
        iou = box_iou_rotated(torch.as_tensor(res.rboxes[kept]), gt_boxes).numpy()  # (K, G)
        same = np.asarray(res.class_names)[res.labels[kept]][:, None] == np.asarray(gt.names)[None, :]
        found, total = found + int(((iou > 0.5) & same).any(0).sum()), total + len(gt_boxes)
    # all 8 objects are found (boxes left in the 160 px network frame would find none)
    assert total > 0 and found >= 0.75 * total, f"{found} of {total} objects found at IoU > 0.5"


def test_inference_detector_equals_tools_test_on_one_image(model, scenes, tmp_path):
    """``daik test`` (tools/test.py's main) on a one-image split writes Task1 files; their lines
    are the API's detections of that image, to float rounding."""
    one = tmp_path / "one"
    (one / "images").mkdir(parents=True)
    (one / "labelTxt").mkdir()
    shutil.copy(_image(scenes, 1), one / "images" / "S00001.png")
    shutil.copy(os.path.join(scenes, "labelTxt", "S00001.txt"), one / "labelTxt" / "S00001.txt")
    out = tmp_path / "out"
    run(["test", CONFIG, CKPT, "--out-dir", str(out), "--work-dir", str(tmp_path / "work"), "--cfg-options",
         f"test_dataloader.dataset.data_root={one}/", "test_dataloader.num_workers=0",
         "test_dataloader.persistent_workers=False", "test_dataloader.batch_size=1"])
    rows = []
    for label, name in enumerate(DEMO_CLASSES):
        d = read_task1_file(out / "Task1" / f"Task1_{name}.txt")
        assert set(d.img_ids.tolist()) <= {"S00001"}
        rows += [(label, s, *p) for s, p in zip(d.scores.tolist(), d.polys.tolist())]
    tool = np.array(sorted(rows), dtype=np.float64).reshape(-1, 10)  # label, score, poly
    res = inference_detector(model, _image(scenes, 1))
    api = np.array(sorted(zip(res.labels.tolist(), res.scores.tolist(), *res.polys.T.tolist())), np.float64)
    assert len(tool) > 0 and api.shape == tool.shape
    np.testing.assert_array_equal(api[:, 0], tool[:, 0])
    np.testing.assert_allclose(api[:, 1], tool[:, 1], rtol=0, atol=1e-6)
    np.testing.assert_allclose(api[:, 2:], tool[:, 2:], rtol=0, atol=1e-6)  # equal here


def test_arrays_paths_and_lists_agree(model, scenes):
    paths = [_image(scenes, 0), _image(scenes, 1)]
    by_path = [inference_detector(model, p) for p in paths]
    by_array = [inference_detector(model, _rgb(p)) for p in paths]
    listed = inference_detector(model, [_rgb(paths[0]), paths[1]])
    assert isinstance(listed, list) and len(listed) == 2
    for a, b, c in zip(by_path, by_array, listed):
        for key in ("rboxes", "scores", "labels"):
            np.testing.assert_array_equal(getattr(a, key), getattr(b, key))
            np.testing.assert_array_equal(getattr(a, key), getattr(c, key))
    assert by_path[0].img_path == paths[0] and by_array[0].img_path is None
    assert len(by_path[0]) != len(by_path[1]) or not np.array_equal(by_path[0].rboxes, by_path[1].rboxes)


def test_boxes_are_in_the_given_images_pixels(model, scenes):
    """The same scene given at twice its size (the test pipeline resizes both to 160 px) gives
    the same confident objects at twice the coordinates."""
    img = _rgb(_image(scenes))
    small = inference_detector(model, img)
    big = inference_detector(model, cv2.resize(img, (512, 512), interpolation=cv2.INTER_LINEAR))
    assert big.ori_shape == (512, 512)
    keep = small.scores >= 0.5
    assert keep.sum() > 0
    scaled = small.rboxes[keep].copy()
    scaled[:, :4] *= 2
    iou = box_iou_rotated(torch.as_tensor(scaled), torch.as_tensor(big.rboxes)).numpy()
    assert (iou.max(1) > 0.8).all(), iou.max(1)


def test_bad_images_are_refused(model, tmp_path):
    with pytest.raises(ValueError, match=r"\(H, W, 3\) uint8"):
        inference_detector(model, np.zeros((64, 64, 3), np.float32))
    with pytest.raises(ValueError, match=r"\(H, W, 3\) uint8"):
        inference_detector(model, np.zeros((64, 64), np.uint8))
    with pytest.raises(FileNotFoundError, match="nothere.png"):
        inference_detector(model, str(tmp_path / "nothere.png"))


def test_checkpoint_of_another_class_count_is_refused(tmp_path):
    """Strict loading: a 3-class checkpoint does not load into the 7-class demo config, and the
    7-class demo checkpoint does not load into a 3-class one."""
    three = init_detector(CONFIG, cfg_options={"model.head.num_classes": 3})
    path = str(tmp_path / "three.pth")
    torch.save({"state_dict": three.state_dict()}, path)
    with pytest.raises(CheckpointMismatchError, match="mis-shaped"):
        init_detector(CONFIG, path)
    with pytest.raises(CheckpointMismatchError, match="mis-shaped"):
        init_detector(CONFIG, CKPT, cfg_options={"model.head.num_classes": 3})


def test_infer_scene_is_the_infer_tools_predictor(model, scenes, tmp_path):
    """infer_scene's GeoJSON equals ``daik infer``'s (tools/infer_large.py) with the same
    windows (but for timings), and a score threshold given for one call leaves the model as it was."""
    scene = _image(scenes)
    before = dict(model.head.test_cfg)
    result = infer_scene(model, scene, out=str(tmp_path / "api.geojson"), patch=128, gap=32, batch_size=2,
                         score_thr=0.2)
    assert model.head.test_cfg == before
    run(["infer", CONFIG, CKPT, scene, "--out", str(tmp_path / "tool.geojson"), "--patch", "128", "--gap", "32",
         "--batch-size", "2", "--score-thr", "0.2", "--no-progress", "--malloc-default"])
    api = json.loads((tmp_path / "api.geojson").read_text())
    tool = json.loads((tmp_path / "tool.geojson").read_text())
    assert len(api["features"]) == len(result.detections.scores) > 0
    assert api["features"] == tool["features"] and api["crs"] == tool["crs"]
    a_stats, t_stats = api["daik"].pop("stats"), tool["daik"].pop("stats")
    assert api["daik"] == tool["daik"]  # scene, size, transform, classes
    for key in ("windows", "patches", "raw_detections", "detections"):  # timings differ
        assert a_stats[key] == t_stats[key]
    assert (result.detections.scores >= 0.2).all() and result.width == result.height == 256


def test_infer_scene_takes_windowing_from_the_configs_infer_cfg(scenes):
    """Options left out come from ``infer_cfg`` (as in tools/infer_large.py); given ones win."""
    scene = _image(scenes)
    model = init_detector(CONFIG, CKPT, cfg_options={"infer_cfg": dict(patch=128, gap=32, batch_size=2)})
    assert infer_scene(model, scene).stats["windows"] == 9  # 128 px windows, 32 px overlap, on 256 px
    assert infer_scene(model, scene, patch=256).stats["windows"] == 1
    model.cfg.infer_cfg["unknown_key"] = 1  # ignored, as infer_large ignores it
    assert infer_scene(model, scene, gap=0).stats["windows"] == 4


def test_readme_python_example_runs(scenes, capsys, monkeypatch):
    """The quick start's Python example, on a synthetic scene in place of its data/try image."""
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    blocks = [b for b in re.findall(r"```python\n(.*?)```", readme, re.S) if "inference_detector" in b]
    assert len(blocks) == 1 and len(blocks[0].strip().splitlines()) <= 5
    code = blocks[0].replace("data/try/images/S00000.png", _image(scenes))
    assert code != blocks[0]
    monkeypatch.chdir(ROOT)
    exec(compile(code, "README.md", "exec"), {})
    lines = capsys.readouterr().out.splitlines()
    assert lines and all(line.split()[0] in DEMO_CLASSES for line in lines)


def test_a_distillation_config_gives_its_student():
    """No distiller, no teacher: the student of the config, built as its ``model.student``."""
    from daik.engine.runner import load_config
    from daik.registry import MODELS

    config = os.path.join(ROOT, "configs", "demo", "daik_full_pico.py")
    student = init_detector(config)
    assert type(student).__name__ == "RotatedYOLO" and not hasattr(student, "teacher")
    reference = MODELS.build(load_config(config).model.student)
    assert {k: v.shape for k, v in student.state_dict().items()} == \
        {k: v.shape for k, v in reference.state_dict().items()}
    assert student.dataset_meta["classes"] == DEMO_CLASSES


@requires_cuda
def test_cuda_detections_equal_cpu(model, scenes):
    gpu = init_detector(CONFIG, CKPT, device="cuda")
    assert next(gpu.parameters()).is_cuda
    a, b = inference_detector(model, _image(scenes)), inference_detector(gpu, _image(scenes))
    keep = a.scores >= 0.3  # low-score boxes may swap places in NMS; the confident ones must agree
    assert len(a) > 0 and keep.sum() > 0
    iou = box_iou_rotated(torch.as_tensor(a.rboxes[keep]), torch.as_tensor(b.rboxes)).numpy()
    best = iou.argmax(1)
    assert (iou.max(1) > 0.99).all()
    np.testing.assert_array_equal(a.labels[keep], b.labels[best])
    np.testing.assert_allclose(a.scores[keep], b.scores[best], atol=1e-3)
