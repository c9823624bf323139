"""Trainable adapters from student widths to teacher widths (distillation-only modules: they
live under the distiller's ``distill.`` prefix and are dropped from the deployed student)."""
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn as nn

Tower = List[Union[torch.Tensor, Dict[str, torch.Tensor]]]


class LevelAdapters(nn.Module):
    """One conv per level (and per branch for head stage 2) mapping ``in_channels[l]`` to
    ``out_channels[l]``; identity where the widths match, unless ``always``.

    Args:
        in_channels: student width per level.
        out_channels: teacher width per level.
        kernel_size: conv size (1: FitNet/CrossKD/PKD style; FRS uses 3).
        always: use a conv even where widths match (FRS's adaptation layer).
        branches: branch names when the features are per-branch dicts (head stage 2).
    """

    def __init__(self, in_channels: Sequence[int], out_channels: Sequence[int], kernel_size: int = 1,
                 always: bool = False, branches: Optional[Sequence[str]] = None):
        super().__init__()
        if len(in_channels) != len(out_channels):
            raise ValueError(f"{len(in_channels)} student levels vs {len(out_channels)} teacher levels")
        self.branches = tuple(branches) if branches else None

        def conv(ci: int, co: int) -> nn.Module:
            if ci == co and not always:
                return nn.Identity()
            return nn.Conv2d(ci, co, kernel_size, padding=kernel_size // 2)

        keys = self.branches or ("x",)
        self.convs = nn.ModuleDict({k: nn.ModuleList(conv(ci, co) for ci, co in zip(in_channels, out_channels))
                                    for k in keys})

    @property
    def is_identity(self) -> bool:
        return all(isinstance(m, nn.Identity) for ms in self.convs.values() for m in ms)

    def forward(self, feats: Tower) -> Tower:
        """Per-level tensors ``[(B, C_s, H, W)]`` (or dicts of them) -> teacher widths."""
        if self.branches is None:
            return [self.convs["x"][i](f) for i, f in enumerate(feats)]
        return [{b: self.convs[b][i](f[b]) for b in self.branches} for i, f in enumerate(feats)]


def match_statistics(student: torch.Tensor, teacher: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """Give the student map the teacher's per-channel mean and std (over batch and space, the
    population std, so a single value per channel stays finite), as CrossKD does before the
    teacher's head reads student features.

    Args:
        student: ``(B, C, H, W)``.
        teacher: ``(B, C, H, W)`` (detached statistics).
    """
    dims = (0, 2, 3)
    s_mean, s_std = student.mean(dims, keepdim=True), student.std(dims, correction=0, keepdim=True)
    t = teacher.detach()
    t_mean, t_std = t.mean(dims, keepdim=True), t.std(dims, correction=0, keepdim=True)
    return (student - s_mean) * (t_std / s_std.clamp(min=eps)) + t_mean  # exact when student == teacher


def map_tower(fn, student: Tower, teacher: Tower) -> Tower:
    """Apply ``fn(s, t)`` to every map of two towers of the same layout."""
    out = []
    for s, t in zip(student, teacher):
        out.append({k: fn(s[k], t[k]) for k in s} if isinstance(s, dict) else fn(s, t))
    return out


def tower_maps(tower: Tower) -> List[torch.Tensor]:
    """Flatten a tower (tensors or per-branch dicts) into a list of maps."""
    out = []
    for t in tower:
        out.extend(t.values() if isinstance(t, dict) else [t])
    return out
