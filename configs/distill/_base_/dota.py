# Everything but the model for distilling on DOTA-v1.0 (split ss 1024/200): the data, the schedule and the runtime of
# configs/models/rotated_yolo_*_dota.py, with the KD hooks. A full config puts a method config beside
# this one; see configs/distill/dota/.
_base_ = ["../../_base_/datasets/dota.py", "../../_base_/schedules/sgd_cosine.py", "../../_base_/default_runtime.py"]

custom_hooks = [
    dict(type="EMAHook", ema_type="YOLOEMA", decay=0.9999, tau=2000, priority=49),
    dict(type="SetEpochHook"),
    dict(type="KDScheduleHook"),  # follows model.kd_schedule
    dict(type="KDDiagnosticsHook", interval=50),  # conflict ratios and L1s -> kd_diagnostics.json/.png
    dict(type="TrainingCurveHook"),
    dict(type="PlainCheckpointHook"),
]
