# YOLOv6-R small: YOLOv6 v3.0 YOLOv6-S backbone/neck (depth 0.33, width 0.50).
_base_ = "./rotated_yolo_n.py"

widen_factor = 0.5

model = dict(
    backbone=dict(widen_factor=widen_factor),
    neck=dict(widen_factor=widen_factor),
    head=dict(widen_factor=widen_factor),
)
