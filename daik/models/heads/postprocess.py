"""From decoded predictions of one image to its detections in original-image coordinates."""
from typing import Callable, Mapping, Optional, Sequence, Union

import torch
from mmengine.structures import InstanceData

from daik.ops import batched_nms_rotated
from daik.structures import poly2rbox, rbox2poly, regularize_rboxes

DEFAULT_TEST_CFG = dict(score_thr=0.05, nms_pre=2000, nms=dict(iou_threshold=0.1), max_per_img=2000,
                        multi_label=True)


def select_candidates(scores: torch.Tensor, score_thr: float, nms_pre: int, multi_label: bool = True):
    """Pick (point, class) pairs above ``score_thr``, the ``nms_pre`` best.

    Args:
        scores: ``(N, C)`` probabilities.
        score_thr: keep scores strictly above this.
        nms_pre: at most this many pairs (by descending score; <= 0 for no limit).
        multi_label: a point may yield several classes; otherwise only its best class.

    Returns:
        ``point_idx (K,)``, ``labels (K,)``, ``scores (K,)`` sorted by descending score.
    """
    if multi_label:  # row-major over (point, class), as nonzero on (N, C); index_select, not fancy indexing
        flat = scores.reshape(-1)
        keep = (flat > score_thr).nonzero().squeeze(1)
        s = flat.index_select(0, keep)
        pidx, labels = keep.div(scores.shape[-1], rounding_mode="floor"), keep.remainder(scores.shape[-1])
    else:
        s, labels = scores.max(dim=-1)
        pidx = (s > score_thr).nonzero(as_tuple=True)[0]
        s, labels = s[pidx], labels[pidx]
    if 0 < nms_pre < s.numel():
        # the nms_pre best of the stable descending order without sorting every candidate (at a
        # 0.01 threshold a 1024 px patch has ~85,000): everything at or above the nms_pre-th
        # value, in index order, then the stable sort of that handful
        kth = torch.topk(s, nms_pre, sorted=False).values.min()
        top = (s >= kth).nonzero().squeeze(1)
        order = top[s.index_select(0, top).argsort(descending=True, stable=True)][:nms_pre]
    else:
        order = s.argsort(descending=True, stable=True)
    return pidx[order], labels[order], s[order]


def rescale_rboxes(rboxes: torch.Tensor, scale_factor: Optional[Sequence[float]]) -> torch.Tensor:
    """Boxes of the network input back to the original image, which was scaled by
    ``scale_factor = (sx, sy)``: exact for ``sx == sy``; otherwise the corners are scaled and
    the minimum-area rectangle of the resulting parallelogram is taken.

    Args:
        rboxes: ``(K, 5)``.
        scale_factor: ``(sx, sy)`` from original to input, or None (no scaling).
    """
    if scale_factor is None or rboxes.shape[0] == 0:
        return rboxes
    sx, sy = float(scale_factor[0]), float(scale_factor[1])
    if abs(sx - sy) <= 1e-9 * max(abs(sx), abs(sy)):
        out = rboxes.clone()
        out[:, :4] = out[:, :4] / sx
        return out
    poly = rbox2poly(rboxes)
    poly[:, 0::2] = poly[:, 0::2] / sx
    poly[:, 1::2] = poly[:, 1::2] / sy
    return poly2rbox(poly).to(rboxes.dtype)


def postprocess_single(rboxes: Union[torch.Tensor, Callable[[torch.Tensor], torch.Tensor]], scores: torch.Tensor,
                       cfg: Mapping, img_meta: Optional[Mapping] = None, rescale: bool = True) -> InstanceData:
    """Detections of one image.

    Score threshold, ``nms_pre`` best (point, class) pairs, class-wise rotated NMS (skipped
    when ``cfg["nms"]`` is falsy: the path of one-to-one heads), ``max_per_img`` best, then
    rescaled to the original image with ``img_meta["scale_factor"]``.

    Args:
        rboxes: ``(N, 5)`` boxes in input pixels, or a function giving the boxes ``(K, 5)`` of
            the point indices ``(K,)`` it is called with (only the candidates get decoded).
        scores: ``(N, C)`` probabilities.
        cfg: test config (keys of :data:`DEFAULT_TEST_CFG`).
        img_meta: the data sample's metainfo.
        rescale: map back to the original image.

    Returns:
        ``InstanceData`` with ``bboxes (K, 5)``, ``scores (K,)``, ``labels (K,)``.
    """
    cfg = {**DEFAULT_TEST_CFG, **dict(cfg or {})}
    pidx, labels, s = select_candidates(scores.detach(), cfg["score_thr"], cfg["nms_pre"], cfg["multi_label"])
    boxes = (rboxes.detach()[pidx] if isinstance(rboxes, torch.Tensor) else rboxes(pidx)).float()
    if cfg["nms"] and boxes.shape[0] > 0:
        keep = batched_nms_rotated(boxes, s.float(), labels, cfg["nms"]["iou_threshold"])
        keep = keep.to(boxes.device)
    else:
        keep = torch.arange(boxes.shape[0], device=boxes.device)
    keep = keep[: cfg["max_per_img"]]
    boxes, s, labels = boxes[keep], s[keep], labels[keep]
    if rescale and img_meta is not None:
        boxes = rescale_rboxes(boxes, img_meta.get("scale_factor"))
    result = InstanceData()
    result.bboxes = regularize_rboxes(boxes)
    result.scores = s.float()
    result.labels = labels.long()
    return result
