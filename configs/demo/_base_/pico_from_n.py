# What every demo distillation config changes in its method config: the pico student (the widths
# of student_pico.py) and the shipped nano teacher (checkpoints/demo_teacher_n.pth, made by the
# commands in teacher_n.py). Used as {{_base_.pico_student}} / {{_base_.demo_teacher_*}}.
pico_widen_factor = 0.125
pico_student = dict(backbone=dict(widen_factor=pico_widen_factor), neck=dict(widen_factor=pico_widen_factor),
                    head=dict(num_classes=7, widen_factor=pico_widen_factor),
                    test_cfg=dict(score_thr=0.01, nms_pre=1000, max_per_img=300))
demo_teacher_config = "../../demo/teacher_n.py"  # relative to configs/distill/_base_
demo_teacher_ckpt = "checkpoints/demo_teacher_n.pth"
