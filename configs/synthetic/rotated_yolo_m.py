# YOLOv6-R-m on daik's quick synthetic scenes (256 px; 7 classes), a schedule sized for a
# 2-core CPU. Make the data first:
#   python tools/make_synthetic.py data/synthetic_quick/train --preset quick --num-images 1000 --seed 0
#   python tools/make_synthetic.py data/synthetic_quick/val --preset quick --num-images 200 --seed 1
_base_ = [
    "../_base_/models/rotated_yolov6_m.py",
    "../_base_/datasets/synthetic_quick.py",
    "../_base_/schedules/sgd_cosine.py",
    "../_base_/default_runtime.py",
]
max_epochs = 30
warmup_iters = 150
model = dict(head=dict(num_classes=7), test_cfg=dict(score_thr=0.01, nms_pre=1000, max_per_img=300))
train_cfg = dict(max_epochs=max_epochs, val_interval=5)
param_scheduler = [
    dict(type="LinearLR", start_factor=0.01, by_epoch=False, begin=0, end=warmup_iters),
    dict(type="CosineAnnealingLR", eta_min=0.0001, by_epoch=True, begin=0, end=max_epochs,
         convert_to_iter_based=True),
]
default_hooks = dict(checkpoint=dict(interval=5), logger=dict(interval=10))
custom_hooks = [
    dict(type="EMAHook", ema_type="YOLOEMA", decay=0.9998, tau=200, priority=49),
    dict(type="SetEpochHook"),
    dict(type="TrainingCurveHook"),
    dict(type="PlainCheckpointHook"),
]
train_dataloader = dict(num_workers=1)
val_dataloader = dict(num_workers=1)
test_dataloader = val_dataloader
