# YOLOv6-R-s on the demo's data with the demo teacher's 24-epoch schedule (configs/demo/teacher_n.py),
# so n and s differ only in the model. The model is configs/synthetic/rotated_yolo_s.py's (a test
# holds the two equal):
#   daik train configs/demo/teacher_s.py --work-dir work_dirs/demo_teacher_s
_base_ = ["./teacher_n.py"]
model = dict(backbone=dict(widen_factor=0.5), neck=dict(widen_factor=0.5), head=dict(widen_factor=0.5))
