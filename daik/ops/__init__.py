"""daik's geometric ops. Compiled kernels live in ``daik._C`` (torch.ops.daik.*) and
``daik.ops._polyiou``; :mod:`daik.ops.reference` holds pure-torch references of each."""
from ._ext import has_extension
from .polyiou import poly_iou
from .rotated import batched_nms_rotated, box_iou_rotated, nms_rotated

__all__ = ["box_iou_rotated", "nms_rotated", "batched_nms_rotated", "poly_iou", "has_extension"]
