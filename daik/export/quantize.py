"""Lower-precision variants of an exported detector: FP16 and static INT8 (onnxruntime).

- FP16 (:func:`convert_fp16`): weights and activations in float16 with float32 input and
  outputs (``keep_io_types``), for boards with fast half precision. The decode (softmax
  expectation, CSL arg-max and refinement, box geometry, top-K) stays in float32: a 1024 px
  coordinate has only 0.5 px resolution in float16.
- INT8 (:func:`quantize_int8`): QDQ static quantisation of the convolutions, per-channel
  weights, calibrated on a folder of images letterboxed as :class:`~daik.export.OnnxDetector`
  feeds them. The prediction convolutions (class, distance and angle logits) and the decode
  stay in float: the CSL arg-max and the DFL expectation are sensitive to logit error.

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


def quantize_int8(src: str, dst: str, calib_dir: str, num_images: int = 64, per_channel: bool = True,
                  method: str = "minmax") -> str:
    """Static INT8 (QDQ) quantisation of ``src`` calibrated on images of ``calib_dir``.

    Args:
        src: an FP32 model from :func:`~daik.export.export_onnx`.
        dst: the INT8 model to write.
        calib_dir: folder of calibration images (or a data set root with ``images/``).
        num_images: images used for calibration.
        per_channel: per-output-channel weight scales.
        method: ``"minmax"``, ``"entropy"`` or ``"percentile"``.

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
    quantize_static(src, dst, reader, quant_format=QuantFormat.QDQ, op_types_to_quantize=list(BACKBONE_OPS),
                    per_channel=per_channel, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                    nodes_to_exclude=[n for part in head_nodes(proto) for n in part], calibrate_method=methods[method])
    out = onnx.load(dst)
    _copy_metadata(proto, out, precision="int8")
    onnx.save(out, dst)
    return dst
