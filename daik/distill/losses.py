"""Element-wise knowledge-distillation losses shared by the distillers.

All take student *logits* (with gradient) and teacher logits or maps (detached here:
a teacher never receives a gradient), compute in float32, and are zero exactly where the
student equals the teacher.
"""
from typing import Optional

import torch
import torch.nn.functional as F


def kl_div_logits(student: torch.Tensor, teacher: torch.Tensor, temperature: float = 1.0) -> torch.Tensor:
    """``T^2 * KL(softmax(teacher / T) || softmax(student / T))`` over the last dimension.

    The ``T^2`` keeps gradient magnitudes comparable across temperatures (Hinton et al.,
    "Distilling the Knowledge in a Neural Network", 2015).

    Args:
        student: ``(..., K)`` logits.
        teacher: ``(..., K)`` logits (detached).
        temperature: softening temperature ``T > 0``.

    Returns:
        ``(...)`` non-negative divergences, 0 where the logits agree up to a constant.
    """
    if temperature <= 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    t = temperature
    log_p_t = F.log_softmax(teacher.detach().float() / t, dim=-1)
    log_p_s = F.log_softmax(student.float() / t, dim=-1)
    return (log_p_t.exp() * (log_p_t - log_p_s)).sum(-1) * (t * t)


def binary_kl_logits(student: torch.Tensor, teacher: torch.Tensor) -> torch.Tensor:
    """Element-wise binary KL ``KL(Bern(q) || Bern(p))`` with ``q = sigmoid(teacher)``,
    ``p = sigmoid(student)``: the BCE against the soft target ``q`` minus ``q``'s entropy.

    Computed from both logits with ``logsigmoid`` (no cancellation: exactly 0 where the logits
    agree); its gradient in ``student`` is ``p - q``, the BCE's.

    Args:
        student: logits, any shape.
        teacher: logits, same shape (detached).
    """
    s, t = student.float(), teacher.detach().float()
    q = t.sigmoid()
    return q * (F.logsigmoid(t) - F.logsigmoid(s)) + (1 - q) * (F.logsigmoid(-t) - F.logsigmoid(-s))


def quality_focal_kd(student: torch.Tensor, teacher: torch.Tensor, beta: float = 1.0) -> torch.Tensor:
    """QFL-style distillation (GFL; CrossKD's ``KDQualityFocalLoss``): binary KL to the
    teacher's probability ``q`` scaled by ``|sigmoid(s) - q|^beta``.

    The entropy of ``q`` is subtracted from CrossKD's BCE form (which leaves the gradient of
    the BCE term unchanged), so the loss is 0 exactly at agreement.

    Args:
        student: logits.
        teacher: logits, same shape (detached).
    """
    scale = (student.float().sigmoid() - teacher.detach().float().sigmoid()).abs().pow(beta)
    return binary_kl_logits(student, teacher) * scale


def weighted_mean(loss: torch.Tensor, weight: Optional[torch.Tensor], norm: float) -> torch.Tensor:
    """``sum(loss * weight) / norm``; an empty ``loss`` gives a 0 that keeps the graph."""
    if loss.numel() == 0:
        return loss.sum() * 0.0
    if weight is not None:
        loss = loss * weight.to(loss.dtype)
    return loss.sum() / max(float(norm), 1e-12)


def channel_standardise(x: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """Zero mean and unit standard deviation per channel over batch and space.

    Args:
        x: ``(B, C, H, W)``.

    Returns:
        ``(B, C, H, W)`` standardised features.
    """
    mean = x.mean(dim=(0, 2, 3), keepdim=True)
    std = x.std(dim=(0, 2, 3), keepdim=True) if x[:, 0].numel() > 1 else torch.ones_like(mean)
    return (x - mean) / (std + eps)


def pearson_loss(student: torch.Tensor, teacher: torch.Tensor) -> torch.Tensor:
    """PKD ("PKD: General Distillation Framework for Object Detectors via Pearson Correlation
    Coefficient", 2022): half the mean squared error of channel-standardised maps, which
    equals ``(1 - r) (n - 1) / n`` averaged over channels, ``r`` being each channel's Pearson
    correlation over its ``n`` values (the ``(n - 1) / n`` from the unbiased std).

    Args:
        student: ``(B, C, H, W)`` (adapted to the teacher's width).
        teacher: ``(B, C, H, W)`` (detached).
    """
    s = channel_standardise(student.float())
    t = channel_standardise(teacher.detach().float())
    return F.mse_loss(s, t) / 2


def channel_wise_kl(student: torch.Tensor, teacher: torch.Tensor, temperature: float = 1.0) -> torch.Tensor:
    """CWD (Shu et al., "Channel-wise Knowledge Distillation for Dense Prediction", ICCV 2021):
    each channel's map as a distribution over its positions, ``T^2 KL(softmax_HW(t / T) ||
    softmax_HW(s / T))`` summed over channels and divided by ``B * C``.

    Args:
        student: ``(B, C, H, W)`` (adapted to the teacher's width).
        teacher: ``(B, C, H, W)`` (detached).
    """
    b, c = student.shape[:2]
    return kl_div_logits(student.flatten(2), teacher.flatten(2), temperature).sum() / (b * c)
