"""daik: distil large rotated-box detectors into small ones for remote-sensing imagery.

Box convention (one everywhere, see :mod:`daik.structures`): ``(cx, cy, w, h, theta)`` with
theta in radians in image axes (x right, y down), mmrotate's ``le90``.
"""
# torch must be imported before the compiled extension daik._C, which links against it.
import torch  # noqa: F401

__version__ = "0.1.0"
