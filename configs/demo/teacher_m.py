# YOLOv6-R-m on the demo's data with the demo teacher's 24-epoch schedule (configs/demo/teacher_n.py),
# so n, s and m differ only in the model. The model is configs/synthetic/rotated_yolo_m.py's (a test
# holds the two equal):
#   daik train configs/demo/teacher_m.py --work-dir work_dirs/demo_teacher_m
# (several times the n teacher's time; configs/demo/teacher_m_12e.py is the same over 12 epochs).
_base_ = ["./teacher_n.py"]
model = dict(
    backbone=dict(deepen_factor=0.6, widen_factor=0.75, stage_block="BepC3", csp_e=2 / 3, sppf="SimSPPF"),
    neck=dict(deepen_factor=0.6, widen_factor=0.75, stage_block="BepC3", csp_e=2 / 3),
    head=dict(widen_factor=0.75),
)
