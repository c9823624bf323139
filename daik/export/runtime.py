"""Running an exported detector: the runtime-independent runner and its onnxruntime backend.

:class:`ExportedDetector` holds what every runtime shares; :class:`OnnxDetector` (onnxruntime)
and the runners of :mod:`daik.export.backends` (OpenVINO, ...) only open the file and run the
graph. Each reads the metadata :func:`daik.export.export_onnx` wrote, resizes and
pads an RGB image to the model's input, runs it and post-processes in numpy as the detector's
``postprocess_single`` does: score threshold, the ``nms_pre`` best (point, class) pairs,
class-wise rotated NMS (:func:`daik.ops.batched_nms_rotated` when daik's compiled ops load,
:func:`daik.export.numpy_nms.nms_rotated_np` otherwise), the ``max_per_img`` best, boxes back
in the original image's pixels. An end-to-end (NMS-free) model needs only the threshold.
Nothing here imports torch unless the daik NMS is used.
"""
import json
import os
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from .numpy_decode import decode_raw, topk_rows
from .numpy_nms import nms_rotated_np

DEFAULT_TEST_CFG = dict(score_thr=0.05, nms_pre=2000, nms=dict(iou_threshold=0.1), max_per_img=2000,
                        multi_label=True)


def read_metadata(session) -> Dict[str, object]:
    """The ``daik.*`` metadata of an onnxruntime session's model, JSON-decoded."""
    props = session.get_modelmeta().custom_metadata_map
    return {k: json.loads(v) for k, v in props.items() if k.startswith("daik.")}


def daik_nms_available() -> bool:
    """True when :mod:`daik.ops` imports with its compiled extension."""
    try:
        from daik.ops import has_extension

        return bool(has_extension())
    except Exception:  # noqa: BLE001 - no torch, no build: the numpy NMS takes over
        return False


def batched_nms(boxes: np.ndarray, scores: np.ndarray, labels: np.ndarray, iou_thr: float, backend: str) -> np.ndarray:
    """Kept indices of class-wise rotated NMS with the ``"daik"`` or ``"numpy"`` backend."""
    if backend == "daik":
        import torch

        from daik.ops import batched_nms_rotated

        return batched_nms_rotated(torch.from_numpy(boxes.astype(np.float32)), torch.from_numpy(scores.astype(np.float32)),
                                   torch.from_numpy(labels.astype(np.int64)), iou_thr).numpy()
    return nms_rotated_np(boxes, scores, iou_thr, labels)


def letterbox(img: np.ndarray, size: Tuple[int, int], divisor: int = 32, fixed: bool = True):
    """Resize ``(H, W, 3)`` uint8 keeping its aspect ratio to fit ``size = (h, w)`` and pad at
    the bottom/right (to ``size`` when ``fixed``, else to a multiple of ``divisor``).

    Returns:
        ``(1, 3, H', W')`` float32 input and the scale factor applied to the image.
    """
    h, w = img.shape[:2]
    scale = min(size[0] / h, size[1] / w)
    nh, nw = max(1, int(round(h * scale))), max(1, int(round(w * scale)))
    if (nh, nw) != (h, w):
        import cv2

        img = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_LINEAR)
    ph, pw = (size if fixed else (-(-nh // divisor) * divisor, -(-nw // divisor) * divisor))
    out = np.zeros((1, 3, ph, pw), dtype=np.float32)
    out[0, :, :nh, :nw] = np.transpose(img[..., :3], (2, 0, 1))
    return out, nw / w


def select_candidates(scores: np.ndarray, score_thr: float, nms_pre: int, multi_label: bool):
    """``(point_idx, labels, scores)`` above ``score_thr`` by descending score, at most ``nms_pre``."""
    if multi_label:
        pidx, labels = np.nonzero(scores > score_thr)
        s = scores[pidx, labels]
    else:
        labels, s = scores.argmax(-1), scores.max(-1)
        pidx = np.flatnonzero(s > score_thr)
        labels, s = labels[pidx], s[pidx]
    order = np.argsort(-s, kind="stable")
    if nms_pre > 0:
        order = order[:nms_pre]
    return pidx[order], labels[order], s[order]


def read_file_metadata(path: str) -> Dict[str, object]:
    """The ``daik.*`` metadata of an exported file: an ``.onnx`` file's own ``metadata_props``,
    else the JSON file beside it (:func:`metadata_path`) that :mod:`daik.export.targets` writes."""
    path = str(path)
    if path.endswith(".onnx"):
        import onnx

        proto = onnx.load(path, load_external_data=False)
        return {p.key: json.loads(p.value) for p in proto.metadata_props if p.key.startswith("daik.")}
    side = metadata_path(path)
    try:
        with open(side) as f:
            return json.load(f)
    except FileNotFoundError:
        raise ValueError(f"{path} has no daik metadata ({side}); export it with daik export") from None


def metadata_path(path: str) -> str:
    """``model.xml`` / ``model.ncnn.param`` / ``model.tflite`` -> ``<stem>.daik.json`` beside it."""
    return os.path.splitext(str(path))[0] + ".daik.json"


class ExportedDetector:
    """The runtime-independent half of every runner: the metadata, the pre-processing (letterbox
    to the exported size, RGB 0..255 float32 NCHW) and the numpy post-processing (threshold,
    candidates, class-wise rotated NMS, or the threshold alone for an end-to-end model). A
    subclass opens its runtime and implements :meth:`run`.

    Args:
        meta: the file's ``daik.*`` metadata (:func:`read_file_metadata`).
        nms_backend: ``"auto"`` (daik's compiled NMS when it loads, else numpy), ``"daik"`` or ``"numpy"``.
        **test_cfg: overrides of the recorded post-process config (``score_thr``, ``nms_pre``,
            ``nms``, ``max_per_img``, ``multi_label``).
    """

    backend = ""

    def __init__(self, meta: Dict[str, object], nms_backend: str = "auto", **test_cfg):
        if "daik.input" not in meta:
            raise ValueError("the model has no daik metadata; export it with daik export")
        self.meta = meta
        self.input = meta["daik.input"]
        self.end_to_end = bool(meta.get("daik.end_to_end", False))
        self.decode = dict(meta.get("daik.decode") or {"inside": True})
        self.class_names = tuple(meta.get("daik.classes") or ())
        self.test_cfg = {**DEFAULT_TEST_CFG, **dict(meta.get("daik.test_cfg") or {}), **test_cfg}
        if nms_backend not in ("auto", "daik", "numpy"):
            raise ValueError(f"nms_backend must be auto, daik or numpy, got {nms_backend!r}")
        self.nms_backend = ("daik" if daik_nms_available() else "numpy") if nms_backend == "auto" else nms_backend

    @property
    def output_names(self) -> Tuple[str, ...]:
        """The outputs :meth:`forward` returns, in this order."""
        return ("detections",) if self.end_to_end else ("rboxes", "scores")

    @property
    def graph_outputs(self) -> Tuple[str, ...]:
        """The outputs :meth:`run` returns (the graph's own), in this order."""
        return self.output_names if self.decode["inside"] else tuple(f"raw{i}" for i in range(len(self.decode["strides"])))

    def forward(self, images: np.ndarray) -> List[np.ndarray]:
        """:attr:`output_names` of a ``(B, 3, H, W)`` float32 0..255 batch: the graph's outputs,
        or its logits decoded (and, end to end, the top K picked) in numpy when it stops there."""
        outs = self.run(images)
        if self.decode["inside"]:
            return outs
        dec = [decode_raw([o[b] for o in outs], self.decode) for b in range(len(images))]
        if self.end_to_end:
            k = int(self.meta.get("daik.topk") or 300)
            return [np.stack([topk_rows(b, s, k, self.decode.get("multi_label", False)) for b, s in dec])]
        return [np.stack([b for b, _ in dec]), np.stack([s for _, s in dec])]

    @property
    def input_size(self) -> Tuple[int, int]:
        """``(H, W)`` the model was exported at (the fixed size, or the nominal one)."""
        return tuple(self.input["size"])

    def run(self, images: np.ndarray) -> List[np.ndarray]:
        """The graph's outputs (:attr:`graph_outputs`) of a ``(B, 3, H, W)`` float32 0..255 batch."""
        raise NotImplementedError

    def preprocess(self, img: np.ndarray) -> Tuple[np.ndarray, float]:
        """``(H, W, 3)`` uint8 RGB -> the model's ``(B, 3, H', W')`` input and the scale applied."""
        x, scale = letterbox(img, self.input_size, self.input.get("size_divisor", 32),
                             fixed=not self.input.get("dynamic_size", False))
        batch = self.input.get("batch")
        if batch and batch > 1:  # a fixed batch larger than one: fill it with copies
            x = np.repeat(x, batch, axis=0)
        return x, scale

    def __call__(self, img: np.ndarray) -> Dict[str, np.ndarray]:
        """Detections of one ``(H, W, 3)`` uint8 RGB image, in its pixels.

        Returns:
            ``{"bboxes": (K, 5) float32, "scores": (K,) float32, "labels": (K,) int64}``.
        """
        x, scale = self.preprocess(img)
        outs = self.forward(x)
        if self.end_to_end:
            dets = self.postprocess_e2e(outs[0][0])
        else:
            dets = self.postprocess(outs[0][0], outs[1][0])
        dets["bboxes"][:, :4] /= scale
        return dets

    def postprocess_e2e(self, det: np.ndarray) -> Dict[str, np.ndarray]:
        """``(K, 7)`` rows of an end-to-end model -> those above the threshold, at most ``max_per_img``."""
        keep = (det[:, 5] > self.test_cfg["score_thr"]) & (det[:, 6] >= 0)
        det = det[keep][: self.test_cfg["max_per_img"]]
        return {"bboxes": det[:, :5].astype(np.float32), "scores": det[:, 5].astype(np.float32),
                "labels": det[:, 6].astype(np.int64)}

    def postprocess(self, rboxes: np.ndarray, scores: np.ndarray) -> Dict[str, np.ndarray]:
        """``rboxes (N, 5)``, ``scores (N, C)`` -> detections (input pixels)."""
        cfg = self.test_cfg
        pidx, labels, s = select_candidates(scores, cfg["score_thr"], cfg["nms_pre"], cfg["multi_label"])
        boxes = rboxes[pidx]
        if cfg["nms"] and len(boxes):
            keep = batched_nms(boxes, s, labels, cfg["nms"]["iou_threshold"], self.nms_backend)
        else:
            keep = np.arange(len(boxes))
        keep = keep[: cfg["max_per_img"]]
        return {"bboxes": boxes[keep].astype(np.float32), "scores": s[keep].astype(np.float32),
                "labels": labels[keep].astype(np.int64)}


class OnnxDetector(ExportedDetector):
    """An exported daik detector on onnxruntime (see the module docstring).

    Args:
        path: the ``.onnx`` file (FP32, FP16 or INT8).
        providers: onnxruntime execution providers (default CPU).
        threads: intra-op threads (None: onnxruntime's choice).
        nms_backend, test_cfg: as :class:`ExportedDetector`.
    """

    backend = "onnxruntime"

    def __init__(self, path: str, providers: Optional[Sequence[str]] = None, threads: Optional[int] = None,
                 nms_backend: str = "auto", **test_cfg):
        import onnxruntime as ort

        opts = ort.SessionOptions()
        if threads:
            opts.intra_op_num_threads = int(threads)
            opts.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(path), opts, providers=list(providers or ["CPUExecutionProvider"]))
        meta = read_metadata(self.session)
        if "daik.input" not in meta:
            raise ValueError(f"{path} has no daik metadata; export it with daik export")
        super().__init__(meta, nms_backend, **test_cfg)
        self.input_name = self.session.get_inputs()[0].name

    def run(self, images: np.ndarray) -> List[np.ndarray]:
        """The raw outputs of a ``(B, 3, H, W)`` float32 0..255 batch."""
        return self.session.run(None, {self.input_name: np.ascontiguousarray(images, dtype=np.float32)})
