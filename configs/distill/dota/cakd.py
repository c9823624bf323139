# cakd on DOTA-v1.0 (split ss 1024/200): YOLOv6-R-n student, YOLOv6-R-s teacher. Train the teacher first:
#   python tools/train.py configs/models/rotated_yolo_s_dota.py
#   python tools/train.py configs/distill/dota/cakd.py
# Any other method: put its configs/distill/<method>.py beside ../_base_/dota.py the same way.
_base_ = ["../cakd.py", "../_base_/dota.py"]

model = dict(
    student=dict(head=dict(num_classes=15)),
    teacher_config="../../models/rotated_yolo_s_dota.py",  # relative to configs/distill/_base_
    teacher_ckpt="work_dirs/rotated_yolo_s_dota/epoch_300.pth",
)
