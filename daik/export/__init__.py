"""Deployment: ONNX export (reparameterised, decode inside the graph, standard operators
only), FP16 / INT8 variants, the board formats made from it (:mod:`.targets`), and one runner
interface over the runtimes (:class:`ExportedDetector`: :class:`OnnxDetector` for onnxruntime,
:class:`OpenVinoDetector`, :class:`NcnnDetector`, :class:`LiteRtDetector`), all with the same numpy pre/post-processing (and
the head's decode in numpy for a graph exported without it, ``export_onnx(..., decode=False)``).

    info = export_onnx(model, "model.onnx", img_size=1024, class_names=names)
    det = OnnxDetector("model.onnx")            # or open_exported(export_target(info.path, "openvino"))
    out = det(rgb_uint8)       # {"bboxes": (K, 5), "scores": (K,), "labels": (K,)}
"""
from .backends import BACKENDS, LiteRtDetector, NcnnDetector, OpenVinoDetector, open_exported
from .numpy_decode import decode_raw, topk_rows
from .numpy_nms import iou_one_to_many, nms_rotated_np
from .onnx_export import ExportInfo, build_export_module, check_standard_ops, export_onnx, is_nms_free
from .quantize import FLOAT_SCOPES, ImageFolderReader, convert_fp16, quantize_int8
from .runtime import ExportedDetector, OnnxDetector, letterbox, read_file_metadata, read_metadata
from .targets import FORMATS, UNAVAILABLE, TargetUnavailable, export_target
from .wrappers import DecodedDetector, EndToEndDetector, RawDetector

__all__ = [
    "export_onnx", "ExportInfo", "build_export_module", "is_nms_free", "check_standard_ops", "OnnxDetector",
    "letterbox", "read_metadata", "convert_fp16", "quantize_int8", "ImageFolderReader", "DecodedDetector",
    "EndToEndDetector", "nms_rotated_np", "iou_one_to_many", "ExportedDetector", "OpenVinoDetector", "open_exported",
    "BACKENDS", "read_file_metadata", "FORMATS", "UNAVAILABLE", "TargetUnavailable", "export_target", "FLOAT_SCOPES",
    "NcnnDetector", "LiteRtDetector", "RawDetector", "decode_raw", "topk_rows",
]
