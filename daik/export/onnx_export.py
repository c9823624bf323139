"""Export a daik detector to ONNX (standard operators only, opset >= 17).

The detector is reparameterised (RepVGG branches and batch norms folded, on a copy), wrapped
with its normalisation and decode (:mod:`daik.export.wrappers`) and traced. A detector whose
``test_cfg`` has ``nms=None`` (a one-to-one, NMS-free head such as CAKD's student) exports
end to end to ``detections (B, K, 7)``; any other exports ``rboxes (B, N, 5)`` and
``scores (B, N, C)`` and leaves the rotated NMS to :class:`daik.export.OnnxDetector`.

The file records what a runner needs in its metadata (``metadata_props``, JSON values under
the keys of :data:`META_KEYS`): the outputs' kind, class names, the post-process config and
the input's layout and size.
"""
import copy
import json
import warnings
from dataclasses import dataclass
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn

from daik.models import reparameterize

from .wrappers import DecodedDetector, EndToEndDetector, RawDetector, decode_spec

META_KEYS = ("daik.format", "daik.end_to_end", "daik.classes", "daik.test_cfg", "daik.input", "daik.topk",
             "daik.decode")
MIN_OPSET = 17
STANDARD_DOMAINS = ("", "ai.onnx")


@dataclass
class ExportInfo:
    """What :func:`export_onnx` wrote: the path, whether the model is end to end, the example
    input shape, the output names and whether a simplifier ran (``"onnxslim"``,
    ``"onnxsim"`` or None)."""

    path: str
    end_to_end: bool
    input_shape: Tuple[int, int, int, int]
    outputs: Tuple[str, ...]
    simplifier: Optional[str]


def is_nms_free(model: nn.Module) -> bool:
    """True when the detector's post-process skips NMS (``test_cfg["nms"]`` is falsy)."""
    cfg = getattr(getattr(model, "head", None), "test_cfg", None) or {}
    return "nms" in cfg and not cfg["nms"]


def _size(img_size: Union[int, Sequence[int]]) -> Tuple[int, int]:
    h, w = (img_size, img_size) if isinstance(img_size, int) else tuple(int(v) for v in img_size)
    if h % 32 or w % 32:
        raise ValueError(f"input size must be a multiple of 32 (the coarsest stride), got {h}x{w}")
    return h, w


def build_export_module(model: nn.Module, end_to_end: Optional[bool] = None, topk: int = 300,
                        decode: bool = True) -> nn.Module:
    """A reparameterised copy of ``model`` wrapped for export (see the module docstring);
    ``decode=False``: the :class:`RawDetector` (logits only, whatever ``end_to_end``)."""
    if end_to_end is None:
        end_to_end = is_nms_free(model)
    deployed = reparameterize(copy.deepcopy(model).cpu().float().eval())
    if not decode:
        return RawDetector(deployed).eval()
    if end_to_end:
        multi_label = bool((deployed.head.test_cfg or {}).get("multi_label", False))
        return EndToEndDetector(deployed, topk=topk, multi_label=multi_label).eval()
    return DecodedDetector(deployed).eval()


def _dynamic_axes(end_to_end: bool, dynamic_batch: bool, dynamic_size: bool,
                  outs: Sequence[str]) -> Dict[str, Dict[int, str]]:
    axes = {"images": {}}
    if dynamic_batch:
        axes["images"][0] = "batch"
    if dynamic_size:
        axes["images"].update({2: "height", 3: "width"})
    for name in outs:
        axes[name] = ({0: "batch"} if dynamic_batch else {})
        if dynamic_size and name.startswith("raw"):  # (B, D, H_l, W_l) maps
            axes[name].update({2: f"{name}_height", 3: f"{name}_width"})
        elif dynamic_size and not end_to_end:
            axes[name][1] = "points"
    return {k: v for k, v in axes.items() if v}


def export_onnx(model: nn.Module, path: str, img_size: Union[int, Sequence[int]] = 1024, batch_size: int = 1,
                dynamic_batch: bool = False, dynamic_size: bool = False, opset: int = MIN_OPSET,
                end_to_end: Optional[bool] = None, topk: int = 300, simplify: bool = True,
                class_names: Sequence[str] = (), decode: bool = True) -> ExportInfo:
    """Export ``model`` to ``path``.

    Args:
        model: a daik detector (left untouched: a copy is reparameterised).
        path: the ``.onnx`` file to write.
        img_size: input ``H`` (and ``W``), multiples of 32; the fixed size, or the example size
            of a dynamic-size export.
        batch_size: the fixed batch, or the example batch of a dynamic-batch export.
        dynamic_batch: leave the batch dimension free.
        dynamic_size: leave height and width free.
        opset: ONNX opset (>= 17).
        end_to_end: export ``detections (B, K, 7)``; default: when the head is NMS-free.
        topk: ``K`` of the end-to-end output.
        simplify: run onnxslim or onnxsim when one is importable (neither is a dependency).
        class_names: recorded in the metadata.
        decode: decode inside the graph; False: per-level ``raw{l} (B, D, H_l, W_l)`` logits only
            (:class:`~daik.export.wrappers.RawDetector`), decoded (and, end to end, top-K
            selected) by the runner in numpy, for runtimes without the decode's operators.

    Returns:
        :class:`ExportInfo`.
    """
    import onnx

    if opset < MIN_OPSET:
        raise ValueError(f"opset must be >= {MIN_OPSET}, got {opset}")
    h, w = _size(img_size)
    e2e = is_nms_free(model) if end_to_end is None else bool(end_to_end)
    module = build_export_module(model, e2e, topk, decode)
    levels = len(module.detector.head.prior_generator.strides)
    outputs = tuple(f"raw{i}" for i in range(levels)) if not decode else ("detections",) if e2e else ("rboxes", "scores")
    example = torch.rand(batch_size, 3, h, w) * 255
    with warnings.catch_warnings(), torch.no_grad():
        warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", message=".*legacy TorchScript-based ONNX export.*")
        torch.onnx.export(module, (example,), path, opset_version=opset, input_names=["images"],
                          output_names=list(outputs),
                          dynamic_axes=_dynamic_axes(e2e and decode, dynamic_batch, dynamic_size, outputs),
                          do_constant_folding=True, dynamo=False)
    proto = onnx.load(path)
    _inline_identity_initializers(proto)
    simplifier = None
    if simplify:
        proto, simplifier = _simplify(proto)
    check_standard_ops(proto)
    test_cfg = dict(getattr(module.detector.head, "test_cfg", None) or {})
    meta = {"daik.format": 1, "daik.end_to_end": e2e, "daik.classes": list(class_names), "daik.test_cfg": test_cfg,
            "daik.topk": topk if e2e else None,
            "daik.decode": {"inside": True} if decode else {
                "inside": False, "multi_label": bool(test_cfg.get("multi_label", False)), **decode_spec(module.detector)},
            "daik.input": {"layout": "NCHW", "color": "RGB", "range": [0, 255], "size": [h, w],
                           "dynamic_batch": dynamic_batch, "dynamic_size": dynamic_size, "size_divisor": 32,
                           "batch": None if dynamic_batch else batch_size}}
    set_metadata(proto, meta)
    onnx.checker.check_model(proto)
    onnx.save(proto, path)
    return ExportInfo(path, e2e, (batch_size, 3, h, w), outputs, simplifier)


def set_metadata(proto, meta: Dict[str, object]) -> None:
    """Write ``meta`` (JSON values) into the model's ``metadata_props``, replacing old keys."""
    keep = [p for p in proto.metadata_props if p.key not in meta]
    del proto.metadata_props[:]
    proto.metadata_props.extend(keep)
    for key, value in meta.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, json.dumps(value)


def _inline_identity_initializers(proto) -> None:
    """Give every ``Identity`` of an initializer its own copy of it. The exporter shares equal
    parameters (e.g. all-zero biases) through Identity nodes; quantisers expect a conv's
    weight and bias to be initializers themselves."""
    from onnx import numpy_helper

    inits = {i.name: i for i in proto.graph.initializer}
    keep = []
    for node in proto.graph.node:
        if node.op_type == "Identity" and node.input[0] in inits:
            proto.graph.initializer.append(numpy_helper.from_array(numpy_helper.to_array(inits[node.input[0]]),
                                                                   node.output[0]))
        else:
            keep.append(node)
    del proto.graph.node[:]
    proto.graph.node.extend(keep)


def check_standard_ops(proto) -> None:
    """Raise ValueError when a node uses an operator outside the standard ONNX domain."""
    custom = sorted({f"{n.domain}::{n.op_type}" for n in proto.graph.node if n.domain not in STANDARD_DOMAINS})
    if custom:
        raise ValueError(f"the exported graph uses non-standard operators: {custom}")


def _simplify(proto):
    """``(proto, name)`` after onnxslim or onnxsim when importable, else ``(proto, None)``."""
    try:
        import onnxslim

        return onnxslim.slim(proto), "onnxslim"
    except ImportError:
        pass
    try:
        import onnxsim

        simplified, ok = onnxsim.simplify(proto)
        return (simplified, "onnxsim") if ok else (proto, None)
    except ImportError:
        return proto, None
