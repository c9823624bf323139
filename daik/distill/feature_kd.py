"""Feature imitation: FitNet, PKD, CWD and FRS on the neck maps (or any head stage).

- FitNet (Romero et al., "FitNets: Hints for Thin Deep Nets", ICLR 2015): mean squared error
  of the adapted student maps to the teacher maps.
- PKD (Cao et al., "PKD: General Distillation Framework for Object Detectors via Pearson
  Correlation Coefficient", NeurIPS 2022): the same on channel-standardised maps, halved
  (``1 - r`` per channel); weight 6 per level as in its detector configs.
- CWD (Shu et al., "Channel-wise Knowledge Distillation for Dense Prediction", ICCV 2021):
  each channel's map becomes a distribution over its positions (softmax at ``T``) and the
  student's is pulled to the teacher's by ``T^2 KL``, summed over positions and channels and
  divided by ``batch * channels`` per level. DAIK's authors switch it on in their YOLOv6-R
  distillation (``--distill_feat``: the three neck maps, T = 1, weight 10, same normaliser).
- FRS (Du et al., "Distilling Object Detectors with Feature Richness", NeurIPS 2021): the
  feature-richness mask ``m = max_c sigmoid(teacher cls logit)`` per point weights the
  squared error of the (always adapted, 3x3) student neck maps and the binary cross-entropy
  of the student's class probabilities to the teacher's (minus the teacher's entropy: 0 at
  agreement, same gradient), each summed and divided by the mask's sum per level; weights
  0.1 and 0.05 as its GFL config.

Student widths that differ from the teacher's get a conv adapter per level (``distill.``
modules, dropped at deployment).
"""
from typing import Dict

import torch

from daik.registry import MODELS

from .adapters import LevelAdapters, tower_maps
from .component import KDComponent
from .context import KDContext
from .losses import binary_kl_logits, channel_wise_kl, pearson_loss


@MODELS.register_module()
class FeatureImitation(KDComponent):
    """FitNet, PKD or CWD imitation of the teacher's stage-``k`` maps, summed over levels (and
    branches at stage 2). Loss ``loss_fitnet``, ``loss_pkd`` or ``loss_cwd``.

    CWD with a student narrower than the teacher reads the student's maps through the 1x1
    adapter (CWD's paper does; the authors' YOLOv6-R code compares equal widths only).

    Args:
        mode: ``"fitnet"``, ``"pkd"`` or ``"cwd"``.
        stage: head stage (0: the neck maps).
        loss_weight: per level (default 1 for FitNet, 6 for PKD, 10 for CWD).
        kernel_size: adapter conv size.
        temperature: of CWD's spatial softmax (YOLOv6-R: 1).
    """

    DEFAULT_WEIGHTS = {"fitnet": 1.0, "pkd": 6.0, "cwd": 10.0}

    def __init__(self, mode: str = "pkd", stage: int = 0, loss_weight=None, kernel_size: int = 1,
                 temperature: float = 1.0):
        if mode not in self.DEFAULT_WEIGHTS:
            raise ValueError(f"mode must be one of {sorted(self.DEFAULT_WEIGHTS)}, got {mode!r}")
        super().__init__(self.DEFAULT_WEIGHTS[mode] if loss_weight is None else loss_weight)
        if stage not in (0, 1, 2):
            raise ValueError(f"feature stage must be 0, 1 or 2, got {stage}")
        self.mode, self.stage, self.kernel_size = mode, int(stage), int(kernel_size)
        self.temperature = float(temperature)
        self.student_stage = self.stage if self.stage > 0 else None

    def setup(self, student, teacher) -> None:
        branches = student.head.branches if self.stage == 2 else None
        self.adapter = LevelAdapters(student.head.in_channels, teacher.head.in_channels, self.kernel_size,
                                     branches=branches)

    def forward(self, ctx: KDContext) -> Dict[str, torch.Tensor]:
        s_maps = tower_maps(self.adapter(ctx.student_tower(self.stage)))
        t_maps = tower_maps(ctx.teacher_tower(self.stage))
        if self.mode == "pkd":
            loss = sum(pearson_loss(s, t) for s, t in zip(s_maps, t_maps))
        elif self.mode == "cwd":
            loss = sum(channel_wise_kl(s, t, self.temperature) for s, t in zip(s_maps, t_maps))
        else:
            loss = sum(((s.float() - t.detach().float()) ** 2).mean() for s, t in zip(s_maps, t_maps))
        return {f"loss_{self.mode}": self.loss_weight * loss}


@MODELS.register_module()
class FeatureRichnessDistillation(KDComponent):
    """FRS (see the module docstring). Losses ``loss_frs_feat`` and ``loss_frs_cls``.

    Args:
        feat_weight: weight of the neck imitation.
        cls_weight: weight of the head (class probability) imitation.
        kernel_size: adapter conv size (FRS: 3).
    """

    def __init__(self, feat_weight: float = 0.1, cls_weight: float = 0.05, kernel_size: int = 3):
        super().__init__(1.0)
        self.feat_weight, self.cls_weight, self.kernel_size = float(feat_weight), float(cls_weight), int(kernel_size)

    def setup(self, student, teacher) -> None:
        self.adapter = LevelAdapters(student.head.in_channels, teacher.head.in_channels, self.kernel_size,
                                     always=True)

    def forward(self, ctx: KDContext) -> Dict[str, torch.Tensor]:
        masks = ctx.t_raw.level_split(ctx.teacher_max_score())  # [(B, N_l)]
        s_feats = self.adapter(ctx.s_feats)
        s_cls = ctx.s_raw.level_split(ctx.s_raw.cls_logits)
        t_cls = ctx.t_raw.level_split(ctx.t_raw.cls_logits)
        feat = cls = ctx.s_raw.cls_logits.sum() * 0.0
        for lvl, (m, s, t) in enumerate(zip(masks, s_feats, ctx.t_feats)):
            m_sum = m.sum().clamp(min=1e-6)
            sq = (s.float() - t.detach().float()).pow(2).flatten(2).sum(1)  # (B, N_l)
            feat = feat + (sq * m).sum() / m_sum
            bce = binary_kl_logits(s_cls[lvl], t_cls[lvl]).sum(-1)  # (B, N_l)
            cls = cls + (bce * m).sum() / m_sum
        return {"loss_frs_feat": self.feat_weight * feat, "loss_frs_cls": self.cls_weight * cls}
