# YOLOv6-R-n on DIOR-R (800 x 800 images, 20 classes), YOLOv6's SGD recipe for 100 epochs.
_base_ = [
    "../_base_/models/rotated_yolov6_n.py",
    "../_base_/datasets/dior.py",
    "../_base_/schedules/sgd_cosine.py",
    "../_base_/default_runtime.py",
]
max_epochs = 100
model = dict(head=dict(num_classes=20))
train_cfg = dict(max_epochs=max_epochs, val_interval=5)
param_scheduler = [
    dict(type="LinearLR", start_factor=0.01, by_epoch=False, begin=0, end=1000),
    dict(type="CosineAnnealingLR", eta_min=0.0001, by_epoch=True, begin=0, end=max_epochs,
         convert_to_iter_based=True),
]
val_evaluator = dict(type="DOTAMetric", iou_thr=0.5, use_07_metric=True)
test_evaluator = val_evaluator
