"""Export a detector to ONNX (reparameterised, decode inside the graph, standard operators)
and from that one graph to the board formats.

    daik export CONFIG CKPT --out model.onnx [--img-size 1024] [--batch 1]
        [--dynamic-batch] [--dynamic-size] [--opset 17] [--end-to-end auto|on|off] [--topk 300]
        [--fp16] [--int8 CALIB_DIR [--calib-num 64]] [--format onnx openvino ...] [--verify IMAGE]

Outputs ``rboxes (B, N, 5)`` and ``scores (B, N, C)`` (rotated NMS outside, in
``daik.export.OnnxDetector``), or for an NMS-free (one-to-one) head ``detections (B, K, 7)``
rows ``(cx, cy, w, h, theta, score, label)``. ``--fp16`` also writes ``<out>_fp16.onnx``;
``--int8 DIR`` writes ``<out>_int8.onnx`` calibrated on the images of DIR. ``--verify IMAGE``
runs PyTorch and onnxruntime on that image and prints their largest differences. The default
input size is the config's ``img_scale`` when it has one, else 1024.

``--format`` converts every file written (FP32, and the FP16 / INT8 variants) to each named
format through that runtime's own converter (``openvino``: ``<out stem>_openvino/*.xml``;
``ncnn``: ``<out>_raw.onnx``, the same graph without its decode, which ncnn cannot run, through
pnnx to ``<out stem>_raw_ncnn/*.ncnn.param``, FP32 and with ``--fp16`` FP16; ``tflite``: the same
raw graph through onnx2tf, which needs its own environment: ``DAIK_ONNX2TF=/path/to/onnx2tf``); a
format this machine cannot produce (rknn, tensorrt here) is reported with the reason and skipped.
Run any of them with ``daik.export.open_exported(path)``: the runner decodes a raw graph in numpy.
"""
import argparse
import os
import sys

from daik.apis import init_detector
from daik.inference.preflight import OutputPathError, check_outputs
from daik.engine.runner import DictAction


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("config")
    p.add_argument("checkpoint", help="checkpoint, or 'none' for the config's initial weights")
    p.add_argument("--out", required=True, help="the .onnx file")
    p.add_argument("--img-size", type=int, nargs="+", help="H [W], multiples of 32")
    p.add_argument("--batch", type=int, default=1, help="fixed (or example) batch size")
    p.add_argument("--dynamic-batch", action="store_true")
    p.add_argument("--dynamic-size", action="store_true")
    p.add_argument("--opset", type=int, default=17)
    p.add_argument("--end-to-end", choices=["auto", "on", "off"], default="auto",
                   help="(B, K, 7) output with top-K inside; auto: when the head's test_cfg has nms=None")
    p.add_argument("--topk", type=int, default=300, help="K of the end-to-end output")
    p.add_argument("--no-simplify", action="store_true", help="skip onnxslim / onnxsim even when importable")
    p.add_argument("--fp16", action="store_true", help="also write <out>_fp16.onnx")
    p.add_argument("--int8", metavar="CALIB_DIR", help="also write <out>_int8.onnx calibrated on these images")
    p.add_argument("--calib-num", type=int, default=64, help="calibration images")
    p.add_argument("--calib-method", choices=["minmax", "entropy", "percentile"], default="minmax")
    p.add_argument("--int8-full-range", action="store_true",
                   help="8-bit weights (only for VNNI / dot-product kernels: without them they saturate)")
    p.add_argument("--format", nargs="+", default=["onnx"], metavar="FMT",
                   help="board formats to convert to: onnx openvino ncnn tflite rknn tensorrt")
    p.add_argument("--verify", metavar="IMAGE", help="compare PyTorch and onnxruntime on this image")
    p.add_argument("--cfg-options", nargs="+", action=DictAction, help="override config entries, key=value")
    return p.parse_args(argv)


def variant_path(out: str, suffix: str) -> str:
    """``model.onnx`` -> ``model_<suffix>.onnx``."""
    stem, ext = os.path.splitext(out)
    return f"{stem}_{suffix}{ext or '.onnx'}"


def verify(model, path: str, image: str, size, end_to_end: bool) -> dict:
    """Largest differences between the exported graph on onnxruntime and the same module in
    PyTorch, per output, on one image letterboxed to ``size`` (an untrained model's flat angle
    logits make its arg-max a coin toss: expect large box differences there only)."""
    import numpy as np
    import onnxruntime as ort
    import torch

    from daik.data import read_image_rgb
    from daik.export import build_export_module, letterbox

    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    batch = sess.get_inputs()[0].shape[0]
    x, _ = letterbox(read_image_rgb(image), size)
    x = np.repeat(x, batch if isinstance(batch, int) else 1, axis=0)
    module = build_export_module(model, end_to_end)
    with torch.no_grad():
        ref = module(torch.from_numpy(x))
    ref = [ref] if torch.is_tensor(ref) else list(ref)
    outs = sess.run(None, {sess.get_inputs()[0].name: x})
    diffs = {}
    for o, a, r in zip(sess.get_outputs(), outs, ref):
        d = np.abs(a - r.numpy())
        if o.name in ("rboxes", "detections"):  # theta modulo pi: the same box either side of +-pi/2
            d[..., 4] = np.abs((a[..., 4] - r.numpy()[..., 4] + np.pi / 2) % np.pi - np.pi / 2)
        diffs[o.name] = float(d.max())
    return diffs


def main(argv=None):
    args = parse_args(argv)
    from daik.export import convert_fp16, export_onnx, quantize_int8

    ckpt = None if args.checkpoint.lower() == "none" else args.checkpoint
    try:  # never write over the config or the checkpoint, and stop before loading anything
        check_outputs([args.config] + ([ckpt] if ckpt else []), files={"--out": args.out}, folders={})
    except OutputPathError as e:
        sys.exit(f"export_onnx.py: error: {e}")
    model = init_detector(args.config, ckpt, cfg_options=args.cfg_options)
    cfg, names = model.cfg, model.dataset_meta["classes"]
    size = args.img_size or [int(cfg.get("img_scale", 1024))]
    size = (size[0], size[-1])
    e2e = {"auto": None, "on": True, "off": False}[args.end_to_end]
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    info = export_onnx(model, args.out, img_size=size, batch_size=args.batch, dynamic_batch=args.dynamic_batch,
                       dynamic_size=args.dynamic_size, opset=args.opset, end_to_end=e2e, topk=args.topk,
                       simplify=not args.no_simplify, class_names=names)
    print(f"wrote {info.path}: input {info.input_shape}, outputs {list(info.outputs)}, "
          f"{'end to end' if info.end_to_end else 'NMS outside'}, simplifier {info.simplifier}")
    written = [info.path]
    if args.fp16:
        written.append(convert_fp16(info.path, variant_path(args.out, "fp16")))
        print(f"wrote {written[-1]}")
    if args.int8:
        written.append(quantize_int8(info.path, variant_path(args.out, "int8"), args.int8, args.calib_num,
                                     method=args.calib_method, reduce_range=not args.int8_full_range))
        print(f"wrote {written[-1]}")
    raw = None
    if {"ncnn", "tflite"} & set(args.format):
        raw = export_onnx(model, variant_path(args.out, "raw"), img_size=size, batch_size=1, opset=args.opset,
                          end_to_end=e2e, topk=args.topk, simplify=not args.no_simplify, class_names=names,
                          decode=False).path
        print(f"wrote {raw} (no decode inside, for ncnn / tflite)")
    written += convert_formats(written, args.format, raw)
    if args.verify:
        print("max |onnxruntime - torch|:", verify(model, info.path, args.verify, size, info.end_to_end))
    return written


def convert_formats(files, formats, raw=None):
    """Each ONNX file of ``files`` in each of ``formats`` (beyond onnx; ncnn from ``raw``, the
    graph without its decode); unavailable ones are reported with the reason, not silently missing."""
    from daik.export import FORMATS, TargetUnavailable, export_target

    bad = sorted(set(formats) - set(FORMATS))
    if bad:
        raise SystemExit(f"unknown formats {bad}; choose from {list(FORMATS)}")
    written = []
    for fmt in [f for f in dict.fromkeys(formats) if f != "onnx"]:
        half = any(f.endswith("_fp16.onnx") for f in files)  # the format's own FP16, from the FP32 graph
        if fmt in ("ncnn", "tflite"):  # the graph without its decode; INT8 with their own tools, not from QDQ
            jobs = [(raw, False)] + [(raw, True)] * half
        else:
            jobs = [(f, False) for f in files if not f.endswith("_fp16.onnx")] + [(files[0], True)] * half
        for path, fp16 in jobs:
            try:
                written.append(export_target(path, fmt, fp16=fp16))
            except TargetUnavailable as e:
                print(f"skipped {e}")
                break
            print(f"wrote {written[-1]}")
    return written
