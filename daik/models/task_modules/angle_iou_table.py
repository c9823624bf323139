"""The rotated-IoU lookup table of DAIK's AAL: how much a box of a given aspect ratio still
overlaps itself when turned by an angle.

``LUT(AR, dtheta) = IoU(box(AR, 0), box(AR, dtheta))`` for a box of sides ``AR x 1`` turned
about its centre. It is 1 at ``dtheta = 0`` and ``180`` degrees, symmetric about 90 degrees, and
falls the faster the more elongated the box: a square keeps ``1/sqrt(2)`` at 45 degrees and 1 at
90, a ``3 x 1`` box keeps ``1/5`` at 90. DAIK's authors tabulate it once with their rotated-IoU
op over ``AR in [1, 7]`` and ``dtheta in [0, 180]`` degrees (a 400 x 400 grid) and read it by the
nearest node; daik builds it with :func:`daik.ops.box_iou_rotated` and reads it by bilinear
interpolation, on a grid whose default (601 x 361: steps of 0.01 in AR and 0.5 degree) puts
the usual checks (AR 1, 3; 45 and 90 degrees) on nodes.
"""
import functools
import math

import torch

from daik.ops import box_iou_rotated


class AngleIoUTable:
    """``LUT(AR, dtheta)`` (see the module docstring).

    Args:
        ar_range: ``(AR_min, AR_max)``; aspect ratios outside are clamped to it.
        num_ar: grid nodes along AR.
        num_theta: grid nodes along ``dtheta`` over ``[0, 180]`` degrees.
    """

    def __init__(self, ar_range=(1.0, 7.0), num_ar: int = 601, num_theta: int = 361):
        lo, hi = float(ar_range[0]), float(ar_range[1])
        if not 1.0 <= lo < hi or num_ar < 2 or num_theta < 2:
            raise ValueError(f"need 1 <= AR_min < AR_max and >= 2 nodes, got {ar_range}, {num_ar}, {num_theta}")
        self.ar_min, self.ar_max, self.num_ar, self.num_theta = lo, hi, int(num_ar), int(num_theta)
        self.table = _build_table(lo, hi, self.num_ar, self.num_theta)  # (num_ar, num_theta)
        self._on = {}

    def _table_on(self, device: torch.device) -> torch.Tensor:
        if device not in self._on:
            self._on[device] = self.table.to(device)
        return self._on[device]

    def __call__(self, aspect_ratio: torch.Tensor, delta_theta: torch.Tensor) -> torch.Tensor:
        """LUT values, bilinearly interpolated.

        Args:
            aspect_ratio: ``(...)`` long side over short side (clamped to the table's range).
            delta_theta: ``(...)`` angle differences in radians, any sign and period.

        Returns:
            ``(...)`` float32 in [0, 1], on the inputs' device.
        """
        table = self._table_on(aspect_ratio.device)
        ar = aspect_ratio.float().clamp(self.ar_min, self.ar_max)
        d = torch.remainder(delta_theta.float(), math.pi)  # the table repeats every 180 degrees
        u = (ar - self.ar_min) / (self.ar_max - self.ar_min) * (self.num_ar - 1)
        v = (d / math.pi * (self.num_theta - 1)).clamp(0, self.num_theta - 1)
        u0 = u.floor().long().clamp(0, self.num_ar - 2)
        v0 = v.floor().long().clamp(0, self.num_theta - 2)
        fu, fv = (u - u0).clamp(0, 1), (v - v0).clamp(0, 1)
        top = table[u0, v0] * (1 - fv) + table[u0, v0 + 1] * fv
        bottom = table[u0 + 1, v0] * (1 - fv) + table[u0 + 1, v0 + 1] * fv
        return top * (1 - fu) + bottom * fu


@functools.lru_cache(maxsize=4)
def _build_table(lo: float, hi: float, num_ar: int, num_theta: int) -> torch.Tensor:
    """``(num_ar, num_theta)`` IoU of ``AR x 1`` boxes with themselves turned (built once per grid)."""
    ar = torch.linspace(lo, hi, num_ar, dtype=torch.float64)
    theta = torch.linspace(0.0, math.pi, num_theta, dtype=torch.float64)
    a, t = torch.meshgrid(ar, theta, indexing="ij")
    zeros, ones = torch.zeros_like(a), torch.ones_like(a)
    still = torch.stack([zeros, zeros, a, ones, zeros], dim=-1).reshape(-1, 5)
    turned = torch.stack([zeros, zeros, a, ones, t], dim=-1).reshape(-1, 5)
    iou = box_iou_rotated(still, turned, aligned=True).reshape(num_ar, num_theta)
    return iou.clamp(0.0, 1.0).float()


def aspect_ratio(rboxes: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """``(..., 5) -> (...)`` long side over short side (>= 1)."""
    w, h = rboxes[..., 2].abs(), rboxes[..., 3].abs()
    return torch.maximum(w, h) / torch.minimum(w, h).clamp(min=eps)
