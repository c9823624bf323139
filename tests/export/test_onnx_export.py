"""ONNX export: onnxruntime == PyTorch on real inputs, dynamic shapes, standard operators,
the NMS-free end-to-end graph without daik, FP16 / INT8 variants, OnnxDetector."""
import json
import os
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
import torch.nn.functional as F

from daik.export import OnnxDetector, build_export_module, check_standard_ops, convert_fp16, letterbox, quantize_int8

from .conftest import CONFIG, ROOT, SIZE, assert_rboxes_close, corner_diff


def _session(path):
    return ort.InferenceSession(path, providers=["CPUExecutionProvider"])


def _torch(module, x):
    with torch.no_grad():
        out = module(torch.from_numpy(x))
    return [out.numpy()] if torch.is_tensor(out) else [o.numpy() for o in out]


def _angle_margin(module, x):
    """Per point, the gap between the two best CSL log-probabilities ``(B, N)``."""
    det = module.detector
    with torch.no_grad():
        raw = det.head.predict_raw(det.extract_feat((torch.from_numpy(x) - module.mean) / module.std))
        top2 = F.logsigmoid(raw.ang_logits).topk(2, dim=-1).values
    return (top2[..., 0] - top2[..., 1]).numpy()


def _check_close(module, sess, x):
    rboxes, scores = sess.run(None, {"images": x})
    ref_boxes, ref_scores = _torch(module, x)
    assert rboxes.shape == ref_boxes.shape and scores.shape == ref_scores.shape
    np.testing.assert_allclose(scores, ref_scores, atol=1e-4, rtol=0)
    clear = _angle_margin(module, x) > 1e-5  # elsewhere a float rounding may pick the other bin
    assert clear.mean() > 0.99
    assert_rboxes_close(rboxes[clear], ref_boxes[clear])


def test_fp32_matches_pytorch_on_a_synthetic_image(detector, exported, image):
    x, _ = letterbox(image, (SIZE, SIZE))
    _check_close(build_export_module(detector.model), _session(exported.path), x)


def test_dynamic_batch_and_size(detector, exported, images_dir):
    from daik.data import read_image_rgb

    imgs = [read_image_rgb(os.path.join(images_dir, "images", f"S0000{i}.png")) for i in (1, 2)]
    x = np.concatenate([letterbox(im[:192, :], (192, 320), fixed=True)[0] for im in imgs])  # (2, 3, 192, 320)
    sess, module = _session(exported.path), build_export_module(detector.model)
    _check_close(module, sess, x)
    single = sess.run(None, {"images": x[1:]})[1]
    np.testing.assert_allclose(sess.run(None, {"images": x})[1][1:], single, atol=1e-5)


def test_graph_has_standard_ops_and_metadata(exported):
    proto = onnx.load(exported.path)
    assert max(o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")) >= 17
    check_standard_ops(proto)  # raises on any custom-domain node
    ops = {n.op_type for n in proto.graph.node}
    assert {"ArgMax", "GatherElements", "Softmax"} <= ops  # CSL arg-max + refinement and DFL inside
    assert not any("NMS" in op or "NonMaxSuppression" in op for op in ops)
    meta = {p.key: json.loads(p.value) for p in proto.metadata_props if p.key.startswith("daik.")}
    assert meta["daik.end_to_end"] is False and len(meta["daik.classes"]) == 7
    assert meta["daik.input"]["dynamic_batch"] and meta["daik.input"]["dynamic_size"]
    with pytest.raises(ValueError, match="non-standard"):
        bad = onnx.helper.make_node("NMSRotated", ["a"], ["b"], domain="mmcv")
        proto.graph.node.append(bad)
        check_standard_ops(proto)


def _torch_predict(model, image):
    from daik.inference import DetectorPatchFn

    b, s, lab = DetectorPatchFn(model)(image[None])[0]
    return b, s, lab


@pytest.mark.parametrize("backend", ["daik", "numpy"])
def test_onnx_detector_matches_the_detector(detector, exported, image, backend):
    det = OnnxDetector(exported.path, nms_backend=backend, threads=1)
    assert det.nms_backend == backend and det.class_names == tuple(detector.names)
    out = det(image)
    b, s, lab = _torch_predict(detector.model, image)
    assert len(s) > 5 and len(out["scores"]) == len(s)
    np.testing.assert_allclose(out["scores"], s, atol=1e-5)
    np.testing.assert_array_equal(out["labels"], lab)
    assert corner_diff(out["bboxes"], b).max() < 1e-3


def test_nms_free_model_end_to_end_without_daik(exported_e2e, image, tmp_path):
    info, model = exported_e2e.info, exported_e2e.model
    assert info.end_to_end and info.outputs == ("detections",)
    x, _ = letterbox(image, (SIZE, SIZE))
    np.save(tmp_path / "x.npy", x)
    script = (
        "import sys; sys.modules['daik'] = None\n"
        "import numpy as np, onnxruntime as ort\n"
        f"s = ort.InferenceSession({info.path!r}, providers=['CPUExecutionProvider'])\n"
        f"out = s.run(None, {{'images': np.load({str(tmp_path / 'x.npy')!r})}})[0]\n"
        f"np.save({str(tmp_path / 'det.npy')!r}, out)\n"
        "try:\n    import daik\nexcept ImportError:\n    print('no daik')\n")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"}, cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "no daik" in proc.stdout
    det = np.load(tmp_path / "det.npy")
    assert det.shape == (1, 100, 7)
    b, s, lab = _torch_predict(model, image)  # the detector's own nms=None post-process
    rows = det[0][det[0, :, 5] > 0.3]
    assert len(s) > 5 and len(rows) == len(s)
    np.testing.assert_allclose(rows[:, 5], s, atol=1e-5)
    np.testing.assert_array_equal(rows[:, 6].astype(np.int64), lab)
    assert corner_diff(rows[:, :5], b).max() < 1e-3
    od = OnnxDetector(info.path)(image)
    np.testing.assert_allclose(od["scores"], s, atol=1e-5)


def test_end_to_end_pads_when_fewer_points_than_k(exported_e2e, image):
    x, _ = letterbox(image, (64, 64))  # 8x8 + 4x4 + 2x2 = 84 points < K = 100
    det = _session(exported_e2e.info.path).run(None, {"images": x})[0][0]
    module = build_export_module(exported_e2e.model)
    with torch.no_grad():
        _, ref_scores = module.decoded(torch.from_numpy(x))
    best = np.sort(ref_scores[0].max(-1).values.numpy())[::-1]
    np.testing.assert_allclose(det[:84, 5], best, atol=1e-5)
    assert (det[84:, 5] == 0).all() and (det[84:, 6] == -1).all()


def test_fp16_and_int8_variants_load_and_run(exported, images_dir, image, tmp_path):
    fp32 = _session(exported.path)
    x, _ = letterbox(image, (SIZE, SIZE))
    ref_boxes, ref_scores = fp32.run(None, {"images": x})
    half = convert_fp16(exported.path, str(tmp_path / "n_fp16.onnx"))
    int8 = quantize_int8(exported.path, str(tmp_path / "n_int8.onnx"), images_dir, num_images=4)
    for path, precision, tol in ((half, "fp16", 0.02), (int8, "int8", 0.1)):
        proto = onnx.load(path)
        meta = {p.key: json.loads(p.value) for p in proto.metadata_props if p.key.startswith("daik.")}
        assert meta["daik.precision"] == precision and meta["daik.classes"] == list(exported_classes(exported))
        boxes, scores = _session(path).run(None, {"images": x})
        assert boxes.dtype == np.float32 and scores.shape == ref_scores.shape
        assert np.abs(scores - ref_scores).mean() < tol
        out = OnnxDetector(path)(image)
        assert len(out["scores"]) > 0
    types = {n.op_type for n in onnx.load(int8).graph.node}
    assert {"QuantizeLinear", "DequantizeLinear"} <= types
    assert any(t.data_type == onnx.TensorProto.FLOAT16 for t in onnx.load(half).graph.initializer)


def exported_classes(info):
    proto = onnx.load(info.path)
    return json.loads({p.key: p.value for p in proto.metadata_props}["daik.classes"])


def test_static_export_with_the_tool(detector, tmp_path, image):
    from daik.cli import export as tool

    ckpt = str(tmp_path / "n.pth")
    torch.save({"state_dict": detector.model.state_dict()}, ckpt)
    img_path = str(tmp_path / "img.png")
    import cv2

    cv2.imwrite(img_path, image[..., ::-1])
    written = tool.main([CONFIG, ckpt, "--out", str(tmp_path / "m.onnx"), "--img-size", "128", "--batch", "2",
                         "--verify", img_path])
    sess = _session(written[0])
    assert [d for d in sess.get_inputs()[0].shape] == [2, 3, 128, 128]
    with pytest.raises(Exception):
        sess.run(None, {"images": np.zeros((1, 3, 128, 128), np.float32)})
    out = OnnxDetector(written[0])(image)  # a fixed batch of 2 is filled with copies
    assert out["bboxes"].shape[1] == 5


def test_bench_export_compares_pytorch_and_onnx_on_the_same_input(detector, image, tmp_path):
    """bench_export's PyTorch runner letterboxes like OnnxDetector: on a 256 px image and a 160 px
    graph the two give the same detections (once they did not, and PyTorch's mAP was a third)."""
    from daik.bench import export as bench_export
    from daik.export import export_onnx

    path = str(tmp_path / "n160.onnx")
    export_onnx(detector.model, path, img_size=160, class_names=detector.names)
    out = OnnxDetector(path, threads=1)(image)
    b, s, lab = bench_export._torch_runner(detector.model, 160)(image)
    assert image.shape[:2] == (256, 256) and len(s) > 5 and len(out["scores"]) == len(s)
    np.testing.assert_allclose(out["scores"], s, atol=1e-5)
    np.testing.assert_array_equal(out["labels"], lab)
    assert corner_diff(out["bboxes"], b).max() < 1e-3
