"""IoU strategies handed to assigners by config (``iou_calculator=dict(type=...)``)."""
import torch

from daik.ops import box_iou_rotated
from daik.registry import TASK_UTILS


@TASK_UTILS.register_module()
class RBboxOverlaps2D:
    """Exact rotated IoU of ``(cx, cy, w, h, theta)`` boxes via :func:`daik.ops.box_iou_rotated`."""

    def __call__(self, boxes1: torch.Tensor, boxes2: torch.Tensor, aligned: bool = False) -> torch.Tensor:
        """``(N, 5), (M, 5) -> (N, M)``, or ``(N,)`` when aligned."""
        if boxes1.shape[0] == 0 or boxes2.shape[0] == 0:
            shape = (boxes1.shape[0],) if aligned else (boxes1.shape[0], boxes2.shape[0])
            return boxes1.new_zeros(shape)
        return box_iou_rotated(boxes1, boxes2, aligned=aligned)


@TASK_UTILS.register_module()
class BboxOverlaps2D:
    """IoU of axis-aligned ``(x1, y1, x2, y2)`` boxes."""

    def __call__(self, boxes1: torch.Tensor, boxes2: torch.Tensor, aligned: bool = False) -> torch.Tensor:
        """``(N, 4), (M, 4) -> (N, M)``, or ``(N,)`` when aligned."""
        if not aligned:
            boxes1, boxes2 = boxes1[:, None], boxes2[None]
        lt = torch.maximum(boxes1[..., :2], boxes2[..., :2])
        rb = torch.minimum(boxes1[..., 2:], boxes2[..., 2:])
        inter = (rb - lt).clamp(min=0).prod(-1)
        area1 = (boxes1[..., 2:] - boxes1[..., :2]).clamp(min=0).prod(-1)
        area2 = (boxes2[..., 2:] - boxes2[..., :2]).clamp(min=0).prod(-1)
        union = area1 + area2 - inter
        return torch.where(union > 0, inter / union.clamp(min=1e-12), torch.zeros_like(inter))
