"""Rotated boxes under the image transforms daik applies (flips, quarter turns, rotations).

Coordinates are continuous: an image of ``W x H`` pixels spans ``[0, W] x [0, H]`` and pixel
``(i, j)`` (row, column) covers ``[j, j+1] x [i, i+1]``. Each function here moves boxes the
way the matching array operation moves pixels, and returns regularised boxes.
"""
import math
from typing import Sequence, Tuple

import torch

from .rbox import _torch_op, regularize_rboxes


@_torch_op
def flip_rboxes(rboxes: torch.Tensor, img_shape: Sequence[int], direction: str = "horizontal") -> torch.Tensor:
    """Boxes of an image flipped like ``img[:, ::-1]`` / ``img[::-1]`` / both.

    Args:
        rboxes: ``(..., 5)``.
        img_shape: ``(H, W)`` of the image before (and after) the flip.
        direction: ``"horizontal"`` (left-right), ``"vertical"`` (up-down) or ``"diagonal"``.

    Returns:
        ``(..., 5)`` regularised.
    """
    h_img, w_img = float(img_shape[0]), float(img_shape[1])
    cx, cy, w, h, t = rboxes.unbind(-1)
    if direction == "horizontal":
        cx, t = w_img - cx, -t
    elif direction == "vertical":
        cy, t = h_img - cy, -t
    elif direction == "diagonal":
        cx, cy = w_img - cx, h_img - cy
    else:
        raise ValueError(f"direction must be horizontal, vertical or diagonal, got {direction!r}")
    return regularize_rboxes(torch.stack([cx, cy, w, h, t], dim=-1))


def rot90_shape(img_shape: Sequence[int], k: int) -> Tuple[int, int]:
    """``(H, W)`` of an image after ``np.rot90(img, k)``."""
    h, w = int(img_shape[0]), int(img_shape[1])
    return (w, h) if k % 2 else (h, w)


@_torch_op
def rot90_rboxes(rboxes: torch.Tensor, img_shape: Sequence[int], k: int = 1) -> torch.Tensor:
    """Boxes of an image turned like ``np.rot90(img, k)`` (axes 0, 1).

    One quarter turn maps a point ``(x, y)`` of a ``W``-wide image to ``(y, W - x)``, which is
    counter-clockwise on screen, and theta to ``theta - pi/2``.

    Args:
        rboxes: ``(..., 5)``.
        img_shape: ``(H, W)`` before the turn.
        k: number of quarter turns (any integer).

    Returns:
        ``(..., 5)`` regularised.
    """
    cx, cy, w, h, t = rboxes.unbind(-1)
    h_img, w_img = float(img_shape[0]), float(img_shape[1])
    for _ in range(k % 4):
        cx, cy, t = cy, w_img - cx, t - math.pi / 2
        w_img, h_img = h_img, w_img
    return regularize_rboxes(torch.stack([cx, cy, w, h, t], dim=-1))


@_torch_op
def rotate_rboxes(rboxes: torch.Tensor, angle: float, center: Sequence[float],
                  new_center: Sequence[float] = None) -> torch.Tensor:
    """Turn boxes by ``angle`` radians about ``center`` (positive: clockwise on screen).

    A point ``p`` goes to ``R(angle) (p - center) + new_center`` with
    ``R = [[cos, -sin], [sin, cos]]`` in image axes, and theta to ``theta + angle``. With
    ``new_center`` (default ``center``) an image grown to hold the turned content is handled.

    Args:
        rboxes: ``(..., 5)``.
        angle: radians.
        center: ``(x, y)`` pivot.
        new_center: where the pivot lands, ``(x, y)``.

    Returns:
        ``(..., 5)`` regularised.
    """
    if new_center is None:
        new_center = center
    cos, sin = math.cos(angle), math.sin(angle)
    cx, cy, w, h, t = rboxes.unbind(-1)
    dx, dy = cx - center[0], cy - center[1]
    ncx = dx * cos - dy * sin + new_center[0]
    ncy = dx * sin + dy * cos + new_center[1]
    return regularize_rboxes(torch.stack([ncx, ncy, w, h, t + angle], dim=-1))
