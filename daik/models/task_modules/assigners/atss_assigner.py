"""ATSS assignment over rotated boxes: YOLOv6's warm-up assigner for the first epochs."""
import torch

from daik.registry import TASK_UTILS

from ..prior_generator import Priors
from .assign_result import AssignResult, BatchGT, build_result, empty_result, keep_one_gt_per_point
from .task_aligned_assigner import MetricFactor, TaskAlignedAssigner, _build, rboxes_contain


@TASK_UTILS.register_module()
class RotatedATSSAssigner:
    """Adaptive training sample selection with anchor boxes around the points.

    Each point carries an axis-aligned square anchor of side ``anchor_scale * stride``. For
    every GT, the ``topk`` points of each level nearest to its centre are candidates; those
    whose anchor IoU with the GT reaches the mean + std of the candidates' IoUs, and that lie
    inside the rotated GT, are positives. A point positive for several GTs keeps the GT of
    largest anchor IoU. Targets are one-hot times the IoU of the predicted box with the GT
    (predictions are ignored otherwise, which is why it suits the first epochs).

    ``metric_factor`` (as in :meth:`TaskAlignedAssigner.assign`) multiplies the anchor IoUs
    before thresholding.

    Args:
        num_classes: number of classes.
        topk: candidates per level and GT.
        anchor_scale: anchor side in strides.
        iou_calculator: rotated IoU strategy.
        eps: numerical floor.
    """

    def __init__(self, num_classes: int, topk: int = 9, anchor_scale: float = 5.0,
                 iou_calculator=dict(type="RBboxOverlaps2D"), eps: float = 1e-9):
        self.num_classes, self.topk, self.anchor_scale, self.eps = num_classes, topk, anchor_scale, eps
        self.iou_calculator = _build(iou_calculator)

    def anchors(self, priors: Priors) -> torch.Tensor:
        """``(N, 5)`` square anchors ``(x, y, s, s, 0)``, ``s = anchor_scale * stride``."""
        side = priors.strides * self.anchor_scale
        return torch.cat([priors.points, side[:, None], side[:, None], torch.zeros_like(side)[:, None]], 1)

    def nearest_candidates(self, priors: Priors, gt: BatchGT) -> torch.Tensor:
        """``(B, M, N)`` bool: the ``topk`` points per level nearest each GT centre."""
        dist = (gt.boxes[..., None, :2] - priors.points).norm(dim=-1)  # (B, M, N)
        cand = torch.zeros_like(dist, dtype=torch.bool)
        start = 0
        for count in priors.num_level_points:
            k = min(self.topk, count)
            idx = dist[..., start:start + count].topk(k, dim=-1, largest=False).indices + start
            cand.scatter_(-1, idx, True)
            start += count
        return cand & gt.pad_mask[..., None]

    @torch.no_grad()
    def assign(self, pred_scores: torch.Tensor, pred_boxes: torch.Tensor, priors: Priors, gt: BatchGT,
               metric_factor: MetricFactor = None) -> AssignResult:
        """Same arguments and result as :meth:`TaskAlignedAssigner.assign`; ``align_metric`` holds
        the (factored) anchor IoU of the candidates."""
        b, n = pred_scores.shape[:2]
        if gt.boxes.shape[1] == 0 or not bool(gt.pad_mask.any()):
            return empty_result(b, n, gt, self.num_classes, pred_scores)
        cand = self.nearest_candidates(priors, gt)
        bi, mi, ni = cand.nonzero(as_tuple=True)
        anchors = self.anchors(priors).to(gt.boxes.dtype)
        anchor_iou = pred_scores.new_zeros(cand.shape)
        iou = self.iou_calculator(gt.boxes[bi, mi], anchors[ni], aligned=True).clamp(min=0)
        iou = iou * TaskAlignedAssigner._factor(metric_factor, bi, mi, ni, cand.shape)
        anchor_iou[bi, mi, ni] = iou.to(anchor_iou.dtype)
        count = cand.sum(-1, keepdim=True).clamp(min=1)
        mean = anchor_iou.sum(-1, keepdim=True) / count
        var = ((anchor_iou - mean).square() * cand).sum(-1, keepdim=True) / (count - 1).clamp(min=1)
        thr = mean + var.sqrt()
        inside = rboxes_contain(priors.points, gt.boxes, self.eps)
        pos = cand & (anchor_iou >= thr) & inside
        pos = keep_one_gt_per_point(pos, anchor_iou)
        overlaps = pred_scores.new_zeros(cand.shape)
        pb, pm, pn = pos.nonzero(as_tuple=True)
        if pb.numel():
            pred_iou = self.iou_calculator(gt.boxes[pb, pm], pred_boxes.detach()[pb, pn], aligned=True)
            overlaps[pb, pm, pn] = pred_iou.clamp(min=0).to(overlaps.dtype)
        point_scores = (overlaps * pos).amax(dim=1)
        return build_result(pos, gt, self.num_classes, point_scores, anchor_iou, overlaps, inside & gt.pad_mask[..., None])
