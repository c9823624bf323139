"""The one rotated-box convention of daik, and conversions to and from it.

A rotated box is ``(cx, cy, w, h, theta)``: centre, width, height and theta in radians, in
image axes (x to the right, y downwards). Its corners are::

    x = cx + dx * cos(theta) - dy * sin(theta)
    y = cy + dx * sin(theta) + dy * cos(theta)

for ``(dx, dy)`` in ``(-w/2, -h/2), (w/2, -h/2), (w/2, h/2), (-w/2, h/2)``, in that order.
This is mmrotate's ``le90`` (``rbox2qbox``) and mmcv's ``box_iou_rotated(clockwise=True)``: a
positive theta turns the box clockwise as seen on screen. The *regularised* form has
``theta`` in ``[-pi/2, pi/2)`` and ``w >= h``.

A polygon is DOTA's eight numbers ``x1 y1 x2 y2 x3 y3 x4 y4``.

Every function takes a ``torch.Tensor`` or a ``numpy.ndarray`` of any leading shape and
returns the same type, dtype and device.
"""
import math
from typing import Callable, Union

import numpy as np
import torch

Array = Union[torch.Tensor, np.ndarray]

# The corner offsets of the convention, in units of (w/2, h/2).
_CORNER_SIGNS = ((-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0))


def _torch_op(fn: Callable[[torch.Tensor], torch.Tensor]) -> Callable[[Array], Array]:
    """Let a torch implementation take numpy arrays too (returned as numpy)."""

    def wrapped(x, *args, **kwargs):
        if isinstance(x, np.ndarray):
            if not np.issubdtype(x.dtype, np.floating):
                x = x.astype(np.float64)
            return fn(torch.from_numpy(np.ascontiguousarray(x)), *args, **kwargs).numpy()
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"{fn.__name__} takes a torch.Tensor or numpy.ndarray, got {type(x)}")
        if not x.is_floating_point():
            x = x.double()
        return fn(x, *args, **kwargs)

    wrapped.__name__ = fn.__name__
    wrapped.__doc__ = fn.__doc__
    return wrapped


def _check_last_dim(x: torch.Tensor, n: int, what: str) -> None:
    if x.shape[-1] != n:
        raise ValueError(f"{what} must have {n} numbers in the last dimension, got shape {tuple(x.shape)}")


def norm_angle(theta: Array) -> Array:
    """Wrap angles into ``[-pi/2, pi/2)`` (period pi: a box is the same turned by 180 deg)."""
    if isinstance(theta, np.ndarray):
        return norm_angle(torch.from_numpy(theta)).numpy()
    out = torch.remainder(theta + math.pi / 2, math.pi) - math.pi / 2
    # remainder can round up to exactly pi/2 for inputs a hair below a multiple of pi.
    out = torch.where(out >= math.pi / 2, out - math.pi, out)
    # angles already in range stay bit-identical (regularisation is idempotent).
    return torch.where((theta >= -math.pi / 2) & (theta < math.pi / 2), theta, out)


@_torch_op
def regularize_rboxes(rboxes: torch.Tensor) -> torch.Tensor:
    """Bring rboxes to the regularised le90 form: ``w >= h``, theta in ``[-pi/2, pi/2)``.

    The region each box covers is unchanged. Idempotent (squares keep their theta).

    Args:
        rboxes: ``(..., 5)``.

    Returns:
        ``(..., 5)`` regularised copy.
    """
    _check_last_dim(rboxes, 5, "rboxes")
    cx, cy, w, h, t = rboxes.unbind(-1)
    swap = w < h
    w2 = torch.where(swap, h, w)
    h2 = torch.where(swap, w, h)
    t2 = norm_angle(torch.where(swap, t + math.pi / 2, t))
    return torch.stack([cx, cy, w2, h2, t2], dim=-1)


@_torch_op
def rbox2poly(rboxes: torch.Tensor) -> torch.Tensor:
    """Corners of rotated boxes.

    Args:
        rboxes: ``(..., 5)`` as ``(cx, cy, w, h, theta)``.

    Returns:
        ``(..., 8)`` as ``(x1, y1, ..., x4, y4)`` in the order of the module docstring.
    """
    _check_last_dim(rboxes, 5, "rboxes")
    cx, cy, w, h, t = rboxes.unbind(-1)
    cos, sin = torch.cos(t), torch.sin(t)
    pts = []
    for sx, sy in _CORNER_SIGNS:
        dx, dy = sx * w / 2, sy * h / 2
        pts.append(cx + dx * cos - dy * sin)
        pts.append(cy + dx * sin + dy * cos)
    return torch.stack(pts, dim=-1)


@_torch_op
def poly2rbox(polys: torch.Tensor) -> torch.Tensor:
    """Minimum-area enclosing rectangle of 4-point polygons, regularised (le90).

    The rectangle has a side along one edge of the convex hull of the four points; every hull
    edge is one of the six segments between two points, so all six directions are tried.
    Vertex order does not matter.

    Args:
        polys: ``(..., 8)``.

    Returns:
        ``(..., 5)`` regularised rboxes (for a rectangle: that rectangle).
    """
    _check_last_dim(polys, 8, "polys")
    lead = polys.shape[:-1]
    pts = polys.reshape(-1, 4, 2)  # (N, 4, 2)
    origin = pts.mean(dim=1, keepdim=True)  # centring keeps float32 precise for large coords
    pts = pts - origin
    i, j = torch.triu_indices(4, 4, offset=1, device=pts.device)  # the 6 point pairs
    d = pts[:, j] - pts[:, i]  # (N, 6, 2)
    ang = torch.atan2(d[..., 1], d[..., 0])  # (N, 6)
    cos, sin = torch.cos(ang)[..., None], torch.sin(ang)[..., None]  # (N, 6, 1)
    x, y = pts[:, None, :, 0], pts[:, None, :, 1]  # (N, 1, 4)
    u = x * cos + y * sin  # coordinates along the candidate direction, (N, 6, 4)
    v = -x * sin + y * cos
    umin, umax = u.amin(-1), u.amax(-1)
    vmin, vmax = v.amin(-1), v.amax(-1)
    area = (umax - umin) * (vmax - vmin)  # (N, 6)
    k = area.argmin(dim=1, keepdim=True)

    def pick(a):
        return a.gather(1, k).squeeze(1)

    a, uc, vc = pick(ang), pick((umax + umin) / 2), pick((vmax + vmin) / 2)
    w, h = pick(umax - umin), pick(vmax - vmin)
    cx = uc * torch.cos(a) - vc * torch.sin(a) + origin[:, 0, 0]
    cy = uc * torch.sin(a) + vc * torch.cos(a) + origin[:, 0, 1]
    out = regularize_rboxes(torch.stack([cx, cy, w, h, a], dim=-1))
    return out.reshape(*lead, 5)


@_torch_op
def rbox2hbox(rboxes: torch.Tensor) -> torch.Tensor:
    """Axis-aligned box ``(x1, y1, x2, y2)`` enclosing each rotated box: ``(..., 5) -> (..., 4)``."""
    _check_last_dim(rboxes, 5, "rboxes")
    cx, cy, w, h, t = rboxes.unbind(-1)
    cos, sin = torch.cos(t).abs(), torch.sin(t).abs()
    ex = (w * cos + h * sin) / 2
    ey = (w * sin + h * cos) / 2
    return torch.stack([cx - ex, cy - ey, cx + ex, cy + ey], dim=-1)


@_torch_op
def hbox2rbox(hboxes: torch.Tensor) -> torch.Tensor:
    """``(x1, y1, x2, y2)`` boxes as regularised rboxes: ``(..., 4) -> (..., 5)``."""
    _check_last_dim(hboxes, 4, "hboxes")
    x1, y1, x2, y2 = hboxes.unbind(-1)
    rb = torch.stack([(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1, torch.zeros_like(x1)], dim=-1)
    return regularize_rboxes(rb)


@_torch_op
def poly2hbox(polys: torch.Tensor) -> torch.Tensor:
    """Axis-aligned box enclosing each polygon: ``(..., 8) -> (..., 4)``."""
    _check_last_dim(polys, 8, "polys")
    xs, ys = polys[..., 0::2], polys[..., 1::2]
    return torch.stack([xs.amin(-1), ys.amin(-1), xs.amax(-1), ys.amax(-1)], dim=-1)


@_torch_op
def rbox_area(rboxes: torch.Tensor) -> torch.Tensor:
    """``w * h`` of each box: ``(..., 5) -> (...)``."""
    _check_last_dim(rboxes, 5, "rboxes")
    return rboxes[..., 2] * rboxes[..., 3]
