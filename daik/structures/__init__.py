"""Rotated-box structures: the le90 convention and its conversions (see :mod:`.rbox`)."""
from .data_sample import DetDataSample, make_gt_instances, make_pred_instances
from .geometric import flip_rboxes, rot90_rboxes, rot90_shape, rotate_rboxes
from .rbox import (hbox2rbox, norm_angle, poly2hbox, poly2rbox, rbox2hbox, rbox2poly, rbox_area,
                   regularize_rboxes)

__all__ = [
    "rbox2poly", "poly2rbox", "regularize_rboxes", "norm_angle", "rbox2hbox", "hbox2rbox",
    "poly2hbox", "DetDataSample", "make_gt_instances", "make_pred_instances", "rbox_area", "flip_rboxes", "rot90_rboxes", "rot90_shape", "rotate_rboxes",
]
