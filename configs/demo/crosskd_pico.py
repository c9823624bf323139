# The demo's crosskd run: the pico student (student_pico.py) distilled from the shipped nano teacher
# (checkpoints/demo_teacher_n.pth, made by the commands in teacher_n.py).
_base_ = ["../distill/crosskd.py", "../distill/_base_/synthetic_quick.py"]
widen_factor = 0.125
model = dict(
    student=dict(backbone=dict(widen_factor=widen_factor), neck=dict(widen_factor=widen_factor),
                 head=dict(num_classes=7, widen_factor=widen_factor),
                 test_cfg=dict(score_thr=0.01, nms_pre=1000, max_per_img=300)),
    teacher_config="../../demo/teacher_n.py",  # relative to configs/distill/_base_
    teacher_ckpt="checkpoints/demo_teacher_n.pth",
)
