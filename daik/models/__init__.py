"""The YOLOv6-R detector family: layers, EfficientRep backbone, RepPAN neck, rotated head,
assigners, coders and losses (all registered in daik's ``MODELS`` / ``TASK_UTILS``).

What distillers call (none of it needs copying the forward)::

    feats = detector.extract_feat(inputs)                 # neck maps, strides 8/16/32
    tower = head.forward_tower(feats, k)                  # stage-k pre-activation features
    maps = head.forward_preds(tower, k)                   # stages k+1..3 -> {cls, reg, ang} logits
    raw = head.flatten(maps)  # or head.predict_raw(feats): RawPreds (per-level + flattened logits)
    dec = head.decode(raw)                                # DecodedPreds: scores, distances, angles, rboxes
    gt = head.gt_from_samples(data_samples)               # BatchGT (padded)
    asg = head.assign(raw, dec, gt, metric_factor=None)   # AssignResult (fg mask, GT index, metric, targets)
    losses = head.loss_by_assign(raw, dec, asg, weights=None)
    losses, state = head.loss_and_state(feats, data_samples)   # all of the above at once

See :mod:`daik.models.heads.effide_head` for the stage numbering and
:mod:`daik.models.heads.rotated_yolo_head` for the training steps.
"""
from . import backbones, detectors, heads, layers, losses, necks, task_modules  # noqa: F401 (registration)
from .backbones import EfficientRep
from .detectors import RotatedYOLO, RotatedYOLODataPreprocessor
from .heads import EffiDeHead, RotatedYOLOv6Head
from .layers import reparameterize
from .necks import RepPAN

__all__ = ["EfficientRep", "RepPAN", "EffiDeHead", "RotatedYOLOv6Head", "RotatedYOLO",
           "RotatedYOLODataPreprocessor", "reparameterize"]
