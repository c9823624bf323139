"""What assigners take (:class:`BatchGT`) and give (:class:`AssignResult`), and the steps all
of them share: one ground truth per point, and the soft classification targets."""
from dataclasses import dataclass, fields
from typing import Sequence

import torch
import torch.nn.functional as F


@dataclass
class BatchGT:
    """Ground truth of a batch, padded to the largest count ``M``.

    Attributes:
        boxes: ``(B, M, D)`` (``D = 5`` rboxes; 4 for the horizontal base assigner).
        labels: ``(B, M)`` int64.
        pad_mask: ``(B, M)`` bool, True for real boxes.
    """

    boxes: torch.Tensor
    labels: torch.Tensor
    pad_mask: torch.Tensor

    @classmethod
    def from_lists(cls, boxes: Sequence[torch.Tensor], labels: Sequence[torch.Tensor],
                   box_dim: int = 5, device=None) -> "BatchGT":
        """Pad per-image ``(M_i, D)`` boxes and ``(M_i,)`` labels into one batch."""
        b = len(boxes)
        m = max([len(x) for x in boxes], default=0)
        dev = device if device is not None else (boxes[0].device if b else "cpu")
        dtype = boxes[0].dtype if b and boxes[0].is_floating_point() else torch.float32
        out_b = torch.zeros(b, m, box_dim, dtype=dtype, device=dev)
        out_l = torch.zeros(b, m, dtype=torch.long, device=dev)
        mask = torch.zeros(b, m, dtype=torch.bool, device=dev)
        for i, (bx, lb) in enumerate(zip(boxes, labels)):
            n = len(bx)
            out_b[i, :n] = bx.to(dev, dtype).reshape(n, box_dim)
            out_l[i, :n] = lb.to(dev).long().reshape(n)
            mask[i, :n] = True
        return cls(out_b, out_l, mask)


@dataclass
class AssignResult:
    """Assignment of ``N`` points to ``M`` (padded) ground truths for ``B`` images.

    Attributes:
        fg_mask: ``(B, N)`` bool, positives.
        gt_index: ``(B, N)`` int64 index of the assigned ground truth, -1 for background.
        labels: ``(B, N)`` int64 class, ``num_classes`` for background.
        boxes: ``(B, N, D)`` assigned ground-truth boxes (zeros for background).
        scores: ``(B, N, C)`` normalised soft classification targets (zero for background).
        align_metric: ``(B, M, N)`` alignment metric of every candidate (GT, point) pair
            (``s^alpha * IoU^beta`` times any extra factor for the task-aligned assigner;
            the anchor IoU for ATSS), zero for non-candidates.
        overlaps: ``(B, M, N)`` IoU of the predicted box with the GT over candidates.
        candidate_mask: ``(B, M, N)`` pairs whose point lies inside the (real) GT.
        pos_mask: ``(B, M, N)`` the final positive pairs (at most one GT per point).
        pad_mask: ``(B, M)`` real ground truths.
    """

    fg_mask: torch.Tensor
    gt_index: torch.Tensor
    labels: torch.Tensor
    boxes: torch.Tensor
    scores: torch.Tensor
    align_metric: torch.Tensor
    overlaps: torch.Tensor
    candidate_mask: torch.Tensor
    pos_mask: torch.Tensor
    pad_mask: torch.Tensor

    @property
    def num_pos(self) -> int:
        return int(self.fg_mask.sum())

    def detach(self) -> "AssignResult":
        return AssignResult(**{f.name: getattr(self, f.name).detach() for f in fields(self)})


def keep_one_gt_per_point(pos: torch.Tensor, rank: torch.Tensor) -> torch.Tensor:
    """Where a point is positive for several GTs, keep the one with the largest ``rank``.

    Args:
        pos: ``(B, M, N)`` bool.
        rank: ``(B, M, N)`` (IoU or metric).

    Returns:
        ``(B, M, N)`` bool with at most one True per ``(b, n)``.
    """
    multi = pos.sum(dim=1, keepdim=True) > 1  # (B, 1, N)
    if not bool(multi.any()):
        return pos
    best = torch.where(pos, rank, torch.full_like(rank, -1.0)).argmax(dim=1)  # (B, N)
    one = F.one_hot(best, pos.shape[1]).permute(0, 2, 1).bool()  # (B, M, N)
    return torch.where(multi, one & pos, pos)


def build_result(pos: torch.Tensor, gt: BatchGT, num_classes: int, point_scores: torch.Tensor,
                 align_metric: torch.Tensor, overlaps: torch.Tensor,
                 candidate_mask: torch.Tensor) -> AssignResult:
    """Targets from the final positive pairs.

    Args:
        pos: ``(B, M, N)`` bool, at most one GT per point.
        gt: the padded ground truth.
        num_classes: number of classes ``C``.
        point_scores: ``(B, N)`` soft target of each positive point (its class gets it).
        align_metric, overlaps, candidate_mask: ``(B, M, N)``, stored as they are.
    """
    fg = pos.any(dim=1)  # (B, N)
    idx = pos.to(torch.uint8).argmax(dim=1)  # (B, N)
    gt_index = torch.where(fg, idx, torch.full_like(idx, -1))
    labels = gt.labels.gather(1, idx)
    labels = torch.where(fg, labels, torch.full_like(labels, num_classes))
    boxes = gt.boxes.gather(1, idx[..., None].expand(-1, -1, gt.boxes.shape[-1]))
    boxes = torch.where(fg[..., None], boxes, torch.zeros_like(boxes))
    one_hot = F.one_hot(labels, num_classes + 1)[..., :num_classes].to(point_scores.dtype)
    scores = one_hot * torch.where(fg, point_scores, torch.zeros_like(point_scores))[..., None]
    return AssignResult(fg, gt_index, labels, boxes, scores, align_metric, overlaps, candidate_mask,
                        pos, gt.pad_mask)


def empty_result(b: int, n: int, gt: BatchGT, num_classes: int, like: torch.Tensor) -> AssignResult:
    """Every point background (no ground truth in the batch)."""
    m = gt.boxes.shape[1]
    zeros = like.new_zeros((b, m, n))
    return AssignResult(
        fg_mask=torch.zeros(b, n, dtype=torch.bool, device=like.device),
        gt_index=torch.full((b, n), -1, dtype=torch.long, device=like.device),
        labels=torch.full((b, n), num_classes, dtype=torch.long, device=like.device),
        boxes=like.new_zeros((b, n, gt.boxes.shape[-1])),
        scores=like.new_zeros((b, n, num_classes)),
        align_metric=zeros, overlaps=zeros.clone(),
        candidate_mask=zeros.bool(), pos_mask=zeros.bool(), pad_mask=gt.pad_mask)
