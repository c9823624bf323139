"""Distillation on the head's outputs: DAIK's angle distillation (AD), localisation
distillation (LD) on the DFL logits, classification KD, and plain prediction mimicking.

Normalisation: like the student's own losses, sums over points are divided by the student's
soft-target sum (``ctx.norm``; DFL terms by ``4 * norm``), so weights compare with the head's.
"""
import math
from typing import Dict, Optional

import torch

from daik.models.task_modules import AngleIoUTable, aspect_ratio
from daik.registry import MODELS

from .component import KDComponent, require_same_reg_max
from .context import KDContext
from .losses import binary_kl_logits, kl_div_logits, quality_focal_kd, weighted_mean


def _positives(ctx: KDContext):
    """The student's positive mask ``(B, N)`` and their alignment (soft-target) scores ``(K,)``."""
    fg = ctx.assign.fg_mask
    return fg, ctx.assign.scores.sum(-1)[fg]


NORMALISERS = ("targets", "positives", "images", "points", "teacher_targets")


def kd_normaliser(ctx: KDContext, kind: str, points_per_item: int = 1) -> float:
    """What a summed KD term is divided by: the sum of the student's soft targets (as its own
    losses), its number of positives (CrossKD's ``avg_factor``), the batch's images, the number
    of summed points, or the sum of the teacher's soft targets (the teacher's own task-aligned
    assignment to the ground truth, :meth:`KDContext.teacher_assign`: the normaliser that
    daik_full's teacher targets give every term, without its AAL factor); at least 1
    (``points_per_item`` scales it, e.g. 4 DFL sides)."""
    if kind not in NORMALISERS:
        raise ValueError(f"normaliser must be one of {NORMALISERS}, got {kind!r}")
    fg = ctx.assign.fg_mask
    value = {"targets": lambda: ctx.norm, "positives": lambda: float(fg.sum()),
             "images": lambda: float(fg.shape[0]), "points": lambda: float(fg.numel()),
             "teacher_targets": lambda: float(ctx.teacher_assign().scores.sum())}[kind]()
    return max(value, 1.0) * points_per_item


def positive_mean(loss: torch.Tensor, ctx: KDContext, weighted: bool, points_per_item: int = 1,
                  per_instance: bool = False, focus: Optional[torch.Tensor] = None) -> torch.Tensor:
    """``(K, ...)`` per-positive terms -> their plain mean (YOLOv6-R's distillation terms: a mean
    over the positives) or their alignment-score-weighted sum over the soft-target sum.

    ``per_instance`` (daik's variant, daik_full's default): the same mean taken within each ground
    truth's positives first, then a plain mean over the ground truths that have positives, so every
    instance counts once however many positives it has. On the quick synthetic scenes a small
    vehicle has a median of 1 candidate point and a plane 53: over the positives the vehicles, 55 %
    of the instances, carry about 14 % of the term. daik_full with AD and the positives' LD per
    instance against the mean over the positives (``daik_full_pooled``): pico benchmark 63.85 +- 0.86
    against 63.2 +- 1.4 over 7 seeds (+0.7 paired, ahead on 4); over 24 epochs (converged preset)
    71.4 +- 0.5 against 70.7 +- 0.4 over 5 seeds (+0.6 paired, ahead on all 5).

    ``focus`` ``(K,)``, no gradient: a further weight per positive; the result is then the
    focus-weighted mean (over the ground truths, each weighted by its positives' mean focus, with
    ``per_instance``), so it shifts the term between instances without changing its scale."""
    if focus is not None and weighted:
        raise ValueError("focus and weighted are exclusive")
    if per_instance:
        return _instance_mean(loss, ctx, weighted, focus)
    if focus is not None:
        focus = focus.reshape(-1, *([1] * (loss.dim() - 1))).expand_as(loss)
        return weighted_mean(loss, focus, float(focus.sum()))
    if not weighted:
        return weighted_mean(loss, None, max(loss.numel(), 1))
    _, w = _positives(ctx)
    w = w.reshape(-1, *([1] * (loss.dim() - 1)))
    return weighted_mean(loss, w, points_per_item * ctx.norm)


def _instance_mean(loss: torch.Tensor, ctx: KDContext, weighted: bool,
                   focus: Optional[torch.Tensor] = None) -> torch.Tensor:
    """``(K, ...)`` per-positive terms -> the mean over ground truths of each one's mean over its
    positives (alignment-score-weighted when ``weighted``); the trailing dims are averaged. With
    ``focus (K,)`` the mean over ground truths is weighted by each one's mean focus."""
    fg = ctx.assign.fg_mask
    per_pos = loss.reshape(loss.shape[0], -1).mean(-1) if loss.dim() > 1 else loss  # (K,)
    if per_pos.numel() == 0:
        return loss.sum() * 0.0
    img = fg.nonzero()[:, 0]
    key = img * ctx.assign.pad_mask.shape[1] + ctx.assign.gt_index[fg]
    uniq, group = torch.unique(key, return_inverse=True)
    w = _positives(ctx)[1].to(per_pos.dtype) if weighted else torch.ones_like(per_pos)
    num = per_pos.new_zeros(len(uniq)).index_add(0, group, w * per_pos)
    den = per_pos.new_zeros(len(uniq)).index_add(0, group, w)
    keep = den > 0
    if not bool(keep.any()):
        return loss.sum() * 0.0
    per_gt = num[keep] / den[keep]
    if focus is None:
        return per_gt.mean()
    count = per_pos.new_zeros(len(uniq)).index_add(0, group, torch.ones_like(per_pos))
    f = (per_pos.new_zeros(len(uniq)).index_add(0, group, focus.to(per_pos.dtype)) / count.clamp(min=1))[keep]
    return (f * per_gt).sum() / f.sum().clamp(min=1e-12)


@MODELS.register_module()
class AngleDistillation(KDComponent):
    """AD of DAIK (Wang et al., "Directional Alignment Instance Knowledge Distillation for
    Arbitrary-Oriented Object Detection", IEEE TGRS 2023)::

        L_theta = L_CSL(S_theta, theta_csl) + lambda * T^2 * KL(softmax(T_theta / T) || softmax(S_theta / T))

    over the student's positives. The CSL term is the student head's own ``loss_angle``; this
    part adds the KL term as ``loss_ad``. It follows the authors' released YOLOv6-R code
    (``loss_distill_R.py``, CSL branch): softmax of the 180 angle logits at T = 20, ``T^2`` KL,
    a plain mean over the positives. Their ``lambda`` equals the CSL weight; at equal weights
    the KL's gradient is about 1/20 of the CSL term's (the softmax at T = 20 of 180 bins is
    nearly flat). daik's default ``lambda = 1`` is 5 times the CSL weight (0.2), chosen by
    measurement on the pico-from-nano benchmark: at the authors' 0.2 AD gained little, at 10
    (50x) its gradient grew to twice CSL's and drove ``clip_grad`` on 91 % of the steps.
    Their later version takes the softmax of the sigmoid probabilities at T = 10 and sums
    over the positives; that form is not used. daik_full deviates in one more way, by
    measurement: the mean is taken per ground truth first (``per_instance``, :func:`positive_mean`).

    Args:
        loss_weight: lambda.
        temperature: T.
        weighted: weight each positive by its alignment score over the soft-target sum
            instead of the plain mean.
        region: ``"pos"`` (the authors'), ``"all"`` (every point over the soft-target sum, as
            prediction mimicking's angle term), ``"gt"`` (a plain mean over every point inside a
            ground truth, the assigner's candidates) or ``"teacher"`` (every point weighted by the
            teacher's highest class probability, over the weights' sum); all but ``"pos"`` are
            daik's ablations.
        per_instance: with ``region="pos"``, each ground truth's positives are averaged first
            and the ground truths then count equally (:func:`positive_mean`; daik's variant, on in daik_full).
        aspect_focus: an angle in degrees, 0 (off) by default. With ``region="pos"``, each
            positive's KL is weighted by ``1 - LUT(AR_gt, aspect_focus)``, the IoU its ground
            truth loses when turned by that angle (:class:`daik.models.task_modules.AngleIoUTable`,
            AAL's table), and the term becomes the weighted mean: the angle is distilled
            where the aspect ratio makes it cost IoU (at 10 degrees: a square 0.14, a 2:1 court
            0.18, a 5:1 ship 0.36) and hardly on the near-round classes, whose angle is
            arbitrary. daik's variant, motivated by the pico benchmark's ship and vehicles: the
            distilled students' median angle error there is 3x the teacher's (``daik errors``).
            Measured on daik_full (pico, mAP50): aspect_focus 10 gave 63.3 +- 1.4 over 6 seeds,
            no better than without it (63.85 +- 0.86 over 7). An ablation.
        focus_gap: with ``aspect_focus``, turn each ground truth by the larger of ``aspect_focus``
            and the gap between the teacher's and the student's decoded angles at the positive
            (no gradient), so a positive weighs by the IoU its current disagreement with the
            teacher costs a box of its ground truth's shape (daik's variant). Pico, with
            per_instance and aspect_focus 10 (``daik_full_tt_instance_ar10_gap``): 64.4 +- 0.8 over
            7 seeds, the highest DAIK mean on this benchmark (paired +0.5 against daik_full,
            +1.3 against mimicking), yet over 24 epochs (converged preset, 5 seeds) 70.9 +- 1.0
            against daik_full's 71.4 +- 0.5, two of its seeds missing the one occluded storage
            tank that moves any run by 1.3 mAP. An ablation.
    """

    REGIONS = ("pos", "all", "gt", "teacher")

    def __init__(self, loss_weight: float = 1.0, temperature: float = 20.0, weighted: bool = False,
                 region: str = "pos", per_instance: bool = False, aspect_focus: float = 0.0,
                 focus_gap: bool = False):
        super().__init__(loss_weight)
        if region not in self.REGIONS:
            raise ValueError(f"region must be one of {self.REGIONS}, got {region!r}")
        if (weighted or per_instance or aspect_focus) and region != "pos":
            raise ValueError(f"weighted, per_instance and aspect_focus apply to region 'pos' only, got region {region!r}")
        if not 0.0 <= aspect_focus <= 90.0:
            raise ValueError(f"aspect_focus must be an angle in [0, 90] degrees, got {aspect_focus}")
        if aspect_focus and weighted:
            raise ValueError("aspect_focus and weighted are exclusive")
        self.temperature, self.weighted, self.region = float(temperature), bool(weighted), region
        self.per_instance = bool(per_instance)
        if focus_gap and not aspect_focus:
            raise ValueError("focus_gap needs aspect_focus > 0 (its floor)")
        self.aspect_focus, self.focus_gap = float(aspect_focus), bool(focus_gap)
        self.table = AngleIoUTable() if aspect_focus else None

    def focus(self, gt_boxes: torch.Tensor, gap: Optional[torch.Tensor] = None) -> torch.Tensor:
        """``(K, 5)`` ground truths -> ``(K,)`` ``1 - LUT(AR, turn)``: the turn is ``aspect_focus``,
        or at least that when ``gap (K,)`` (radians, the teacher's angle less the student's) is given."""
        turn = gt_boxes.new_full(gt_boxes.shape[:1], math.radians(self.aspect_focus)).float()
        if gap is not None:  # the gap's distance from 0 modulo 180 degrees, in [0, 90]
            gap = torch.remainder(gap.float(), math.pi)
            turn = torch.maximum(turn, torch.minimum(gap, math.pi - gap))
        return 1.0 - self.table(aspect_ratio(gt_boxes.float()), turn)

    def forward(self, ctx: KDContext) -> Dict[str, torch.Tensor]:
        if self.region == "pos":
            fg = ctx.assign.fg_mask
            kl = kl_div_logits(ctx.s_raw.ang_logits[fg], ctx.t_raw.ang_logits[fg], self.temperature)  # (K,)
            focus = None
            if self.table is not None:
                gap = (ctx.t_dec.angles[fg] - ctx.s_dec.angles[fg]).detach() if self.focus_gap else None
                focus = self.focus(ctx.assign.boxes[fg], gap)
            return {"loss_ad": self.loss_weight * positive_mean(kl, ctx, self.weighted, per_instance=self.per_instance,
                                                                 focus=focus)}
        kl = kl_div_logits(ctx.s_raw.ang_logits, ctx.t_raw.ang_logits, self.temperature)  # (B, N), every point
        if self.region == "all":  # summed over the soft-target sum, as prediction mimicking's angle term
            w, norm = None, kd_normaliser(ctx, "targets")
        else:  # inside a ground truth, or weighted by the teacher's class probability; over the weights' sum
            w = (ctx.assign.candidate_mask.any(dim=1).to(kl.dtype) if self.region == "gt"
                 else ctx.teacher_max_score())  # (B, N), no gradient
            norm = max(float(w.sum()), 1.0)
        return {"loss_ad": self.loss_weight * weighted_mean(kl, w, norm)}


@MODELS.register_module()
class LocalizationDistillation(KDComponent):
    """LD (Zheng et al., "Localization Distillation for Dense Object Detection", CVPR 2022):
    ``T^2 KL`` between the teacher's and the student's distributions of each side's distance
    (the DFL logits), on the student's positives.

    Args:
        loss_weight: multiplier (LD's 0.25; YOLOv6-R's DFL weight 0.5 in DAIK).
        temperature: LD's T = 10 (YOLOv6-R: 20).
        weighted: each positive weighted by its alignment score over ``4 * `` the soft-target
            sum (LD's form), or a plain mean over positives and sides (YOLOv6-R's).
        region: ``"pos"`` (the student's positives) or ``"all"`` (every point, unweighted, over
            ``4 *`` the soft-target sum).
        per_instance: with ``region="pos"``, each ground truth's positives are averaged first
            and the ground truths then count equally (:func:`positive_mean`; daik's variant, on in daik_full).
    """

    def __init__(self, loss_weight: float = 0.25, temperature: float = 10.0, weighted: bool = True,
                 region: str = "pos", per_instance: bool = False):
        super().__init__(loss_weight)
        if region not in ("pos", "all"):
            raise ValueError(f"region must be pos or all, got {region!r}")
        if per_instance and region != "pos":
            raise ValueError(f"per_instance applies to region 'pos' only, got region {region!r}")
        self.temperature, self.weighted, self.region = float(temperature), bool(weighted), region
        self.per_instance = bool(per_instance)

    def setup(self, student, teacher) -> None:
        require_same_reg_max(student, teacher, "LocalizationDistillation")

    def forward(self, ctx: KDContext) -> Dict[str, torch.Tensor]:
        s, t = ctx.s_raw.reg_logits, ctx.t_raw.reg_logits
        if self.region == "all":  # every point, summed over 4 * the soft-target sum (as prediction mimicking)
            kl = kl_div_logits(s, t, self.temperature)  # (B, N, 4)
            return {"loss_ld": self.loss_weight * weighted_mean(kl, None, kd_normaliser(ctx, "targets", 4))}
        fg = ctx.assign.fg_mask
        kl = kl_div_logits(s[fg], t[fg], self.temperature)  # (K, 4)
        return {"loss_ld": self.loss_weight * positive_mean(kl, ctx, self.weighted, points_per_item=4,
                                                             per_instance=self.per_instance)}


@MODELS.register_module()
class ClassDistillation(KDComponent):
    """Classification KD on the class logits.

    ``mode="binary"``: per-class binary KL to the teacher's sigmoid probabilities (the head is
    trained with sigmoid losses, so absolute scores carry meaning); ``"qfl"``: the same scaled by
    ``|p_s - p_t|^beta`` per class (GFL's quality focal form, as CrossKD's class term; daik's
    variant for the dense term: the gradient goes to where the two models disagree, not to the
    mass of easy background; as daik_full's dense term it measured 60.6 +- 0.2 against 63.9 +- 1.1
    on the pico benchmark's 3 seeds, ``daik_full_tt_cls_qfl``); ``"softmax"``: ``T^2 KL`` of the
    softmax over classes (YOLOv6's form). ``region="pos"``: the student's positives
    weighted by their alignment score (divided by the soft-target sum); ``"all"``: every
    point, unweighted, summed and divided by ``normaliser`` (:func:`kd_normaliser`).

    Args:
        loss_weight: multiplier.
        mode: ``"binary"``, ``"qfl"`` or ``"softmax"``.
        beta: the focal exponent of ``"qfl"``.
        region: ``"pos"`` or ``"all"``.
        temperature: divides both logit sets (and multiplies the loss by ``T^2``).
        normaliser: of the dense (``"all"``) sum: ``"targets"``, ``"positives"``, ``"images"``
            or ``"points"``.
    """

    def __init__(self, loss_weight: float = 1.0, mode: str = "binary", region: str = "pos",
                 temperature: float = 1.0, normaliser: str = "targets", beta: float = 1.0):
        super().__init__(loss_weight)
        if mode not in ("binary", "qfl", "softmax") or region not in ("pos", "all") or normaliser not in NORMALISERS:
            raise ValueError(f"mode must be binary|qfl|softmax, region pos|all, normaliser one of {NORMALISERS}; "
                             f"got {mode!r}, {region!r}, {normaliser!r}")
        if mode == "qfl" and temperature != 1.0:
            raise ValueError(f"mode qfl takes the probabilities as they are (temperature 1), got {temperature}")
        self.mode, self.region, self.temperature, self.normaliser = mode, region, float(temperature), normaliser
        self.beta = float(beta)

    def divergence(self, student: torch.Tensor, teacher: torch.Tensor) -> torch.Tensor:
        """``(K, C)`` logits -> ``(K,)`` divergences."""
        t = self.temperature
        if self.mode == "softmax":
            return kl_div_logits(student, teacher, t)
        if self.mode == "qfl":
            return quality_focal_kd(student, teacher, self.beta).sum(-1)
        return binary_kl_logits(student / t, teacher.detach() / t).sum(-1) * (t * t)

    def forward(self, ctx: KDContext) -> Dict[str, torch.Tensor]:
        s, t = ctx.s_raw.cls_logits, ctx.t_raw.cls_logits
        if self.region == "pos":
            fg, w = _positives(ctx)
            loss = weighted_mean(self.divergence(s[fg], t[fg]), w, ctx.norm)
        else:
            loss = weighted_mean(self.divergence(s.flatten(0, 1), t.flatten(0, 1)), None,
                                 kd_normaliser(ctx, self.normaliser))
        return {"loss_cls_kd": self.loss_weight * loss}


@MODELS.register_module()
class PredictionMimicking(KDComponent):
    """Plain prediction mimicking over every point: binary KL of the class probabilities, ``T^2
    KL`` of the DFL distributions and of the CSL angle distributions, unweighted, summed and
    divided by ``ctx.norm`` (``4 * norm`` for DFL). The baseline every method must beat
    (Hinton et al., "Distilling the Knowledge in a Neural Network", 2015, applied to the head).

    Args:
        cls_weight, dfl_weight, angle_weight: multipliers of the three terms (0 drops one).
        temperature: of the DFL and angle distributions.
        normaliser: what the sums are divided by (:func:`kd_normaliser`; default the student's
            soft-target sum, ``ctx.norm``).
    """

    def __init__(self, cls_weight: float = 1.0, dfl_weight: float = 0.25, angle_weight: float = 0.05,
                 temperature: float = 1.0, normaliser: str = "targets"):
        super().__init__(1.0)
        if normaliser not in NORMALISERS:
            raise ValueError(f"normaliser must be one of {NORMALISERS}, got {normaliser!r}")
        self.cls_weight, self.dfl_weight, self.angle_weight = float(cls_weight), float(dfl_weight), float(angle_weight)
        self.temperature, self.normaliser = float(temperature), normaliser

    def setup(self, student, teacher) -> None:
        if self.dfl_weight:
            require_same_reg_max(student, teacher, "PredictionMimicking")

    def forward(self, ctx: KDContext) -> Dict[str, torch.Tensor]:
        s, t, norm, out = ctx.s_raw, ctx.t_raw, kd_normaliser(ctx, self.normaliser), {}
        if self.cls_weight:
            out["loss_mimic_cls"] = self.cls_weight * weighted_mean(
                binary_kl_logits(s.cls_logits, t.cls_logits), None, norm)
        if self.dfl_weight:
            out["loss_mimic_dfl"] = self.dfl_weight * weighted_mean(
                kl_div_logits(s.reg_logits, t.reg_logits, self.temperature), None, 4 * norm)
        if self.angle_weight:
            out["loss_mimic_angle"] = self.angle_weight * weighted_mean(
                kl_div_logits(s.ang_logits, t.ang_logits, self.temperature), None, norm)
        return out
