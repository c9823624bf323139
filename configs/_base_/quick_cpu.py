# Schedule and runtime for short runs on a 2-core CPU (daik's quick synthetic scenes): YOLOv6's
# SGD recipe over 30 epochs with a 150-iteration warm-up, validation every 5 epochs, and an EMA
# whose ramp (tau) suits a few thousand iterations.
_base_ = ["./schedules/sgd_cosine.py", "./default_runtime.py"]

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
    dict(type="TrainingCurveHook"),
    dict(type="PlainCheckpointHook"),
]
