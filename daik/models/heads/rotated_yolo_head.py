"""The rotated YOLOv6 head: decoupled cls / DFL-distance / CSL-angle branches, task-aligned
assignment and its losses, each step a method a distiller can call on its own.

Training, step by step (what :meth:`RotatedYOLOv6Head.loss_and_state` does)::

    raw = head.predict_raw(feats)              # RawPreds: per-level maps + flattened logits
    dec = head.decode(raw)                     # DecodedPreds: scores, distances, angles, rboxes
    gt = head.gt_from_samples(data_samples)    # BatchGT: padded boxes, labels, mask
    asg = head.assign(raw, dec, gt, metric_factor=None)   # AssignResult
    losses = head.loss_by_assign(raw, dec, asg, weights=None)

The distances ``(l, t, r, b)`` are measured from the anchor point to the sides of the box in
the box's own rotated frame (:class:`~daik.models.task_modules.RBoxDistanceCoder`); the DFL
branch predicts them in stride units over ``0..reg_max`` bins; the angle comes from 180 CSL
bins (:class:`~daik.models.task_modules.CSLCoder`).
"""
from functools import partial
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

import torch
from mmengine.structures import InstanceData

from daik.registry import MODELS, TASK_UTILS
from daik.structures import regularize_rboxes

from ..task_modules import BatchGT, MlvlPointGenerator, RBoxDistanceCoder, dfl_expectation
from ..task_modules.assigners import AssignResult
from .effide_head import EffiDeHead
from .outputs import DecodedPreds, HeadState, RawPreds
from .postprocess import DEFAULT_TEST_CFG, postprocess_single

Weights = Union[None, torch.Tensor, Mapping[str, torch.Tensor]]
_LOSS_KEYS = ("cls", "bbox", "dfl", "angle")


@MODELS.register_module()
class RotatedYOLOv6Head(EffiDeHead):
    """YOLOv6 v3.0 decoupled head with a CSL angle branch (branches ``cls``, ``reg``, ``ang``).

    Stage numbering for ``forward_tower`` / ``forward_preds``: see
    :mod:`daik.models.heads.effide_head`.

    Args:
        num_classes: number of classes.
        in_channels: neck widths before scaling.
        widen_factor: width multiplier.
        reg_max: DFL bins minus one (>= 1).
        act: activation of the stem and branch convs.
        strides: stride of each level.
        angle_coder: CSL coder config.
        loss_cls: classification loss (``VarifocalLoss`` or ``QualityFocalLoss``).
        loss_bbox: rotated IoU loss.
        loss_dfl: distribution focal loss.
        loss_angle: CSL loss.
        train_cfg: ``assigner`` (default ``RotatedTaskAlignedAssigner`` top-13, alpha 1, beta 6),
            optional ``warmup_assigner`` used while ``self.epoch < warmup_epochs``.
        test_cfg: post-processing (see :data:`~daik.models.heads.postprocess.DEFAULT_TEST_CFG`).
        prior_prob: initial foreground probability.
    """

    branches = ("cls", "reg", "ang")

    def __init__(self, num_classes: int, in_channels: Sequence[int] = (128, 256, 512), widen_factor: float = 1.0,
                 reg_max: int = 16, act: str = "silu", strides: Sequence[int] = (8, 16, 32),
                 angle_coder: dict = dict(type="CSLCoder", num_bins=180, radius=6.0),
                 loss_cls: dict = dict(type="VarifocalLoss", alpha=0.75, gamma=2.0, loss_weight=1.0),
                 loss_bbox: dict = dict(type="RotatedIoULoss", loss_weight=2.5),
                 loss_dfl: dict = dict(type="DistributionFocalLoss", loss_weight=0.5),
                 loss_angle: dict = dict(type="CSLLoss", loss_weight=0.2),
                 train_cfg: Optional[dict] = None, test_cfg: Optional[dict] = None, prior_prob: float = 0.01):
        if reg_max < 1:
            raise ValueError(f"the rotated head predicts DFL distances: reg_max must be >= 1, got {reg_max}")
        self.angle_coder = TASK_UTILS.build(angle_coder)
        super().__init__(num_classes, in_channels, widen_factor, reg_max, act, prior_prob)
        if len(strides) != self.num_levels:
            raise ValueError(f"{len(strides)} strides for {self.num_levels} levels")
        self.prior_generator = MlvlPointGenerator(strides)
        self.box_coder = RBoxDistanceCoder()
        self.loss_cls = MODELS.build(loss_cls)
        self.loss_bbox = MODELS.build(loss_bbox)
        self.loss_dfl = MODELS.build(loss_dfl)
        self.loss_angle = MODELS.build(loss_angle)
        train_cfg = dict(train_cfg or {})
        assigner = train_cfg.get("assigner", dict(type="RotatedTaskAlignedAssigner", topk=13, alpha=1.0, beta=6.0))
        self.assigner = TASK_UTILS.build({**assigner, "num_classes": num_classes})
        warm = train_cfg.get("warmup_assigner")
        self.warmup_assigner = TASK_UTILS.build({**warm, "num_classes": num_classes}) if warm else None
        self.warmup_epochs = int(train_cfg.get("warmup_epochs", 0))
        self.test_cfg = {**DEFAULT_TEST_CFG, **dict(test_cfg or {})}
        self.epoch = 0  # set by the training loop (RotatedYOLO.set_epoch)

    def pred_channels(self, branch: str) -> int:
        if branch == "ang":
            return self.angle_coder.num_bins
        return super().pred_channels(branch)

    def pred_bias(self, branch: str) -> float:
        return super().pred_bias("cls" if branch == "ang" else branch)

    # ----------------------------------------------------------------- predictions
    def predict_raw(self, feats: Sequence[torch.Tensor]) -> RawPreds:
        """Raw outputs of the neck maps ``[(B, C_l, H_l, W_l)]``, per level and flattened."""
        return self.flatten(self.forward_preds(list(feats), 0))

    def flatten(self, maps: Dict[str, List[torch.Tensor]]) -> RawPreds:
        """:class:`RawPreds` from per-level maps (e.g. :meth:`forward_preds` of another head)."""
        sizes = [tuple(m.shape[-2:]) for m in maps["cls"]]
        ref = maps["reg"][0]
        priors = self.prior_generator.grid_priors(sizes, dtype=torch.float32, device=ref.device)

        def flat(branch: str) -> torch.Tensor:  # [(B, P, H, W)] -> (B, N, P)
            return torch.cat([m.flatten(2).transpose(1, 2) for m in maps[branch]], dim=1)

        reg = flat("reg")
        reg = reg.reshape(*reg.shape[:2], 4, self.reg_max + 1)
        return RawPreds(maps, flat("cls"), reg, flat("ang"), priors)

    def decode(self, raw: RawPreds) -> DecodedPreds:
        """Scores, distances (pixels), angles and rboxes of every point (float32 geometry)."""
        pri = raw.priors
        dist, angles = self.decode_geometry(raw.reg_logits, raw.ang_logits, pri.strides)  # (B, N, 4), (B, N)
        rboxes = self.box_coder.decode(pri.points, dist, angles)  # (B, N, 5)
        return DecodedPreds(raw.cls_logits.sigmoid(), dist, angles, rboxes)

    def decode_geometry(self, reg_logits: torch.Tensor, ang_logits: torch.Tensor,
                        strides: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Distances ``(..., 4)`` in pixels and angles ``(...)`` (detached) of DFL logits
        ``(..., 4, reg_max + 1)`` and CSL logits ``(..., A)`` at points of ``strides`` ``(...)``."""
        dist = dfl_expectation(reg_logits.float()) * strides[..., None]
        return dist, self.angle_coder.decode(ang_logits.detach().float())

    # ----------------------------------------------------------------- assignment
    def gt_from_samples(self, data_samples: Sequence) -> BatchGT:
        """Padded ground truth of a batch of ``DetDataSample`` (boxes in the input frame),
        regularised (``w >= h``: the CSL angle is that of the long side).

        Raises:
            ValueError: a non-finite box or a label outside ``[0, num_classes)``, naming the image.
        """
        boxes, labels = [], []
        for i, ds in enumerate(data_samples):
            b, lb = ds.gt_instances.bboxes, ds.gt_instances.labels
            name = ds.metainfo.get("img_id", ds.metainfo.get("img_path", f"#{i}"))
            if b.numel() and not bool(torch.isfinite(b).all()):
                raise ValueError(f"image {name}: ground-truth box with NaN/inf: {b[~torch.isfinite(b).all(-1)][:3].tolist()}")
            if lb.numel() and (int(lb.min()) < 0 or int(lb.max()) >= self.num_classes):
                raise ValueError(f"image {name}: label outside [0, {self.num_classes}): {lb.unique().tolist()}")
            boxes.append(regularize_rboxes(b.float()))
            labels.append(lb)
        dev = self.preds["cls"][0].weight.device
        return BatchGT.from_lists(boxes, labels, box_dim=5, device=dev)

    def current_assigner(self):
        """The warm-up assigner during the first ``warmup_epochs`` epochs, else the main one."""
        if self.warmup_assigner is not None and self.epoch < self.warmup_epochs:
            return self.warmup_assigner
        return self.assigner

    def assign(self, raw: RawPreds, decoded: DecodedPreds, gt: BatchGT, metric_factor=None,
               assigner=None) -> AssignResult:
        """Assign the points to ``gt`` (see :meth:`TaskAlignedAssigner.assign`).

        Args:
            raw: raw predictions (for the anchor points).
            decoded: decoded predictions (scores and boxes enter the metric, detached).
            gt: padded ground truth.
            metric_factor: extra factor of the metric per (GT, point): tensor ``(B, M, N)``
                or ``f(batch_idx, gt_idx, point_idx) -> (K,)``.
            assigner: use this one instead of :meth:`current_assigner`.
        """
        assigner = assigner or self.current_assigner()
        return assigner.assign(decoded.scores.detach(), decoded.rboxes.detach(), raw.priors, gt, metric_factor)

    def assign_guided(self, raw: RawPreds, decoded: DecodedPreds, guide: DecodedPreds, gt: BatchGT,
                      metric_factor=None, guide_factor=None, guide_targets: bool = False, union: bool = False):
        """Guided assignment: ``guide``'s metric picks the positives (with ``union`` beside
        ``decoded``'s own), ``decoded``'s (or with ``guide_targets`` the guide's) sets their targets (see
        :meth:`TaskAlignedAssigner.assign_guided`). An assigner without it (the
        ATSS warm-up) assigns as :meth:`assign` does, and the guide's metric is then None.

        Returns:
            ``(AssignResult, guide_metric (B, M, N) or None, guide_overlaps (B, M, N) or None)``.
        """
        assigner = self.current_assigner()
        if not hasattr(assigner, "assign_guided"):
            return self.assign(raw, decoded, gt, metric_factor), None, None
        return assigner.assign_guided(decoded.scores.detach(), decoded.rboxes.detach(), guide.scores.detach(),
                                      guide.rboxes.detach(), raw.priors, gt, metric_factor, guide_factor,
                                      guide_targets, union)

    # ----------------------------------------------------------------- losses
    def targets_of(self, raw: RawPreds, assign: AssignResult) -> Tuple[torch.Tensor, torch.Tensor]:
        """DFL targets ``(K, 4)`` (stride units) and CSL windows ``(K, A)`` of the positives."""
        fg = assign.fg_mask
        points = raw.priors.points.expand(fg.shape[0], -1, -1)[fg]
        strides = raw.priors.strides.expand(fg.shape[0], -1)[fg]
        dist = self.box_coder.encode(points, assign.boxes[fg].float()) / strides[:, None]
        return dist.clamp(0, self.reg_max - 0.01), self.angle_coder.encode(assign.boxes[fg][:, 4].float())

    def loss_by_assign(self, raw: RawPreds, decoded: DecodedPreds, assign: AssignResult,
                       weights: Weights = None) -> Dict[str, torch.Tensor]:
        """The head's losses for a given assignment, optionally re-weighted per point.

        Every loss is normalised by the sum of the soft targets (at least 1). The box, DFL and
        angle losses of a positive are weighted by its target score.

        Args:
            raw: raw predictions.
            decoded: decoded predictions (their ``rboxes`` carry the gradient of the distances).
            assign: assignment (e.g. from :meth:`assign`).
            weights: per-point weights ``(B, N)`` applied to all four losses, or a dict with
                some of the keys ``cls``, ``bbox``, ``dfl``, ``angle`` (each ``(B, N)``).

        Returns:
            ``{"loss_cls", "loss_bbox", "loss_dfl", "loss_angle"}`` scalars.
        """
        w = self._split_weights(weights)
        fg = assign.fg_mask
        scores = assign.scores.to(raw.cls_logits.dtype)
        norm = scores.sum().clamp(min=1.0).item()
        wc = None if w["cls"] is None else w["cls"][..., None]
        losses = {"loss_cls": self.loss_cls(raw.cls_logits, scores, weight=wc, avg_factor=norm)}
        pos_w = scores.sum(-1)[fg]  # (K,)
        dfl_t, ang_t = self.targets_of(raw, assign)
        wb, wd, wa = (pos_w if w[k] is None else pos_w * w[k][fg] for k in ("bbox", "dfl", "angle"))
        losses["loss_bbox"] = self.loss_bbox(decoded.rboxes[fg], assign.boxes[fg], weight=wb, avg_factor=norm)
        reg = raw.reg_logits[fg].reshape(-1, self.reg_max + 1)
        losses["loss_dfl"] = self.loss_dfl(reg, dfl_t.reshape(-1), weight=wd.repeat_interleave(4),
                                           avg_factor=4 * norm)
        losses["loss_angle"] = self.loss_angle(raw.ang_logits[fg], ang_t, weight=wa, avg_factor=norm)
        return losses

    @staticmethod
    def _split_weights(weights: Weights) -> Dict[str, Optional[torch.Tensor]]:
        if weights is None or isinstance(weights, torch.Tensor):
            return {k: weights for k in _LOSS_KEYS}
        unknown = set(weights) - set(_LOSS_KEYS)
        if unknown:
            raise KeyError(f"unknown loss weight keys {sorted(unknown)}; use {_LOSS_KEYS}")
        return {k: weights.get(k) for k in _LOSS_KEYS}

    def loss_and_state(self, feats: Sequence[torch.Tensor], data_samples: Sequence) -> Tuple[Dict, HeadState]:
        """Losses of a batch and every intermediate (:class:`HeadState`)."""
        raw = self.predict_raw(feats)
        decoded = self.decode(raw)
        gt = self.gt_from_samples(data_samples)
        assign = self.assign(raw, decoded, gt)
        losses = self.loss_by_assign(raw, decoded, assign)
        return losses, HeadState(raw, decoded, gt, assign, losses)

    def loss(self, feats: Sequence[torch.Tensor], data_samples: Sequence) -> Dict[str, torch.Tensor]:
        """Losses of a batch: ``loss_cls``, ``loss_bbox``, ``loss_dfl``, ``loss_angle``."""
        return self.loss_and_state(feats, data_samples)[0]

    # ----------------------------------------------------------------- inference
    def predict(self, feats: Sequence[torch.Tensor], batch_img_metas: Sequence[Mapping],
                rescale: bool = True, cfg: Optional[dict] = None) -> List[InstanceData]:
        """Detections per image (see :func:`~daik.models.heads.postprocess.postprocess_single`);
        ``cfg`` overrides keys of the head's ``test_cfg`` (e.g. ``nms=None``).

        The same as :meth:`predict_maps` then :meth:`predict_from_maps`: the convolutions, then
        the decoding and NMS (which a tiled predictor runs on another thread)."""
        return self.predict_from_maps(self.predict_maps(feats), batch_img_metas, rescale, cfg)

    def predict_maps(self, feats: Sequence[torch.Tensor]) -> Dict[str, List[torch.Tensor]]:
        """The head's output maps at inference (``cls``, ``reg``, ``ang``: one ``(B, C, H, W)``
        per level), detached."""
        maps = self.forward_preds(list(feats), 0)
        return {k: [m.detach() for m in maps[k]] for k in ("cls", "reg", "ang")}

    def predict_from_maps(self, maps: Mapping[str, Sequence[torch.Tensor]], batch_img_metas: Sequence[Mapping],
                          rescale: bool = True, cfg: Optional[dict] = None) -> List[InstanceData]:
        """Detections per image from :meth:`predict_maps`'s output."""
        priors = self.prior_generator.grid_priors([tuple(m.shape[-2:]) for m in maps["cls"]], dtype=torch.float32,
                                                  device=maps["cls"][0].device)
        # Channels first, (B, P, N): concatenating the levels is a plain copy. Only the class
        # scores are needed at every point; distances and angles get decoded at the candidates
        # only (the flattened (B, N, P) layout of predict_raw costs a transposing copy of the
        # 180 angle channels, a visible share of a CPU batch).
        reg, ang = (torch.cat([m.flatten(2) for m in maps[k]], dim=2) for k in ("reg", "ang"))
        scores = torch.cat([m.flatten(2) for m in maps["cls"]], dim=2).transpose(1, 2).sigmoid().contiguous()
        cfg = {**self.test_cfg, **dict(cfg or {})}
        return [postprocess_single(partial(self.decode_points, reg[i], ang[i], priors), scores[i], cfg, meta, rescale)
                for i, meta in enumerate(batch_img_metas)]

    def decode_points(self, reg: torch.Tensor, ang: torch.Tensor, priors, idx: torch.Tensor) -> torch.Tensor:
        """Rboxes ``(K, 5)`` of the points ``idx`` of one image, from its channels-first DFL
        logits ``(4 (reg_max + 1), N)`` and CSL logits ``(A, N)``: what :meth:`decode` gives
        for those points, without decoding the points no detection comes from."""
        reg_k = reg.index_select(1, idx).t().contiguous().reshape(-1, 4, self.reg_max + 1)
        ang_k = ang.index_select(1, idx).t().contiguous()  # index_select: cheaper than ang[:, idx] here
        dist, angles = self.decode_geometry(reg_k, ang_k, priors.strides[idx])
        return self.box_coder.decode(priors.points[idx], dist, angles)
