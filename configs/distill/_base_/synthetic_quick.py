# Everything but the model for distilling on daik's quick synthetic scenes (256 px scenes seen at 160 px, 7 classes):
# data, the quick CPU schedule of configs/synthetic/rotated_yolo_n.py and the runtime with the KD
# hooks. A full config puts a method config beside this one; see configs/distill/synthetic/.
_base_ = ["../../_base_/datasets/synthetic_quick.py", "../../_base_/quick_cpu.py"]

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
