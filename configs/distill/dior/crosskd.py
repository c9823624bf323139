# crosskd on DIOR-R: YOLOv6-R-n student, YOLOv6-R-s teacher. Train the teacher first:
#   python tools/train.py configs/models/rotated_yolo_s_dior.py
#   python tools/train.py configs/distill/dior/crosskd.py
# Any other method: put its configs/distill/<method>.py beside ../_base_/dior.py the same way.
_base_ = ["../crosskd.py", "../_base_/dior.py"]

model = dict(
    student=dict(head=dict(num_classes=20)),
    teacher_config="../../models/rotated_yolo_s_dior.py",  # relative to configs/distill/_base_
    teacher_ckpt="work_dirs/rotated_yolo_s_dior/epoch_100.pth",
)
