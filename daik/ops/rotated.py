"""Rotated-box IoU and NMS: the Python face of ``torch.ops.daik.*``.

Boxes follow daik's convention ``(cx, cy, w, h, theta)`` (see :mod:`daik.structures`).
"""
import torch

from ._ext import load_ops, use_reference_ops

_MODES = ("iou", "iof")


def _check_boxes(name: str, boxes: torch.Tensor) -> None:
    if not isinstance(boxes, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(boxes).__name__}")
    if boxes.dim() != 2 or boxes.shape[1] != 5:
        raise ValueError(f"{name} must have shape (N, 5) as (cx, cy, w, h, theta), got {tuple(boxes.shape)}")
    if boxes.dtype not in (torch.float32, torch.float64):
        raise TypeError(f"{name} must be float32 or float64, got {boxes.dtype}")


def box_iou_rotated(boxes1: torch.Tensor, boxes2: torch.Tensor, mode: str = "iou",
                    aligned: bool = False) -> torch.Tensor:
    """IoU (or IoF) of rotated boxes, differentiable w.r.t. both inputs.

    Args:
        boxes1: ``(N, 5)`` float32/float64, CPU or CUDA.
        boxes2: ``(M, 5)`` same dtype and device.
        mode: ``"iou"`` (intersection over union) or ``"iof"`` (over the area of ``boxes1``).
        aligned: compare ``boxes1[i]`` with ``boxes2[i]`` only (needs ``N == M``).

    Returns:
        ``(N, M)``, or ``(N,)`` when aligned. Pairs whose denominator is zero (zero-size
        boxes) get 0; a box with a NaN or inf gives NaN in its row/column. A negative size
        covers the same region as its absolute value.

    The gradient is exact wherever the intersection polygon is in general position; where
    the IoU has a kink (boxes touching, edges exactly collinear, a zero size) it is a
    one-sided one. Disjoint pairs and pairs whose upstream gradient is 0 contribute nothing
    (so a masked-out NaN box does not spread NaN). First order only.
    """
    _check_boxes("boxes1", boxes1)
    _check_boxes("boxes2", boxes2)
    if mode not in _MODES:
        raise ValueError(f"mode must be one of {_MODES}, got {mode!r}")
    if boxes1.dtype != boxes2.dtype or boxes1.device != boxes2.device:
        raise ValueError(
            f"boxes1 and boxes2 must share dtype and device, got {boxes1.dtype}/{boxes1.device} "
            f"and {boxes2.dtype}/{boxes2.device}"
        )
    if aligned and boxes1.shape[0] != boxes2.shape[0]:
        raise ValueError(f"aligned IoU needs as many boxes1 as boxes2, got {boxes1.shape[0]} and {boxes2.shape[0]}")
    if use_reference_ops():
        from .reference import box_iou_rotated_ref

        return box_iou_rotated_ref(boxes1, boxes2, mode, aligned)
    return load_ops().box_iou_rotated(boxes1, boxes2, mode, aligned)


def nms_rotated(boxes: torch.Tensor, scores: torch.Tensor, iou_threshold: float) -> torch.Tensor:
    """Greedy rotated NMS.

    Args:
        boxes: ``(N, 5)``.
        scores: ``(N,)``, same dtype and device.
        iou_threshold: a box is dropped when its IoU with a kept, higher-scored box is
            greater than this (strictly).

    Returns:
        ``(K,)`` int64 indices of the kept boxes, by descending score (ties by index). A box
        with a NaN coordinate has NaN IoU with everything, so it neither suppresses nor is
        suppressed; zero-size boxes likewise (IoU 0).
    """
    return _nms(boxes, scores, iou_threshold, None)


def batched_nms_rotated(boxes: torch.Tensor, scores: torch.Tensor, idxs: torch.Tensor,
                        iou_threshold: float) -> torch.Tensor:
    """Rotated NMS done independently per category ``idxs`` (``(N,)`` integers).

    Boxes of different categories never suppress each other. Indices by descending score.
    """
    if not isinstance(idxs, torch.Tensor) or idxs.shape != scores.shape:
        raise ValueError(f"idxs must be a tensor shaped like scores {tuple(scores.shape)}")
    return _nms(boxes, scores, iou_threshold, idxs.to(device=boxes.device, dtype=torch.long))


def _nms(boxes, scores, iou_threshold, labels):
    _check_boxes("boxes", boxes)
    if not isinstance(scores, torch.Tensor) or scores.dim() != 1 or scores.shape[0] != boxes.shape[0]:
        raise ValueError(f"scores must be a tensor of shape ({boxes.shape[0]},), got {getattr(scores, 'shape', scores)}")
    if scores.device != boxes.device:
        raise ValueError(f"scores must be on the device of boxes ({boxes.device}), got {scores.device}")
    scores = scores.to(boxes.dtype)
    if use_reference_ops():
        from .reference import nms_rotated_ref

        return nms_rotated_ref(boxes.detach(), scores.detach(), float(iou_threshold), labels)
    return load_ops().nms_rotated(boxes.detach(), scores.detach(), float(iou_threshold), labels)
