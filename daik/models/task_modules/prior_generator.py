"""Anchor points of the feature levels."""
from dataclasses import dataclass
from typing import List, Sequence, Tuple

import torch

from daik.registry import TASK_UTILS


@dataclass
class Priors:
    """Anchor points of all levels, flattened level by level (row-major within a level).

    Attributes:
        points: ``(N, 2)`` ``(x, y)`` in input pixels.
        strides: ``(N,)`` stride of each point's level.
        level_sizes: ``[(H_l, W_l)]`` per level; ``N = sum(H_l * W_l)``.
    """

    points: torch.Tensor
    strides: torch.Tensor
    level_sizes: List[Tuple[int, int]]

    @property
    def num_level_points(self) -> List[int]:
        return [h * w for h, w in self.level_sizes]


@TASK_UTILS.register_module()
class MlvlPointGenerator:
    """Point ``(j + offset, i + offset) * stride`` for cell ``(i, j)`` of each level.

    Args:
        strides: stride of each level.
        offset: position within the cell (0.5: the cell centre).
    """

    def __init__(self, strides: Sequence[int] = (8, 16, 32), offset: float = 0.5):
        self.strides = tuple(int(s) for s in strides)
        self.offset = float(offset)

    def grid_priors(self, level_sizes: Sequence[Tuple[int, int]], dtype=torch.float32,
                    device="cpu") -> Priors:
        if len(level_sizes) != len(self.strides):
            raise ValueError(f"{len(level_sizes)} levels for {len(self.strides)} strides")
        points, strides = [], []
        for (h, w), s in zip(level_sizes, self.strides):
            ys = (torch.arange(h, dtype=dtype, device=device) + self.offset) * s
            xs = (torch.arange(w, dtype=dtype, device=device) + self.offset) * s
            yy, xx = torch.meshgrid(ys, xs, indexing="ij")
            points.append(torch.stack([xx.reshape(-1), yy.reshape(-1)], dim=-1))
            strides.append(torch.full((h * w,), float(s), dtype=dtype, device=device))
        return Priors(torch.cat(points), torch.cat(strides), [(int(h), int(w)) for h, w in level_sizes])
