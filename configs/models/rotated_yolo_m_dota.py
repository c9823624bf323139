# YOLOv6-R-m on DOTA-v1.0 split single-scale 1024/200 (the split command is in
# configs/_base_/datasets/dota.py), YOLOv6's 300-epoch SGD recipe, DOTA Task1 mAP (VOC07).
_base_ = [
    "../_base_/models/rotated_yolo_m.py",
    "../_base_/datasets/dota.py",
    "../_base_/schedules/sgd_cosine.py",
    "../_base_/default_runtime.py",
]
model = dict(head=dict(num_classes=15))
