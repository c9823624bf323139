# YOLOv6-R-n on DIOR-R (800 x 800 images, 20 classes), YOLOv6's SGD recipe over 100 epochs.
_base_ = [
    "../_base_/models/rotated_yolo_n.py",
    "../_base_/datasets/dior.py",
    "../_base_/schedules/sgd_cosine_100e.py",
    "../_base_/default_runtime.py",
]
model = dict(head=dict(num_classes=20))
