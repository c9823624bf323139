"""Runners of an exported detector on the runtimes edge boards use, behind one interface.

Every runner is an :class:`~daik.export.runtime.ExportedDetector`: the same letterbox, the same
numpy post-processing (rotated NMS, or none for an NMS-free model), the same output
``{"bboxes": (K, 5), "scores": (K,), "labels": (K,)}``; only :meth:`run` differs.

- :class:`~daik.export.runtime.OnnxDetector`: onnxruntime (``.onnx``).
- :class:`OpenVinoDetector`: OpenVINO (``.onnx`` read directly, or an IR ``.xml`` written by
  :func:`daik.export.targets.export_target`), in float32 unless told otherwise.

:func:`open_exported` picks the runner by the file's suffix (or by name).
"""
from typing import Dict, List, Optional

import numpy as np

from .runtime import ExportedDetector, OnnxDetector, read_file_metadata

BACKENDS = ("onnxruntime", "openvino")


class OpenVinoDetector(ExportedDetector):
    """An exported daik detector on OpenVINO.

    Args:
        path: an ``.onnx`` file from :func:`~daik.export.export_onnx` (or its FP16 / INT8
            variants: OpenVINO runs the QDQ graph in INT8) or an OpenVINO IR ``.xml``.
        device: OpenVINO device (``"CPU"``, ``"GPU"``, ``"NPU"``).
        threads: inference threads (None: OpenVINO's choice).
        precision: the ``INFERENCE_PRECISION_HINT`` (``"f32"`` by default, so that a CPU with
            bf16 / fp16 units does not silently lower it; None: the device's default).
        nms_backend, test_cfg: as :class:`~daik.export.runtime.ExportedDetector`.
    """

    backend = "openvino"

    def __init__(self, path: str, device: str = "CPU", threads: Optional[int] = None,
                 precision: Optional[str] = "f32", nms_backend: str = "auto", **test_cfg):
        import openvino as ov

        super().__init__(read_file_metadata(path), nms_backend, **test_cfg)
        config: Dict[str, object] = {}
        if threads:
            config["INFERENCE_NUM_THREADS"] = int(threads)
        if precision:
            config["INFERENCE_PRECISION_HINT"] = precision
        core = ov.Core()
        self.compiled = core.compile_model(core.read_model(str(path)), device, config)
        self.request = self.compiled.create_infer_request()
        self._outputs = [self.compiled.output(name) for name in self.output_names]

    def run(self, images: np.ndarray) -> List[np.ndarray]:
        """The raw outputs of a ``(B, 3, H, W)`` float32 0..255 batch."""
        res = self.request.infer({0: np.ascontiguousarray(images, dtype=np.float32)})
        return [np.asarray(res[o]) for o in self._outputs]


def backend_for(path: str) -> str:
    """The default runtime of a file: ``.xml`` -> openvino, else onnxruntime."""
    return "openvino" if str(path).endswith(".xml") else "onnxruntime"


def open_exported(path: str, backend: str = "auto", threads: Optional[int] = None, **kwargs) -> ExportedDetector:
    """The runner of ``path`` on ``backend`` (``"auto"``: by the file's suffix).

    Args:
        path: an exported file.
        backend: one of :data:`BACKENDS` or ``"auto"``.
        threads: inference threads.
        **kwargs: passed to the runner (``nms_backend``, test_cfg overrides, ...).
    """
    backend = backend_for(path) if backend == "auto" else backend
    if backend == "onnxruntime":
        return OnnxDetector(path, threads=threads, **kwargs)
    if backend == "openvino":
        return OpenVinoDetector(path, threads=threads, **kwargs)
    raise ValueError(f"backend must be auto or one of {BACKENDS}, got {backend!r}")
