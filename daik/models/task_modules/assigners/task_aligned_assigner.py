"""Task-aligned assignment (TOOD), horizontal base and the rotated override."""
from typing import Callable, Union

import torch

from daik.registry import TASK_UTILS

from ..prior_generator import Priors
from .assign_result import AssignResult, BatchGT, build_result, empty_result, keep_one_gt_per_point

MetricFactor = Union[None, torch.Tensor, Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]]


def _build(cfg):
    return TASK_UTILS.build(cfg) if isinstance(cfg, dict) else cfg


@TASK_UTILS.register_module()
class TaskAlignedAssigner:
    """Task-aligned assigner over axis-aligned boxes ``(x1, y1, x2, y2)``.

    For every ground truth, its candidates are the points inside it; each candidate gets the
    metric ``t = s^alpha * IoU^beta (* factor)``, with ``s`` the predicted score of the GT's
    class and IoU that of the predicted box with the GT. The ``topk`` candidates by ``t`` are
    positives; a point positive for several GTs keeps the one of largest IoU (``resolve="iou"``)
    or metric (``"metric"``). A positive's classification target is TOOD's normalised metric
    ``t * max_IoU(gt) / max_t(gt)`` (maxima over the GT's positives).

    Subclasses change the box type by overriding :meth:`points_inside` and the default IoU.

    Args:
        num_classes: number of classes.
        topk: positives per ground truth.
        alpha: exponent of the score.
        beta: exponent of the IoU.
        iou_calculator: config (or object) of a callable ``(boxes1, boxes2, aligned) -> IoU``.
        resolve: ``"iou"`` or ``"metric"``.
        eps: numerical floor.
    """

    default_iou = dict(type="BboxOverlaps2D")

    def __init__(self, num_classes: int, topk: int = 13, alpha: float = 1.0, beta: float = 6.0,
                 iou_calculator=None, resolve: str = "iou", eps: float = 1e-9):
        if resolve not in ("iou", "metric"):
            raise ValueError(f"resolve must be 'iou' or 'metric', got {resolve!r}")
        self.num_classes = num_classes
        self.topk, self.alpha, self.beta, self.eps = topk, alpha, beta, eps
        self.resolve = resolve
        self.iou_calculator = _build(iou_calculator if iou_calculator is not None else self.default_iou)

    def points_inside(self, points: torch.Tensor, boxes: torch.Tensor) -> torch.Tensor:
        """``(N, 2), (B, M, 4) -> (B, M, N)`` bool: point strictly inside the box."""
        x, y = points[:, 0], points[:, 1]
        b = boxes[..., None, :]  # (B, M, 1, 4)
        d = torch.stack([x - b[..., 0], y - b[..., 1], b[..., 2] - x, b[..., 3] - y], dim=-1)
        return d.amin(dim=-1) > self.eps

    @torch.no_grad()
    def assign(self, pred_scores: torch.Tensor, pred_boxes: torch.Tensor, priors: Priors, gt: BatchGT,
               metric_factor: MetricFactor = None) -> AssignResult:
        """Assign points to ground truths.

        Args:
            pred_scores: ``(B, N, C)`` class probabilities (after sigmoid).
            pred_boxes: ``(B, N, D)`` decoded predicted boxes in input pixels.
            priors: the anchor points (``priors.points`` ``(N, 2)``).
            gt: padded ground truth, boxes ``(B, M, D)``.
            metric_factor: extra multiplicative factor of the metric: a tensor broadcastable to
                ``(B, M, N)``, or a callable ``f(batch_idx, gt_idx, point_idx) -> (K,)`` called
                on the ``K`` candidate pairs only.

        Returns:
            :class:`AssignResult`.
        """
        b, n = pred_scores.shape[:2]
        if gt.boxes.shape[1] == 0 or not bool(gt.pad_mask.any()):
            return empty_result(b, n, gt, self.num_classes, pred_scores)
        cand = self.points_inside(priors.points, gt.boxes) & gt.pad_mask[..., None]  # (B, M, N)
        metric, overlaps = self.candidate_metric(pred_scores, pred_boxes, gt, cand, metric_factor)
        return self._result(self.select_topk(metric, cand), metric, overlaps, gt, cand)

    @torch.no_grad()
    def assign_guided(self, pred_scores: torch.Tensor, pred_boxes: torch.Tensor, guide_scores: torch.Tensor,
                      guide_boxes: torch.Tensor, priors: Priors, gt: BatchGT, metric_factor: MetricFactor = None,
                      guide_factor: MetricFactor = None, guide_targets: bool = False, union: bool = False):
        """Guided ("mutual") assignment: another model's metric picks the positives.

        The guide's metric (its scores and boxes, times ``guide_factor``) ranks each GT's
        candidates and its top-k are the positives; a point positive for several GTs is
        resolved by the predictions' own IoU (or metric), and the soft targets are the
        predictions' own normalised metric on those positives (the guide's with
        ``guide_targets``). With the guide equal to the predictions this is :meth:`assign`
        exactly.

        Args:
            pred_scores, pred_boxes, priors, gt, metric_factor: as in :meth:`assign`.
            guide_scores: ``(B, N, C)`` the guide's class probabilities.
            guide_boxes: ``(B, N, D)`` the guide's decoded boxes.
            guide_factor: the guide's extra metric factor.
            guide_targets: the soft targets are the guide's normalised metric.
            union: the positives are the guide's top-k and the predictions' own top-k together
                (daik's variant; a point either metric ranks high is never a negative).

        Returns:
            ``(AssignResult, guide_metric (B, M, N), guide_overlaps (B, M, N))``.
        """
        b, n = pred_scores.shape[:2]
        if gt.boxes.shape[1] == 0 or not bool(gt.pad_mask.any()):
            res = empty_result(b, n, gt, self.num_classes, pred_scores)
            return res, res.align_metric, res.overlaps
        cand = self.points_inside(priors.points, gt.boxes) & gt.pad_mask[..., None]  # (B, M, N)
        metric, overlaps = self.candidate_metric(pred_scores, pred_boxes, gt, cand, metric_factor)
        g_metric, g_overlaps = self.candidate_metric(guide_scores, guide_boxes, gt, cand, guide_factor)
        targets = (g_metric, g_overlaps) if guide_targets else None
        pos = self.select_topk(g_metric, cand)
        if union:
            pos = pos | self.select_topk(metric, cand)
        res = self._result(pos, metric, overlaps, gt, cand, targets)
        return res, g_metric, g_overlaps

    def candidate_metric(self, pred_scores: torch.Tensor, pred_boxes: torch.Tensor, gt: BatchGT,
                         cand: torch.Tensor, metric_factor: MetricFactor = None):
        """``(B, M, N)`` metric ``s^alpha * IoU^beta * factor`` and IoU of the candidate pairs
        (zero elsewhere)."""
        pred_scores, pred_boxes = pred_scores.detach(), pred_boxes.detach()
        bi, mi, ni = cand.nonzero(as_tuple=True)
        overlaps = pred_scores.new_zeros(cand.shape)
        metric = pred_scores.new_zeros(cand.shape)
        if bi.numel():
            iou = self.iou_calculator(gt.boxes[bi, mi], pred_boxes[bi, ni], aligned=True).clamp(min=0)
            score = pred_scores[bi, ni, gt.labels[bi, mi]]
            t = score.pow(self.alpha) * iou.pow(self.beta)
            t = t * self._factor(metric_factor, bi, mi, ni, cand.shape)
            overlaps[bi, mi, ni] = iou.to(overlaps.dtype)
            metric[bi, mi, ni] = t.to(metric.dtype)
        return metric, overlaps

    def _result(self, pos: torch.Tensor, metric: torch.Tensor, overlaps: torch.Tensor, gt: BatchGT,
                cand: torch.Tensor, targets=None) -> AssignResult:
        """The result of the positives ``pos``; ``targets``: another ``(metric, overlaps)`` whose
        normalised metric is the soft target."""
        pos = keep_one_gt_per_point(pos, overlaps if self.resolve == "iou" else metric)
        t_metric, t_overlaps = targets if targets is not None else (metric, overlaps)
        return build_result(pos, gt, self.num_classes, self.normalised_scores(t_metric, t_overlaps, pos),
                            metric, overlaps, cand)

    @staticmethod
    def _factor(metric_factor: MetricFactor, bi, mi, ni, shape) -> torch.Tensor:
        if metric_factor is None:
            return torch.ones((), device=bi.device)
        if callable(metric_factor):
            return metric_factor(bi, mi, ni).detach()
        return metric_factor.detach().expand(shape)[bi, mi, ni]

    def select_topk(self, metric: torch.Tensor, cand: torch.Tensor) -> torch.Tensor:
        """``(B, M, N)`` metric and candidates -> ``(B, M, N)`` the top-k candidates per GT."""
        k = min(self.topk, metric.shape[-1])
        ranked = torch.where(cand, metric, torch.full_like(metric, -1.0))
        idx = ranked.topk(k, dim=-1).indices  # (B, M, k)
        top = torch.zeros_like(cand).scatter_(-1, idx, True)
        return top & cand

    def normalised_scores(self, metric: torch.Tensor, overlaps: torch.Tensor, pos: torch.Tensor) -> torch.Tensor:
        """TOOD's target ``t * max_IoU / max_t`` per GT, reduced to ``(B, N)``."""
        metric = metric * pos
        max_metric = metric.amax(dim=-1, keepdim=True)  # (B, M, 1)
        max_iou = (overlaps * pos).amax(dim=-1, keepdim=True)
        return (metric * max_iou / (max_metric + self.eps)).amax(dim=1)


@TASK_UTILS.register_module()
class RotatedTaskAlignedAssigner(TaskAlignedAssigner):
    """:class:`TaskAlignedAssigner` over rotated boxes ``(cx, cy, w, h, theta)``: candidates are
    the points inside the rotated box (not its horizontal hull), IoU is exact rotated IoU."""

    default_iou = dict(type="RBboxOverlaps2D")

    def points_inside(self, points: torch.Tensor, boxes: torch.Tensor) -> torch.Tensor:
        """``(N, 2), (B, M, 5) -> (B, M, N)`` bool: point strictly inside the rotated box."""
        return rboxes_contain(points, boxes, self.eps)


def rboxes_contain(points: torch.Tensor, boxes: torch.Tensor, eps: float = 1e-9) -> torch.Tensor:
    """``(N, 2), (B, M, 5) -> (B, M, N)`` bool: every side distance of the point (see
    :class:`RBoxDistanceCoder`) exceeds ``eps``."""
    dx = points[:, 0] - boxes[..., 0, None]  # (B, M, N)
    dy = points[:, 1] - boxes[..., 1, None]
    cos, sin = torch.cos(boxes[..., 4, None]), torch.sin(boxes[..., 4, None])
    pu = dx * cos + dy * sin
    pv = dy * cos - dx * sin
    return (pu.abs() < boxes[..., 2, None] / 2 - eps) & (pv.abs() < boxes[..., 3, None] / 2 - eps)
