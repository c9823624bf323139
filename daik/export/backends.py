"""Runners of an exported detector on the runtimes edge boards use, behind one interface.

Every runner is an :class:`~daik.export.runtime.ExportedDetector`: the same letterbox, the same
numpy post-processing (rotated NMS, or none for an NMS-free model), the same output
``{"bboxes": (K, 5), "scores": (K,), "labels": (K,)}``; only :meth:`run` differs.

- :class:`~daik.export.runtime.OnnxDetector`: onnxruntime (``.onnx``).
- :class:`OpenVinoDetector`: OpenVINO (``.onnx`` read directly, or an IR ``.xml`` written by
  :func:`daik.export.targets.export_target`), in float32 unless told otherwise.
- :class:`NcnnDetector`: ncnn (``.ncnn.param`` + ``.ncnn.bin`` from pnnx). ncnn has no layers for
  the decode's ArgMax / Mod / GatherElements, so its graph stops at the logits and the runner
  decodes in numpy (:mod:`daik.export.numpy_decode`).
- :class:`LiteRtDetector`: LiteRT (formerly TensorFlow Lite; ``.tflite`` from onnx2tf, NHWC input),
  the same graph without its decode.

:func:`open_exported` picks the runner by the file's suffix (or by name).
"""
from typing import Dict, List, Optional

import numpy as np

from .runtime import ExportedDetector, OnnxDetector, read_file_metadata

BACKENDS = ("onnxruntime", "openvino", "ncnn", "litert")


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
        self._outputs = [self.compiled.output(name) for name in self.graph_outputs]

    def run(self, images: np.ndarray) -> List[np.ndarray]:
        """The raw outputs of a ``(B, 3, H, W)`` float32 0..255 batch."""
        res = self.request.infer({0: np.ascontiguousarray(images, dtype=np.float32)})
        return [np.asarray(res[o]) for o in self._outputs]


class NcnnDetector(ExportedDetector):
    """An exported daik detector on ncnn.

    Args:
        path: the ``.ncnn.param`` file (its ``.ncnn.bin`` beside it).
        threads: ncnn threads (None: ncnn's choice).
        fp16: half-precision storage and arithmetic where the CPU has them (ncnn's default on
            ARM); default: for a file exported with FP16 weights only, float32 throughout otherwise.
        nms_backend, test_cfg: as :class:`~daik.export.runtime.ExportedDetector`.
    """

    backend = "ncnn"

    def __init__(self, path: str, threads: Optional[int] = None, fp16: Optional[bool] = None,
                 nms_backend: str = "auto", **test_cfg):
        import ncnn

        super().__init__(read_file_metadata(path), nms_backend, **test_cfg)
        fp16 = self.meta.get("daik.precision") == "fp16" if fp16 is None else fp16
        self.net = ncnn.Net()
        for opt in ("use_fp16_packed", "use_fp16_storage", "use_fp16_arithmetic"):
            setattr(self.net.opt, opt, bool(fp16))
        if threads:
            self.net.opt.num_threads = int(threads)
        if self.net.load_param(str(path)) or self.net.load_model(str(path)[: -len(".param")] + ".bin"):
            raise ValueError(f"ncnn could not load {path}")
        self._mat = ncnn.Mat

    def run(self, images: np.ndarray) -> List[np.ndarray]:
        """The per-level logit maps ``[(B, D, H_l, W_l)]`` of a ``(B, 3, H, W)`` float32 0..255 batch
        (one image at a time)."""
        outs = []
        for img in np.ascontiguousarray(images, dtype=np.float32):
            with self.net.create_extractor() as ex:
                ex.input("in0", self._mat(img))
                maps = []
                for i in range(len(self.graph_outputs)):
                    ret, out = ex.extract(f"out{i}")
                    if ret:
                        raise RuntimeError(f"ncnn extract of out{i} failed ({ret})")
                    maps.append(np.array(out))
            outs.append(maps)
        return [np.stack([o[i] for o in outs]) for i in range(len(self.graph_outputs))]


class LiteRtDetector(ExportedDetector):
    """An exported daik detector on LiteRT (the TensorFlow Lite interpreter).

    Args:
        path: the ``.tflite`` file.
        threads: interpreter threads (None: LiteRT's choice).
        nms_backend, test_cfg: as :class:`~daik.export.runtime.ExportedDetector`.
    """

    backend = "litert"

    def __init__(self, path: str, threads: Optional[int] = None, nms_backend: str = "auto", **test_cfg):
        from ai_edge_litert.interpreter import Interpreter

        super().__init__(read_file_metadata(path), nms_backend, **test_cfg)
        self.interpreter = Interpreter(model_path=str(path), num_threads=threads)
        self.interpreter.allocate_tensors()
        self._in = self.interpreter.get_input_details()[0]
        self.nhwc = int(self._in["shape"][-1]) == 3
        self.width = self.meta["daik.decode"]["num_classes"] + 4 * (self.meta["daik.decode"]["reg_max"] + 1) \
            + self.meta["daik.decode"]["angle_bins"]

    def run(self, images: np.ndarray) -> List[np.ndarray]:
        """The per-level logit maps ``[(B, D, H_l, W_l)]`` of a ``(B, 3, H, W)`` float32 0..255 batch.
        The converter's NHWC maps are turned back and put in level order (finest first)."""
        x = np.ascontiguousarray(images.transpose(0, 2, 3, 1) if self.nhwc else images, dtype=np.float32)
        if tuple(self._in["shape"]) != x.shape:
            self.interpreter.resize_tensor_input(self._in["index"], list(x.shape))
            self.interpreter.allocate_tensors()
        self.interpreter.set_tensor(self._in["index"], x)
        self.interpreter.invoke()
        maps = [np.array(self.interpreter.get_tensor(o["index"])) for o in self.interpreter.get_output_details()]
        maps = [m.transpose(0, 3, 1, 2) if m.shape[1] != self.width else m for m in maps]
        return sorted(maps, key=lambda m: -m.shape[2] * m.shape[3])


def backend_for(path: str) -> str:
    """The default runtime of a file: ``.xml`` -> openvino, ``.param`` -> ncnn, ``.tflite`` -> litert,
    else onnxruntime."""
    path = str(path)
    for suffix, backend in ((".xml", "openvino"), (".param", "ncnn"), (".tflite", "litert")):
        if path.endswith(suffix):
            return backend
    return "onnxruntime"


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
    if backend == "ncnn":
        return NcnnDetector(path, threads=threads, **kwargs)
    if backend == "litert":
        return LiteRtDetector(path, threads=threads, **kwargs)
    raise ValueError(f"backend must be auto or one of {BACKENDS}, got {backend!r}")
