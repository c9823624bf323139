"""Shared builders of the model tests: a tiny detector and drawn scenes."""
import math

import cv2
import numpy as np
import torch

from daik.registry import MODELS
from daik.structures import DetDataSample, make_gt_instances, rbox2poly


def tiny_model_cfg(num_classes: int = 2, widen: float = 0.125, deepen: float = 0.33, reg_max: int = 16,
                   stage_block: str = "RepBlock", **head_kw) -> dict:
    """A YOLOv6-R config small enough for CPU tests (same structure as the n model)."""
    common = dict(deepen_factor=deepen, widen_factor=widen, block="RepVGGBlock", stage_block=stage_block)
    return dict(
        type="RotatedYOLO",
        backbone=dict(type="EfficientRep", sppf="SimCSPSPPF", **common),
        neck=dict(type="RepPAN", **common),
        head=dict(type="RotatedYOLOv6Head", num_classes=num_classes, widen_factor=widen, reg_max=reg_max, **head_kw),
        test_cfg=dict(score_thr=0.05, nms_pre=200, nms=dict(iou_threshold=0.1), max_per_img=100),
    )


def build_tiny(seed: int = 0, **kw):
    torch.manual_seed(seed)
    return MODELS.build(tiny_model_cfg(**kw))


def make_sample(boxes, labels, shape, img_id="img", scale_factor=(1.0, 1.0)) -> DetDataSample:
    h, w = shape
    ds = DetDataSample(metainfo=dict(img_id=img_id, ori_shape=(h, w), img_shape=(h, w), scale_factor=scale_factor))
    ds.gt_instances = make_gt_instances(boxes, labels)
    return ds


COLOURS = ((230, 60, 40), (40, 90, 230))  # class 0 red-ish, class 1 blue-ish (RGB)


def draw_scenes(num_images: int, size: int = 128, per_image: int = 2, seed: int = 0):
    """Rotated rectangles of two classes (by colour) on a plain grey ground.

    Returns:
        ``inputs`` (list of uint8 ``(3, size, size)`` tensors) and their data samples.
    """
    rng = np.random.default_rng(seed)
    inputs, samples = [], []
    for i in range(num_images):
        img = np.full((size, size, 3), 128, np.uint8)
        boxes, labels = [], []
        while len(boxes) < per_image:
            w, h = rng.uniform(0.25, 0.45) * size, rng.uniform(0.1, 0.16) * size
            cx, cy = rng.uniform(0.25, 0.75, 2) * size
            box = [cx, cy, w, h, rng.uniform(-math.pi / 2, math.pi / 2)]
            if any(math.hypot(cx - b[0], cy - b[1]) < (w + b[2]) / 2 + 2 for b in boxes):
                continue  # keep objects apart
            boxes.append(box)
            labels.append(int(rng.integers(0, 2)))
            poly = rbox2poly(np.array(box)).reshape(4, 2)
            cv2.fillPoly(img, [np.round(poly).astype(np.int32)], COLOURS[labels[-1]])
        inputs.append(torch.from_numpy(img).permute(2, 0, 1).contiguous())
        samples.append(make_sample(boxes, labels, (size, size), img_id=f"scene{i}"))
    return inputs, samples
