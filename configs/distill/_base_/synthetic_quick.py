# Everything but the model for distilling on daik's quick synthetic scenes (256 px, 7 classes):
# data, the n model's quick schedule (configs/synthetic/rotated_yolo_n.py) and the runtime with
# the KD hooks. A full config puts a method config beside this one; see configs/distill/synthetic/.
_base_ = [
    "../../_base_/datasets/synthetic_quick.py",
    "../../_base_/schedules/sgd_cosine.py",
    "../../_base_/default_runtime.py",
]
max_epochs = 30
warmup_iters = 150
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
    dict(type="KDScheduleHook"),  # follows model.kd_schedule
    dict(type="KDDiagnosticsHook", interval=50),  # conflict ratios and L1s -> kd_diagnostics.json/.png
    dict(type="TrainingCurveHook"),
    dict(type="PlainCheckpointHook"),
]
train_dataloader = dict(num_workers=1)
val_dataloader = dict(num_workers=1)
test_dataloader = val_dataloader
