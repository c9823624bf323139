"""Deployment: ONNX export (reparameterised, decode inside the graph, standard operators
only), FP16 / INT8 variants, and :class:`OnnxDetector`, which runs an exported model with
onnxruntime and numpy pre/post-processing.

    info = export_onnx(model, "model.onnx", img_size=1024, class_names=names)
    det = OnnxDetector("model.onnx")
    out = det(rgb_uint8)       # {"bboxes": (K, 5), "scores": (K,), "labels": (K,)}
"""
from .numpy_nms import iou_one_to_many, nms_rotated_np
from .onnx_export import ExportInfo, build_export_module, check_standard_ops, export_onnx, is_nms_free
from .quantize import ImageFolderReader, convert_fp16, quantize_int8
from .runtime import OnnxDetector, letterbox, read_metadata
from .wrappers import DecodedDetector, EndToEndDetector

__all__ = [
    "export_onnx", "ExportInfo", "build_export_module", "is_nms_free", "check_standard_ops", "OnnxDetector",
    "letterbox", "read_metadata", "convert_fp16", "quantize_int8", "ImageFolderReader", "DecodedDetector",
    "EndToEndDetector", "nms_rotated_np", "iou_one_to_many",
]
