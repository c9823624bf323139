"""Distillers of rotated detectors (all registered in ``daik.registry.MODELS`` / ``HOOKS``).

One model, :class:`RotatedDistiller`, holds the student, a frozen teacher built from the
teacher's own config and checkpoint, and any set of distillation parts, each switchable and
weighted by config (``components=dict(name=part_cfg or None)``); every part's losses appear
by name in the training log:

====================================  ==========================================================
part                                  losses
====================================  ==========================================================
``AngleDistillation`` (DAIK AD)       ``loss_ad``
``AALAssignment`` (DAIK AAL)          rotated-IoU table in the assignment metric (``aal_lut``)
``SampleAlignmentDistillation`` (SAD) teacher-guided positives, ``loss_sad``
``AALSinReweighting``                 ablation: the earlier sin table (``aal_w``)
``LocalizationDistillation`` (LD)     ``loss_ld``
``ClassDistillation``                 ``loss_cls_kd``
``PredictionMimicking``               ``loss_mimic_{cls,dfl,angle}``
``CrossHeadDistillation`` (CrossKD)   ``loss_cross_{cls,dfl,angle,box}``
``CrossAssignmentDistillation``       ``loss_cakd_{cls,dfl,angle,box}`` (student head
(CAKD)                                ``RotatedYOLOv6O2OHead``, NMS-free)
``FeatureImitation`` (FitNet / PKD)   ``loss_fitnet`` / ``loss_pkd``
``FeatureRichnessDistillation`` (FRS) ``loss_frs_{feat,cls}``
``SemanticAlignmentDistillation``     ``loss_sea_{anchor,topo,loc}``
====================================  ==========================================================

``KDScheduleHook`` scales all of them over training (constant, cosine decay, warm-up);
``KDDiagnosticsHook`` records target conflicts and L1 distances (:mod:`.diagnostics`).
"""
from .aal import AALAssignment, AALSinReweighting
from .cakd import CrossAssignmentDistillation, RotatedOneToOneAssigner, RotatedYOLOv6O2OHead
from .component import KDComponent
from .context import KDContext
from .crosskd import CrossHeadDistillation
from .distiller import RotatedDistiller
from .feature_kd import FeatureImitation, FeatureRichnessDistillation
from .hooks import KDDiagnosticsHook, KDScheduleHook, kd_weight
from .prediction_kd import AngleDistillation, ClassDistillation, LocalizationDistillation, PredictionMimicking
from .sad import SampleAlignmentDistillation
from .sea import SemanticAlignmentDistillation
from .teacher import DISTILL_PREFIX, build_teacher

__all__ = [
    "RotatedDistiller", "KDComponent", "KDContext", "build_teacher", "DISTILL_PREFIX",
    "AngleDistillation", "AALAssignment", "AALSinReweighting", "SampleAlignmentDistillation", "LocalizationDistillation",
    "ClassDistillation", "PredictionMimicking", "CrossHeadDistillation", "CrossAssignmentDistillation",
    "RotatedOneToOneAssigner", "RotatedYOLOv6O2OHead", "FeatureImitation", "FeatureRichnessDistillation",
    "SemanticAlignmentDistillation", "KDScheduleHook", "KDDiagnosticsHook", "kd_weight",
]
