"""Board runtimes behind one runner interface: OpenVINO and ncnn == PyTorch on the shipped demo
teacher and on an NMS-free CAKD student; the numpy decode of a graph exported without its decode ==
the graph's own; FP16 / INT8 detections as good as FP32; the export matrix names what it cannot
produce."""
import os
import shutil
import sys
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from daik.export import (UNAVAILABLE, ExportedDetector, OnnxDetector, TargetUnavailable, build_export_module,
                         export_onnx, export_target, letterbox, open_exported)

from .conftest import ROOT, assert_rboxes_close, corner_diff, spread_predictions

try:
    import openvino  # noqa: F401

    HAVE_OPENVINO, WHY = True, ""
except ImportError as e:  # the edge extra is optional
    HAVE_OPENVINO, WHY = False, f"openvino is not installed (pip install .[edge]): {e}"
requires_openvino = pytest.mark.skipif(not HAVE_OPENVINO, reason=WHY)
try:
    import ncnn  # noqa: F401
    import pnnx  # noqa: F401

    HAVE_NCNN, WHY_NCNN = True, ""
except ImportError as e:
    HAVE_NCNN, WHY_NCNN = False, f"ncnn / pnnx are not installed (pip install ncnn pnnx): {e}"
requires_ncnn = pytest.mark.skipif(not HAVE_NCNN, reason=WHY_NCNN)
try:
    import ai_edge_litert  # noqa: F401

    _converter = os.environ.get("DAIK_ONNX2TF") or shutil.which("onnx2tf")
    HAVE_LITERT = bool(_converter and os.path.exists(_converter))
    WHY_LITERT = "" if HAVE_LITERT else "no onnx2tf converter (its own environment; set DAIK_ONNX2TF)"
except ImportError as e:
    HAVE_LITERT, WHY_LITERT = False, f"ai-edge-litert is not installed: {e}"
requires_litert = pytest.mark.skipif(not HAVE_LITERT, reason=WHY_LITERT)

TEACHER = (os.path.join(ROOT, "configs", "demo", "teacher_n.py"), os.path.join(ROOT, "checkpoints", "demo_teacher_n.pth"))
CAKD_STUDENT = os.path.join(ROOT, "configs", "distill", "synthetic", "cakd_student.py")
SIZE = 160  # the demo teacher's training size


@pytest.fixture(scope="module")
def teacher(tmp_path_factory):
    """The shipped demo teacher, exported at 160 px (NMS outside)."""
    from daik.apis import load_detector

    model, _, names = load_detector(*TEACHER)
    folder = tmp_path_factory.mktemp("teacher")
    path, raw = str(folder / "teacher.onnx"), str(folder / "teacher_raw.onnx")
    export_onnx(model, path, img_size=SIZE, class_names=names)
    export_onnx(model, raw, img_size=SIZE, class_names=names, decode=False)
    return SimpleNamespace(model=model, names=names, path=path, raw=raw)


@pytest.fixture(scope="module")
def student(tmp_path_factory):
    """A CAKD student (one-to-one head, nms=None) with spread random predictions, exported end to end."""
    from daik.apis import load_detector

    torch.manual_seed(1)
    model, _, names = load_detector(CAKD_STUDENT)
    spread_predictions(model, seed=1)
    model.head.test_cfg.update(score_thr=0.3, max_per_img=100)
    folder = tmp_path_factory.mktemp("student")
    path, raw = str(folder / "cakd.onnx"), str(folder / "cakd_raw.onnx")
    assert export_onnx(model, path, img_size=SIZE, topk=100, class_names=names).end_to_end
    assert export_onnx(model, raw, img_size=SIZE, topk=100, class_names=names, decode=False).end_to_end
    return SimpleNamespace(model=model, names=names, path=path, raw=raw)


def _torch_raw(model, x, topk=100):
    with torch.no_grad():
        out = build_export_module(model, topk=topk)(torch.from_numpy(x))
    return [out.numpy()] if torch.is_tensor(out) else [o.numpy() for o in out]


def _torch_detections(model, image):
    from daik.inference import DetectorPatchFn

    x, scale = letterbox(image, (SIZE, SIZE))
    b, s, lab = DetectorPatchFn(model)(np.ascontiguousarray(x[0].transpose(1, 2, 0)).astype(np.uint8)[None])[0]
    b = b.copy()
    b[:, :4] /= scale
    return b, s, lab


def _ir(path, tmp_path, fp16=False):
    xml = export_target(path, "openvino", out_dir=str(tmp_path), fp16=fp16)
    assert xml.endswith(".xml") and os.path.exists(xml[:-4] + ".bin")
    return xml


RUNTIMES = [pytest.param("openvino", "onnx", marks=requires_openvino, id="openvino-reads-onnx"),
            pytest.param("openvino", "ir", marks=requires_openvino, id="openvino-ir"),
            pytest.param("ncnn", "ncnn", marks=requires_ncnn, id="ncnn"),
            pytest.param("litert", "tflite", marks=requires_litert, id="litert"),
            pytest.param("onnxruntime", "raw", id="onnxruntime-numpy-decode")]


def _open(model_ns, backend, source, tmp_path):
    """The runner of ``backend`` on the model's file of kind ``source``."""
    path = {"onnx": model_ns.path, "raw": model_ns.raw}.get(source)
    if source == "ir":
        path = _ir(model_ns.path, tmp_path)
    elif source in ("ncnn", "tflite"):
        path = export_target(model_ns.raw, source, out_dir=str(tmp_path))
    det = open_exported(path, backend, threads=1)
    assert isinstance(det, ExportedDetector) and det.backend == backend
    return det


@pytest.mark.parametrize("backend, source", RUNTIMES)
def test_demo_teacher_matches_pytorch(teacher, image, tmp_path, backend, source):
    det = _open(teacher, backend, source, tmp_path)
    assert det.decode["inside"] == (source in ("onnx", "ir"))
    x, _ = letterbox(image, (SIZE, SIZE))
    (boxes, scores), (ref_boxes, ref_scores) = det.forward(x), _torch_raw(teacher.model, x)
    assert scores.shape == ref_scores.shape == (1, 525, 7)
    np.testing.assert_allclose(scores, ref_scores, atol=1e-3, rtol=0)
    confident = ref_scores[0].max(-1) > 0.05  # boxes that can become detections
    assert confident.sum() > 10
    assert_rboxes_close(boxes[0][confident], ref_boxes[0][confident], atol=2e-3)
    out, (b, s, lab) = det(image), _torch_detections(teacher.model, image)
    assert len(s) > 5 and len(out["scores"]) == len(s)
    np.testing.assert_allclose(out["scores"], s, atol=1e-3)
    np.testing.assert_array_equal(out["labels"], lab)
    assert corner_diff(out["bboxes"], b).max() < 1e-2


@pytest.mark.parametrize("backend, source", RUNTIMES)
def test_nms_free_cakd_student_end_to_end(student, image, tmp_path, backend, source):
    det = _open(student, backend, source, tmp_path)
    assert det.end_to_end and det.output_names == ("detections",)
    x, _ = letterbox(image, (SIZE, SIZE))
    rows, ref = det.forward(x)[0][0], _torch_raw(student.model, x)[0][0]  # (K, 7)
    assert rows.shape == ref.shape == (100, 7)
    np.testing.assert_allclose(rows[:, 5], ref[:, 5], atol=1e-3)
    top = ref[:, 5] > 0.3
    assert top.sum() > 5
    np.testing.assert_array_equal(rows[top, 6], ref[top, 6])
    assert_rboxes_close(rows[top, :5], ref[top, :5], atol=2e-3)
    out, (b, s, lab) = det(image), _torch_detections(student.model, image)  # the detector's nms=None path
    assert len(out["scores"]) == len(s)
    np.testing.assert_allclose(out["scores"], s, atol=1e-3)
    assert corner_diff(out["bboxes"], b).max() < 1e-2


def _map(det, images_dir, names):
    from daik.data import read_image_rgb
    from daik.evaluation import Detections, eval_rbbox_map, read_annotations, to_class_detections

    ann = read_annotations(os.path.join(images_dir, "labelTxt"))
    dets = {}
    for i in ann:
        o = det(read_image_rgb(os.path.join(images_dir, "images", f"{i}.png")))
        dets[i] = Detections(o["bboxes"].astype(np.float64), o["scores"].astype(np.float64), o["labels"])
    return eval_rbbox_map(to_class_detections(dets, names), ann, names)["mAP"]


def test_fp16_and_int8_keep_the_teachers_map_on_every_runtime(teacher, images_dir, tmp_path):
    """On the eight test scenes FP16 and INT8 (QDQ, 7-bit per-channel weights as quantize_int8
    defaults to; onnxruntime and OpenVINO) lose at most one mAP50 point against FP32 on the same
    runtime. With 8-bit weights this CPU's (AVX2, no VNNI) uint8 x int8 kernels saturate and
    onnxruntime lost 3.6 points on the held-out set."""
    from daik.export import convert_fp16, quantize_int8

    int8 = quantize_int8(teacher.path, str(tmp_path / "t_int8.onnx"), images_dir, num_images=8)
    cases = {"onnxruntime": (teacher.path, [convert_fp16(teacher.path, str(tmp_path / "t_fp16.onnx")), int8])}
    if HAVE_OPENVINO:
        cases["openvino"] = (teacher.path, [_ir(teacher.path, tmp_path, fp16=True), int8])
    if HAVE_NCNN:
        cases["ncnn"] = (export_target(teacher.raw, "ncnn", out_dir=str(tmp_path / "n32")),
                         [export_target(teacher.raw, "ncnn", out_dir=str(tmp_path / "n16"), fp16=True)])
    if HAVE_LITERT:
        cases["litert"] = (export_target(teacher.raw, "tflite", out_dir=str(tmp_path / "t")),
                           [export_target(teacher.raw, "tflite", out_dir=str(tmp_path / "t"), fp16=True)])
    for backend, (fp32_path, variants) in cases.items():
        fp32 = _map(open_exported(fp32_path, backend, threads=1), images_dir, teacher.names)
        assert fp32 > 0.3  # a trained model, or the comparison says nothing
        for path in variants:
            got = _map(open_exported(path, backend, threads=1), images_dir, teacher.names)
            assert got >= fp32 - 0.01, (backend, path, got, fp32)


def test_open_exported_picks_the_runner_by_suffix(teacher):
    assert isinstance(open_exported(teacher.path), OnnxDetector)
    with pytest.raises(ValueError, match="decode=False"):  # ncnn cannot run the decode
        export_target(teacher.path, "ncnn")
    with pytest.raises(ValueError, match="backend"):
        open_exported(teacher.path, "tvm")


@pytest.mark.parametrize("fmt", sorted(UNAVAILABLE))
def test_unavailable_formats_say_why(teacher, fmt, tmp_path):
    with pytest.raises(TargetUnavailable, match=fmt):
        export_target(teacher.path, fmt, out_dir=str(tmp_path))


@requires_openvino
def test_export_tool_writes_the_format_matrix(teacher, tmp_path, capsys):
    from daik.cli import export as tool

    formats = ["onnx", "openvino", "rknn"] + ["ncnn"] * HAVE_NCNN + ["tflite"] * HAVE_LITERT
    written = tool.main([*TEACHER, "--out", str(tmp_path / "t.onnx"), "--img-size", "160", "--fp16",
                         "--format", *formats])
    xmls = [w for w in written if w.endswith(".xml")]
    assert len(xmls) == 2 and any("fp16" in w for w in xmls)
    assert "skipped rknn" in capsys.readouterr().out
    params = [w for w in written if w.endswith(".param")]
    assert len(params) == 2 * HAVE_NCNN
    tflites = [w for w in written if w.endswith(".tflite")]
    assert len(tflites) == 2 * HAVE_LITERT
    for path in xmls + params + tflites:
        assert open_exported(path).class_names == tuple(teacher.names)


def test_parity_reports_score_and_box_differences(teacher, image):
    """The benchmark's parity numbers: near zero for onnxruntime, exactly a known offset when one is added."""
    from daik.export.parity import parity

    det = open_exported(teacher.path, threads=1)
    p = parity(teacher.model, {"ort": det}, [image], SIZE)["ort"]
    assert p["scores"] < 1e-4 and p["boxes_px"] < 1e-2 and p["boxes_compared"] > 10

    def shifted(x):  # every box moved 1 px right, every score up by 0.01
        boxes, scores = det.forward(x)
        return [boxes + np.array([1, 0, 0, 0, 0], np.float32), scores + 0.01]

    off = SimpleNamespace(meta=det.meta, end_to_end=False, forward=shifted)
    q = parity(teacher.model, {"off": off}, [image], SIZE)["off"]
    assert abs(q["scores"] - 0.01) < 1e-4 and abs(q["boxes_px"] - 1) < 1e-2 and abs(q["boxes_px_p99"] - 1) < 1e-2


def test_export_refuses_to_write_over_its_checkpoint(tmp_path):
    """Regression: --out naming the checkpoint would replace the weights with the ONNX graph."""
    import shutil
    import subprocess


    ckpt = tmp_path / "w.pth"
    shutil.copy(os.path.join(ROOT, "checkpoints", "demo_teacher_n.pth"), ckpt)
    before = ckpt.read_bytes()
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "export_onnx.py"),
                           os.path.join(ROOT, "configs", "demo", "teacher_n.py"), str(ckpt), "--out", str(ckpt)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode != 0 and "error" in proc.stderr
    assert ckpt.read_bytes() == before
