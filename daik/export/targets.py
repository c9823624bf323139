"""The export matrix: every board format from the one reparameterised ONNX graph, with its decode
inside (onnxruntime, OpenVINO) or stopped at the logits (``decode=False``: ncnn, LiteRT, whose
operator sets lack the decode's ArgMax / Mod / GatherElements; the runner decodes in numpy).

    path = export_target("model.onnx", "openvino")          # model_openvino/model.xml (+ .bin)
    path = export_target("model.onnx", "openvino", fp16=True)
    path = export_target("model_raw.onnx", "ncnn")            # from export_onnx(..., decode=False)
    path = export_target("model_raw.onnx", "tflite")          # onnx2tf from its own environment

Each format goes through its runtime's own converter and gets the ONNX file's ``daik.*``
metadata beside it (``<stem>.daik.json``), so that its runner
(:func:`daik.export.backends.open_exported`) pre- and post-processes exactly as
:class:`~daik.export.OnnxDetector` does. The formats this machine kind cannot produce raise
:class:`TargetUnavailable` with the reason (:data:`UNAVAILABLE`), the same words the README uses.
"""
import json
import os
from typing import Dict, Optional

from .runtime import metadata_path, read_file_metadata

FORMATS = ("onnx", "openvino", "ncnn", "tflite", "rknn", "tensorrt")

# Why a format is not produced here (x86-64 CPU, Python 3.11, torch 2.13, numpy 2, onnx 1.2x).
UNAVAILABLE: Dict[str, str] = {
    "rknn": ("rknn-toolkit2 (the x86 converter and simulator) pins torch <= 2.4, numpy <= 1.26, onnx <= 1.18 and "
             "protobuf <= 4.25: it needs its own environment, and its simulator cannot time a board's NPU"),
    "tensorrt": ("TensorRT builds engines only on an NVIDIA GPU (none on this machine kind); the ONNX graph "
                 "uses standard operators and no NMS plugin, so `trtexec --onnx=model.onnx` builds it on a Jetson"),
}


# LiteRT's converter cannot share an environment with torch 2.13: it is run from its own.
TFLITE_CONVERTER = ("onnx2tf pins tensorflow 2.19, numpy 1.26, onnx 1.19 and protobuf 4, so it lives in an "
                    "environment of its own (python -m venv v && v/bin/pip install onnx2tf==1.29.24); point "
                    "DAIK_ONNX2TF at its onnx2tf executable or put it on PATH. The LiteRT runtime (ai-edge-litert) "
                    "installs beside torch")


class TargetUnavailable(RuntimeError):
    """A format that cannot be produced on this machine (the message says why)."""


def write_metadata(meta: Dict[str, object], path: str) -> str:
    """Write ``meta`` as the JSON file beside ``path`` that the runners read."""
    side = metadata_path(path)
    with open(side, "w") as f:
        json.dump(meta, f, indent=1)
    return side


def export_target(onnx_path: str, fmt: str, out_dir: Optional[str] = None, fp16: bool = False) -> str:
    """Convert an exported ONNX file (FP32 or INT8 QDQ) to ``fmt``.

    Args:
        onnx_path: a file from :func:`~daik.export.export_onnx` (or :func:`~daik.export.quantize_int8`).
        fmt: one of :data:`FORMATS`.
        out_dir: where to write (default ``<stem>_<fmt>/`` beside the ONNX file).
        fp16: half-precision weights where the format stores them (OpenVINO IR, ncnn).

    Returns:
        The path the runner opens (``.onnx`` itself for ``"onnx"``, the IR ``.xml`` for OpenVINO,
        the ``.ncnn.param`` for ncnn).

    Raises:
        TargetUnavailable: the format cannot be produced here (see :data:`UNAVAILABLE`).
    """
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {fmt!r}")
    if fmt == "onnx":
        return onnx_path
    if fmt in UNAVAILABLE:
        raise TargetUnavailable(f"{fmt}: {UNAVAILABLE[fmt]}")
    stem = os.path.splitext(os.path.basename(onnx_path))[0]
    out_dir = out_dir or os.path.join(os.path.dirname(os.path.abspath(onnx_path)), f"{stem}_{fmt}")
    os.makedirs(out_dir, exist_ok=True)
    meta = read_file_metadata(onnx_path)
    if fp16:
        meta["daik.precision"] = "fp16"
    name = os.path.join(out_dir, f"{stem}{'_fp16' if fp16 else ''}")
    if fmt == "ncnn":
        return _ncnn(onnx_path, name + ".ncnn.param", meta, fp16)
    if fmt == "tflite":
        return _tflite(onnx_path, name + ".tflite", meta, fp16)
    return _openvino(onnx_path, name + ".xml", meta, fp16)


def _openvino(onnx_path: str, xml: str, meta: Dict[str, object], fp16: bool) -> str:
    """OpenVINO IR of the ONNX graph (its own ONNX front end; weights in FP16 when asked)."""
    import openvino as ov

    ov.save_model(ov.convert_model(onnx_path), xml, compress_to_fp16=fp16)
    write_metadata(meta, xml)
    return xml


def _require_raw(meta: Dict[str, object], fmt: str) -> None:
    if (meta.get("daik.decode") or {"inside": True})["inside"]:
        raise ValueError(f"{fmt} has no ArgMax / Mod / GatherElements for the decode: convert a graph exported "
                         f"with export_onnx(..., decode=False) (daik export does for --format {fmt})")


def _tflite(onnx_path: str, out: str, meta: Dict[str, object], fp16: bool) -> str:
    """LiteRT ``.tflite`` of a graph exported without its decode, through onnx2tf (NHWC input).
    One onnx2tf run writes both precisions (FP16: float16 weights); the other is kept beside."""
    import shutil
    import subprocess
    import tempfile

    import numpy as np

    _require_raw(meta, "tflite")
    exe = os.environ.get("DAIK_ONNX2TF") or shutil.which("onnx2tf")
    if not exe or not os.path.exists(exe):
        raise TargetUnavailable(f"tflite: {TFLITE_CONVERTER}")
    base = out[: -len("_fp16.tflite")] if fp16 else out[: -len(".tflite")]
    targets = {"_float32.tflite": base + ".tflite", "_float16.tflite": base + "_fp16.tflite"}
    if not (os.path.exists(out) and os.path.getmtime(out) >= os.path.getmtime(onnx_path)):
        with tempfile.TemporaryDirectory() as tmp:
            # onnx2tf feeds a sample of 20 NHWC images through the graph while converting and fetches
            # one from the network unless this file is in its working directory: give it seeded noise.
            sample = np.random.default_rng(0).random((20, 128, 128, 3), dtype=np.float32)
            np.save(os.path.join(tmp, "calibration_image_sample_data_20x128x128x3_float32.npy"), sample)
            proc = subprocess.run([exe, "-i", os.path.abspath(onnx_path), "-o", tmp], cwd=tmp, capture_output=True,
                                  text=True)
            stem = os.path.join(tmp, os.path.splitext(os.path.basename(onnx_path))[0])
            if proc.returncode or not os.path.exists(stem + "_float32.tflite"):
                raise RuntimeError(f"onnx2tf failed ({proc.returncode}): {(proc.stderr or proc.stdout)[-2000:]}")
            for suffix, dst in targets.items():
                shutil.move(stem + suffix, dst)
                write_metadata(dict(meta, **{"daik.precision": "fp16" if "16" in suffix else "fp32"}), dst)
    return out


def _ncnn(onnx_path: str, param: str, meta: Dict[str, object], fp16: bool) -> str:
    """ncnn ``.param`` / ``.bin`` of a graph exported without its decode, through pnnx."""
    import shutil
    import subprocess
    import sys
    import tempfile

    _require_raw(meta, "ncnn")
    exe = shutil.which("pnnx") or os.path.join(os.path.dirname(sys.executable), "pnnx")
    if not os.path.exists(exe):
        raise TargetUnavailable("ncnn: the pnnx converter is not installed (pip install pnnx ncnn)")
    size = meta["daik.input"]["size"]
    binf = param[: -len(".param")] + ".bin"
    with tempfile.TemporaryDirectory() as tmp:
        junk = {k: os.path.join(tmp, v) for k, v in (("pnnxparam", "m.pnnx.param"), ("pnnxbin", "m.pnnx.bin"),
                                                      ("pnnxpy", "m_pnnx.py"), ("pnnxonnx", "m.pnnx.onnx"),
                                                      ("ncnnpy", "m_ncnn.py"))}
        cmd = [exe, os.path.abspath(onnx_path), f"inputshape=[1,3,{size[0]},{size[1]}]", f"fp16={int(fp16)}",
               f"ncnnparam={os.path.abspath(param)}", f"ncnnbin={os.path.abspath(binf)}",
               *[f"{k}={v}" for k, v in junk.items()]]
        proc = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True)
    if proc.returncode or not os.path.exists(param):
        raise RuntimeError(f"pnnx failed ({proc.returncode}): {proc.stderr[-2000:] or proc.stdout[-2000:]}")
    write_metadata(meta, param)
    return param
