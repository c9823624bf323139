"""SEA on the rotated detector.

SEA (Chen et al., "SEA: Bridging the Gap Between One- and Two-stage Detector Distillation via
SEmantic-aware Alignment", arXiv 2203.00862, 2022) answers the pixel imbalance of feature
imitation with *category anchors*: one representative feature per category, and it
distils the *topological distance* between every pixel and the anchors rather than the
pixels themselves. daik's form, per neck level:

- Regions: a point inside a (rotated) ground truth lies in its *centre* region when it is
  also inside the box shrunk by ``center_ratio``, else in its *edge* region; a point inside
  several boxes belongs to the smallest; points outside every box are *background*.
- Anchors: per class the mean feature of its centre points and of its edge points, plus one
  background anchor (slots ``2c``, ``2c + 1``, ``2C``; only slots with points are used),
  computed from the teacher's maps and, the same way, from the student's (adapted) maps.
- ``loss_sea_anchor``: squared distance between the student's and the teacher's
  L2-normalised anchors, averaged over the slots present.
- ``loss_sea_topo``: for every point, ``p_k = softmax_k(cos(f, a_k) / tau)`` over the anchors
  present, teacher vs student, ``KL(p_teacher || p_student)`` averaged over points.
- ``loss_sea_loc``: localisation-distribution alignment on the box branch: ``T^2 KL`` of
  the DFL distributions at the points inside ground truths (averaged over them and sides).

Where the paper is silent (knobs): ``center_ratio = 0.5``, cosine similarity with
``tau = 0.1``, the anchors' normalisation, ``loc_temperature = 10`` (as LD).
"""
from typing import Dict, List

import torch
import torch.nn.functional as F

from daik.models.task_modules import rboxes_contain
from daik.registry import MODELS

from .adapters import LevelAdapters
from .component import KDComponent, require_same_reg_max
from .context import KDContext
from .losses import kl_div_logits


def region_slots(points: torch.Tensor, gt, num_classes: int, center_ratio: float) -> torch.Tensor:
    """``(B, N)`` slot of every point: ``2c`` centre, ``2c + 1`` edge of class ``c``, ``2C`` background."""
    boxes = gt.boxes
    inside = rboxes_contain(points, boxes) & gt.pad_mask[..., None]  # (B, M, N)
    b, _, n = inside.shape
    background = torch.full((b, n), 2 * num_classes, dtype=torch.long, device=points.device)
    if inside.shape[1] == 0 or not bool(inside.any()):
        return background
    shrunk = boxes.clone()
    shrunk[..., 2:4] = shrunk[..., 2:4] * center_ratio
    centre = rboxes_contain(points, shrunk)
    area = (boxes[..., 2] * boxes[..., 3])[..., None].expand_as(inside)
    owner = torch.where(inside, area, torch.full_like(area, float("inf"))).argmin(dim=1)  # (B, N)
    is_centre = centre.gather(1, owner[:, None]).squeeze(1)
    slot = 2 * gt.labels.gather(1, owner) + (~is_centre).long()
    return torch.where(inside.any(1), slot, background)


def slot_anchors(feat: torch.Tensor, slots: torch.Tensor, num_slots: int):
    """Mean feature of every slot: ``(B, C, H, W)``, ``(B, H*W)`` -> ``(S, C)`` and ``(S,)`` counts."""
    f = feat.flatten(2).transpose(1, 2).reshape(-1, feat.shape[1])  # (B*HW, C)
    s = slots.reshape(-1)
    sums = f.new_zeros(num_slots, f.shape[1]).index_add(0, s, f)
    counts = torch.bincount(s, minlength=num_slots).to(f.dtype)
    return sums / counts.clamp(min=1)[:, None], counts


@MODELS.register_module()
class SemanticAlignmentDistillation(KDComponent):
    """SEA (see the module docstring).

    Args:
        anchor_weight, topo_weight, loc_weight: weights of the three terms (0 drops one).
        temperature: tau of the pixel-to-anchor softmax.
        center_ratio: side ratio of a box's centre region.
        loc_temperature: temperature of the DFL-distribution term.
    """

    def __init__(self, anchor_weight: float = 1.0, topo_weight: float = 1.0, loc_weight: float = 0.25,
                 temperature: float = 0.1, center_ratio: float = 0.5, loc_temperature: float = 10.0):
        super().__init__(1.0)
        if not 0 < center_ratio < 1:
            raise ValueError(f"center_ratio must be in (0, 1), got {center_ratio}")
        self.anchor_weight, self.topo_weight = float(anchor_weight), float(topo_weight)
        self.loc_weight, self.loc_temperature = float(loc_weight), float(loc_temperature)
        self.temperature, self.center_ratio = float(temperature), float(center_ratio)

    def setup(self, student, teacher) -> None:
        if self.loc_weight:
            require_same_reg_max(student, teacher, "SemanticAlignmentDistillation")
        self.num_classes = student.head.num_classes
        self.adapter = LevelAdapters(student.head.in_channels, teacher.head.in_channels, 1)

    def level_terms(self, s: torch.Tensor, t: torch.Tensor, slots: torch.Tensor):
        """Anchor and topology terms of one level (``s``, ``t``: ``(B, C, H, W)``)."""
        num_slots = 2 * self.num_classes + 1
        t = t.detach().float()
        a_t, counts = slot_anchors(t, slots, num_slots)
        a_s, _ = slot_anchors(s.float(), slots, num_slots)
        present = counts > 0
        a_t, a_s = F.normalize(a_t[present], dim=1), F.normalize(a_s[present], dim=1)  # (A, C)
        anchor = (a_s - a_t).pow(2).sum(1).mean()
        f_t = F.normalize(t.flatten(2).transpose(1, 2).reshape(-1, t.shape[1]), dim=1)
        f_s = F.normalize(s.float().flatten(2).transpose(1, 2).reshape(-1, s.shape[1]), dim=1)
        topo = kl_div_logits(f_s @ a_s.T / self.temperature, f_t @ a_t.T / self.temperature).mean()
        return anchor, topo

    def forward(self, ctx: KDContext) -> Dict[str, torch.Tensor]:
        slots = region_slots(ctx.s_raw.priors.points, ctx.gt, self.num_classes, self.center_ratio)  # (B, N)
        level_slots: List[torch.Tensor] = ctx.s_raw.level_split(slots)
        s_feats = self.adapter(ctx.s_feats)
        anchor = topo = ctx.s_raw.cls_logits.sum() * 0.0
        for s, t, sl in zip(s_feats, ctx.t_feats, level_slots):
            a, p = self.level_terms(s, t, sl)
            anchor, topo = anchor + a, topo + p
        out = {}
        if self.anchor_weight:
            out["loss_sea_anchor"] = self.anchor_weight * anchor
        if self.topo_weight:
            out["loss_sea_topo"] = self.topo_weight * topo
        if self.loc_weight:
            fg = slots < 2 * self.num_classes
            kl = kl_div_logits(ctx.s_raw.reg_logits[fg], ctx.t_raw.reg_logits[fg], self.loc_temperature)
            loc = kl.mean() if kl.numel() else ctx.s_raw.reg_logits.sum() * 0.0
            out["loss_sea_loc"] = self.loc_weight * loc
        return out
