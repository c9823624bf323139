# Model part of every distillation config: a YOLOv6-R nano student distilled from a YOLOv6-R small
# teacher. The teacher is built from its OWN config file and loaded from its checkpoint; relative
# paths are tried against this folder first ("{{ fileDirname }}"), then the working directory.
# Point teacher_ckpt at a trained teacher, e.g.
#   --cfg-options model.teacher_ckpt=work_dirs/rotated_yolov6_s/epoch_36.pth
# Data, schedule and runtime come from the bases a full config adds beside this one (see
# configs/distill/synthetic/). The KD-loss schedule is part of the model (kd_schedule); the
# runtime's generic KDScheduleHook follows it.
_base_ = ["../../_base_/models/rotated_yolov6_n.py"]

student = {{_base_.model}}
teacher_config = "../../_base_/models/rotated_yolov6_s.py"
teacher_ckpt = "work_dirs/rotated_yolov6_s/teacher.pth"

model = dict(
    _delete_=True,
    type="RotatedDistiller",
    student=student,
    teacher_config=teacher_config,
    teacher_ckpt=teacher_ckpt,
    config_dir="{{ fileDirname }}",
    components=dict(),  # name -> part config; None switches a part off
    kd_schedule=dict(schedule="constant", start=1.0),  # the KD-loss multiplier over training
)
