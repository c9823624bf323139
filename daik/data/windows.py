"""The one sliding-window function of daik: scene splitting, tiled inference over huge rasters
and the merge of patch results all take their windows from :func:`sliding_windows`.

Rules (mmrotate's ``tools/data/dota/split/img_split.py``, ``get_sliding_window``):

- The scene is first rescaled by ``rate`` (as ``cv2.resize(fx=rate, fy=rate)`` does, see
  :func:`scaled_size`); windows are given in the rescaled scene's pixel coordinates, which
  is also what a patch name records (:mod:`daik.evaluation.patch_names`).
- Along each axis of length ``L``: ``step = size - gap``; if ``L <= size`` there is one
  window starting at 0 (it reaches past the border: the patch is padded); otherwise
  ``n = 1 + ceil((L - size) / step)`` windows start at ``0, step, 2 step, ...`` and the last
  one is shifted back so that it ends exactly at the border (``start = L - size``).
  Consecutive windows therefore overlap by at least ``gap`` and every pixel is covered.
- Windows are the product of the x and y starts, x-major (all windows of the first column
  first), each ``size`` pixels square: ``(x1, y1, x1 + size, y1 + size)``.
- mmrotate's window-dropping rule: a window is kept if the fraction of its area that lies on
  the image exceeds ``img_rate_thr`` (0.6); if no window passes, the windows within 0.01 of
  the best fraction are kept. With the start rule above every window has the same on-image
  fraction, so the rule never drops a window; it is kept so that the result is the same as
  mmrotate's for any input.
"""
from typing import Tuple

import numpy as np


def scaled_size(width: int, height: int, rate: float = 1.0) -> Tuple[int, int]:
    """``(width, height)`` of an image rescaled by ``rate``, as ``cv2.resize`` rounds it."""
    if rate <= 0:
        raise ValueError(f"rate must be positive, got {rate}")
    if rate == 1.0:
        return int(width), int(height)
    return max(int(round(width * rate)), 1), max(int(round(height * rate)), 1)


def _starts(length: int, size: int, step: int) -> np.ndarray:
    """Window starts along one axis of ``length`` pixels, ``(n,)`` int64."""
    if length <= size:
        return np.zeros(1, dtype=np.int64)
    n = 1 + -(-(length - size) // step)  # integer ceil
    starts = np.arange(n, dtype=np.int64) * step
    if starts[-1] + size > length:
        starts[-1] = length - size
    return starts


def sliding_windows(width: int, height: int, size: int = 1024, gap: int = 200, rate: float = 1.0,
                    img_rate_thr: float = 0.6, clip: bool = False) -> np.ndarray:
    """Windows covering a scene of ``width x height`` pixels (see the module docstring).

    Args:
        width: scene width in pixels, before rescaling by ``rate``.
        height: scene height in pixels, before rescaling by ``rate``.
        size: window side in pixels of the rescaled scene.
        gap: minimum overlap of neighbouring windows, ``0 <= gap < size``.
        rate: scale applied to the scene before windowing (multi-scale split: 0.5, 1.0, 1.5).
        img_rate_thr: mmrotate's minimum on-image fraction of a window.
        clip: clip ``x2, y2`` to the rescaled scene (the default keeps full-size windows,
            which the splitter pads).

    Returns:
        ``(K, 4)`` int64 windows ``x1, y1, x2, y2`` in the rescaled scene, x-major order.
    """
    if int(width) < 1 or int(height) < 1:
        raise ValueError(f"scene must be at least 1x1 pixels, got {width}x{height}")
    if not 0 <= gap < size:
        raise ValueError(f"need 0 <= gap < size, got size={size}, gap={gap}")
    w, h = scaled_size(width, height, rate)
    step = size - gap
    xs, ys = _starts(w, size, step), _starts(h, size, step)
    x1 = np.repeat(xs, len(ys))  # x-major: (nx * ny,)
    y1 = np.tile(ys, len(xs))
    windows = np.stack([x1, y1, x1 + size, y1 + size], axis=1)  # (K, 4)
    on_img = (np.minimum(windows[:, 2], w) - windows[:, 0]) * (np.minimum(windows[:, 3], h) - windows[:, 1])
    rates = on_img / float(size * size)
    keep = rates > img_rate_thr
    if not keep.any():
        keep = np.abs(rates - rates.max()) < 0.01
    windows = windows[keep]
    if clip:
        windows[:, 2] = np.minimum(windows[:, 2], w)
        windows[:, 3] = np.minimum(windows[:, 3], h)
    return windows


def num_windows(width: int, height: int, size: int = 1024, gap: int = 200, rate: float = 1.0) -> int:
    """How many windows :func:`sliding_windows` gives, without building them."""
    w, h = scaled_size(width, height, rate)
    step = size - gap
    return len(_starts(w, size, step)) * len(_starts(h, size, step))
