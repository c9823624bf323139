"""Lower-precision variants of an exported detector: FP16 and static INT8 (onnxruntime).

- FP16 (:func:`convert_fp16`): weights and activations in float16 with float32 input and
  outputs (``keep_io_types``), for boards with fast half precision. The decode (softmax
  expectation, CSL arg-max and refinement, box geometry, top-K) stays in float32: a 1024 px
  coordinate has only 0.5 px resolution in float16.
- INT8 (:func:`quantize_int8`): QDQ static quantisation of the convolutions, per-channel
  7-bit weights (see ``reduce_range``), calibrated on a folder of images letterboxed as
  :class:`~daik.export.OnnxDetector` feeds them. The prediction convolutions (class, distance
  and angle logits) and the decode stay in float: the CSL arg-max and the DFL expectation are
  sensitive to logit error. OpenVINO runs the same QDQ graph in INT8.

Prediction convs are found by their weights' names (``head.preds.*``, kept by the export).
"""
import os
from typing import Iterator, List, Optional, Sequence

import numpy as np

from .onnx_export import set_metadata
from .runtime import letterbox

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp")
BACKBONE_OPS = ("Conv",)


def head_nodes(proto):
    """``(pred_convs, after)``: names of the prediction convs (those whose weight is a
    ``head.preds.*`` parameter) and of every node downstream of them (the decode)."""
    consumers = {}
    for node in proto.graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    preds = [n for n in proto.graph.node if n.op_type == "Conv" and len(n.input) > 1 and "head.preds." in n.input[1]]
    seen, stack = set(), [c for p in preds for o in p.output for c in consumers.get(o, [])]
    while stack:
        node = stack.pop()
        if node.name in seen:
            continue
        seen.add(node.name)
        for out in node.output:
            stack.extend(consumers.get(out, []))
    if not preds:
        raise ValueError("no prediction convs (weights named 'head.preds.*') found in the graph")
    return sorted(n.name for n in preds), sorted(seen)


def convert_fp16(src: str, dst: str) -> str:
    """Write a float16 copy of ``src`` to ``dst`` (see the module docstring)."""
    import onnx
    from onnxruntime.transformers.float16 import convert_float_to_float16

    proto = onnx.load(src)
    _, decode = head_nodes(proto)
    half = convert_float_to_float16(proto, keep_io_types=True, node_block_list=decode)
    _drop_duplicate_nodes(half)
    _copy_metadata(proto, half, precision="fp16")
    onnx.save(half, dst)
    return dst


def _drop_duplicate_nodes(proto) -> None:
    """Remove repeated identical nodes. onnxruntime's float16 converter inserts one identical
    Cast (same name, input and output) per blocked consumer of a float16 tensor, which
    onnxruntime then refuses; one of them is all the graph needs."""
    seen, keep = {}, []
    for node in proto.graph.node:
        key = node.SerializeToString()
        if node.name and node.name in seen:
            if seen[node.name] != key:
                raise ValueError(f"two different nodes named {node.name!r} in the converted graph")
            continue
        seen[node.name] = key
        keep.append(node)
    del proto.graph.node[:]
    proto.graph.node.extend(keep)


def _copy_metadata(src, dst, precision: str) -> None:
    import json

    meta = {p.key: json.loads(p.value) for p in src.metadata_props if p.key.startswith("daik.")}
    meta["daik.precision"] = precision
    set_metadata(dst, meta)


def image_files(folder: str, limit: Optional[int] = None) -> List[str]:
    """Sorted image files of ``folder`` (its ``images/`` subfolder when it has one)."""
    sub = os.path.join(folder, "images")
    folder = sub if os.path.isdir(sub) else folder
    files = sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.lower().endswith(IMAGE_SUFFIXES))
    if not files:
        raise FileNotFoundError(f"no images ({', '.join(IMAGE_SUFFIXES)}) in {folder}")
    return files[:limit] if limit else files


class ImageFolderReader:
    """onnxruntime ``CalibrationDataReader`` over image files, letterboxed to ``size``.

    Args:
        files: image paths.
        input_name: the model's input name.
        size: ``(H, W)`` of the model input.
        batch: batch size of the model input (copies of one image fill a fixed batch).
        fixed: pad to ``size`` (static models) rather than to a multiple of 32.
    """

    def __init__(self, files: Sequence[str], input_name: str, size, batch: int = 1, fixed: bool = True):
        self.files, self.input_name, self.size, self.batch, self.fixed = list(files), input_name, tuple(size), batch, fixed
        self._it: Optional[Iterator[str]] = None

    def get_next(self):
        from daik.data.image_io import read_image_rgb

        if self._it is None:
            self._it = iter(self.files)
        path = next(self._it, None)
        if path is None:
            return None
        x, _ = letterbox(read_image_rgb(path), self.size, fixed=self.fixed)
        return {self.input_name: np.repeat(x, self.batch, axis=0)}

    def rewind(self) -> None:
        self._it = None


FLOAT_SCOPES = {
    # the head's stem and branch convs (before the prediction convs): the last features the
    # class, distance and angle logits are read from
    "head": ("/stems.", "/cls.", "/reg.", "/ang."),
    # the first conv, which sees the normalised image
    "stem": ("/backbone/stem/",),
}


def float_nodes(proto, scopes: Sequence[str] = ()) -> List[str]:
    """Nodes :func:`quantize_int8` leaves in float: the prediction convs and the decode always,
    plus every Conv whose name starts with a prefix of the named ``scopes`` (:data:`FLOAT_SCOPES`)."""
    unknown = sorted(set(scopes) - set(FLOAT_SCOPES))
    if unknown:
        raise ValueError(f"unknown float scopes {unknown}; known: {sorted(FLOAT_SCOPES)}")
    prefixes = tuple(p for s in scopes for p in FLOAT_SCOPES[s])
    kept = [n.name for n in proto.graph.node if n.op_type in BACKBONE_OPS and prefixes and n.name.startswith(prefixes)]
    return sorted(set(kept) | {n for part in head_nodes(proto) for n in part})


def quantize_int8(src: str, dst: str, calib_dir: str, num_images: int = 64, per_channel: bool = True,
                  method: str = "minmax", float_scopes: Sequence[str] = (), symmetric_activations: bool = False,
                  percentile: float = 99.999, reduce_range: bool = True) -> str:
    """Static INT8 (QDQ) quantisation of ``src`` calibrated on images of ``calib_dir``.

    Args:
        src: an FP32 model from :func:`~daik.export.export_onnx`.
        dst: the INT8 model to write.
        calib_dir: folder of calibration images (or a data set root with ``images/``).
        num_images: images used for calibration.
        per_channel: per-output-channel weight scales.
        method: ``"minmax"``, ``"entropy"`` or ``"percentile"``.
        float_scopes: further convs left in float, by name (keys of :data:`FLOAT_SCOPES`).
        symmetric_activations: int8 activations with a zero point of 0 (else uint8, asymmetric).
        percentile: the range kept by ``method="percentile"``.
        reduce_range: 7-bit weights (the default). x86 CPUs with AVX2 or AVX-512 but without
            VNNI multiply uint8 activations by int8 weights with an instruction that saturates
            16-bit pair sums; full-range per-channel weights overflow it (the first conv, whose
            input is the dense image, loses most: 3.6 mAP50 points on the demo teacher), 7-bit
            ones cannot. Turn it off only for a runtime with VNNI / dot-product kernels.

    Returns:
        ``dst``.
    """
    import json

    import onnx
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static

    methods = {"minmax": CalibrationMethod.MinMax, "entropy": CalibrationMethod.Entropy,
               "percentile": CalibrationMethod.Percentile}
    if method not in methods:
        raise ValueError(f"method must be one of {sorted(methods)}, got {method!r}")
    proto = onnx.load(src)
    meta = {p.key: json.loads(p.value) for p in proto.metadata_props if p.key.startswith("daik.")}
    inp = meta.get("daik.input") or {}
    size = inp.get("size") or [d.dim_value for d in proto.graph.input[0].type.tensor_type.shape.dim[2:]]
    reader = ImageFolderReader(image_files(calib_dir, num_images), proto.graph.input[0].name, size,
                               batch=inp.get("batch") or 1, fixed=not inp.get("dynamic_size", False))
    extra = {"ActivationSymmetric": bool(symmetric_activations)}
    if method == "percentile":
        extra["CalibPercentile"] = float(percentile)
    quantize_static(src, dst, reader, quant_format=QuantFormat.QDQ, op_types_to_quantize=list(BACKBONE_OPS),
                    per_channel=per_channel, reduce_range=reduce_range, weight_type=QuantType.QInt8,
                    activation_type=QuantType.QInt8 if symmetric_activations else QuantType.QUInt8,
                    nodes_to_exclude=float_nodes(proto, float_scopes), calibrate_method=methods[method],
                    extra_options=extra)
    out = onnx.load(dst)
    _copy_metadata(proto, out, precision="int8")
    onnx.save(out, dst)
    return dst
