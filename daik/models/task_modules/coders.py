"""Coders between rotated boxes and what the head predicts.

- :class:`CSLCoder`: angle <-> circular smooth label over 180 one-degree bins.
- :class:`RBoxDistanceCoder`: rbox <-> distances ``(l, t, r, b)`` from a point to the four
  sides, measured in the box's own rotated frame.
- :func:`dfl_expectation`: DFL logits -> expected distance in bins.
"""
import math

import torch
import torch.nn.functional as F

from daik.registry import TASK_UTILS
from daik.structures import norm_angle, regularize_rboxes


@TASK_UTILS.register_module()
class CSLCoder:
    """Circular smooth label of an angle (DESIGN.md §1).

    Bin ``i`` (of ``num_bins``) covers ``[-90 + i w, -90 + (i + 1) w)`` degrees with
    ``w = 180 / num_bins``, centre at ``-90 + (i + 0.5) w``. An angle at continuous bin
    position ``x = (deg + 90) / w - 0.5`` gets the window ``exp(-d_i^2 / (2 r^2))`` with
    ``d_i`` the circular distance (period ``num_bins``) from bin ``i`` to ``x``: the label is
    periodic with period pi, like the box itself, so -90 and +90 degrees are neighbours.

    Decoding takes the arg-max bin and refines it by the vertex of the parabola through the
    log-probabilities of the peak and its two circular neighbours. The log of a Gaussian
    window is exactly such a parabola, so ``decode(logit(encode(t))) == t`` up to float error.

    Args:
        num_bins: number of bins over 180 degrees.
        radius: window radius ``r`` in bins.
    """

    def __init__(self, num_bins: int = 180, radius: float = 6.0):
        if num_bins < 3:
            raise ValueError(f"CSLCoder needs at least 3 bins, got {num_bins}")
        if radius <= 0:
            raise ValueError(f"CSLCoder radius must be positive, got {radius}")
        self.num_bins = int(num_bins)
        self.radius = float(radius)
        self.bin_width = math.pi / self.num_bins  # radians

    def position(self, theta: torch.Tensor) -> torch.Tensor:
        """Continuous bin position ``(...) -> (...)`` in ``[-0.5, num_bins - 0.5)``."""
        return (norm_angle(theta) + math.pi / 2) / self.bin_width - 0.5

    def encode(self, theta: torch.Tensor) -> torch.Tensor:
        """Angles (radians, any value; taken modulo pi) ``(...) -> (..., num_bins)`` windows."""
        x = self.position(theta)[..., None]
        bins = torch.arange(self.num_bins, device=theta.device, dtype=x.dtype)
        d = torch.remainder(bins - x, self.num_bins)
        d = torch.minimum(d, self.num_bins - d)
        return torch.exp(-d.square() / (2 * self.radius ** 2))

    def decode(self, logits: torch.Tensor) -> torch.Tensor:
        """Logits ``(..., num_bins) -> (...)`` angles in ``[-pi/2, pi/2)``."""
        if logits.shape[-1] != self.num_bins:
            raise ValueError(f"expected {self.num_bins} angle bins, got {logits.shape[-1]}")
        low = logits.dtype in (torch.float16, torch.bfloat16)
        logp = F.logsigmoid(logits.float() if low else logits)
        peak = logp.argmax(dim=-1, keepdim=True)  # (..., 1)
        left = torch.remainder(peak - 1, self.num_bins)
        right = torch.remainder(peak + 1, self.num_bins)
        y0, ym, yp = logp.gather(-1, peak), logp.gather(-1, left), logp.gather(-1, right)
        curv = ym - 2 * y0 + yp  # <= 0 at a maximum
        ok = curv < -1e-12
        delta = torch.where(ok, 0.5 * (ym - yp) / torch.where(ok, curv, -torch.ones_like(curv)),
                            torch.zeros_like(curv)).clamp(-0.5, 0.5)
        x = (peak.to(logp.dtype) + delta).squeeze(-1)
        theta = (x + 0.5) * self.bin_width - math.pi / 2
        return norm_angle(theta).to(logits.dtype)


@TASK_UTILS.register_module()
class RBoxDistanceCoder:
    """Distances ``(l, t, r, b)`` from a point to the sides of a rotated box, in its own frame.

    With the box's axes ``u = (cos t, sin t)`` (along ``w``) and ``v = (-sin t, cos t)``
    (along ``h``) and the point at ``(pu, pv)`` from the centre in that frame:
    ``l = w/2 + pu``, ``r = w/2 - pu``, ``t = h/2 + pv``, ``b = h/2 - pv``. All four are
    positive exactly when the point is inside the box.
    """

    @staticmethod
    def encode(points: torch.Tensor, rboxes: torch.Tensor) -> torch.Tensor:
        """``(..., 2), (..., 5) -> (..., 4)`` distances (pixels; negative outside the box)."""
        d = points - rboxes[..., :2]
        cos, sin = torch.cos(rboxes[..., 4]), torch.sin(rboxes[..., 4])
        pu = d[..., 0] * cos + d[..., 1] * sin
        pv = -d[..., 0] * sin + d[..., 1] * cos
        hw, hh = rboxes[..., 2] / 2, rboxes[..., 3] / 2
        return torch.stack([hw + pu, hh + pv, hw - pu, hh - pv], dim=-1)

    @staticmethod
    def decode(points: torch.Tensor, distances: torch.Tensor, theta: torch.Tensor,
               regularize: bool = True) -> torch.Tensor:
        """``(..., 2), (..., 4), (...) -> (..., 5)`` rboxes (regularised unless told not to)."""
        l, t, r, b = distances.unbind(-1)
        cu, cv = (r - l) / 2, (b - t) / 2  # centre offset from the point, box frame
        cos, sin = torch.cos(theta), torch.sin(theta)
        cx = points[..., 0] + cu * cos - cv * sin
        cy = points[..., 1] + cu * sin + cv * cos
        boxes = torch.stack([cx, cy, l + r, t + b, theta.to(cx.dtype)], dim=-1)
        return regularize_rboxes(boxes) if regularize else boxes


def dfl_expectation(logits: torch.Tensor) -> torch.Tensor:
    """Expected bin of DFL logits ``(..., reg_max + 1) -> (...)`` (softmax-weighted 0..reg_max)."""
    proj = torch.arange(logits.shape[-1], device=logits.device, dtype=logits.dtype)
    return (logits.softmax(dim=-1) * proj).sum(-1)
