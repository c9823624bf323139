# Everything but the model for distilling on DIOR-R: the data, the schedule and the runtime of
# configs/models/rotated_yolo_*_dior.py, with the KD hooks. A full config puts a method config beside
# this one; see configs/distill/dior/.
_base_ = ["../../_base_/datasets/dior.py", "../../_base_/schedules/sgd_cosine_100e.py", "../../_base_/default_runtime.py"]

custom_hooks = [
    dict(type="EMAHook", ema_type="YOLOEMA", decay=0.9999, tau=2000, priority=49),
    dict(type="SetEpochHook"),
    dict(type="KDScheduleHook"),  # follows model.kd_schedule
    dict(type="KDDiagnosticsHook", interval=50),  # conflict ratios and L1s -> kd_diagnostics.json/.png
    dict(type="TrainingCurveHook"),
    dict(type="PlainCheckpointHook"),
]
