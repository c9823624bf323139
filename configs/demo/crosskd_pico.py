# The demo's crosskd run: the pico student (student_pico.py) distilled from the shipped nano teacher
# (checkpoints/demo_teacher_n.pth, made by the commands in teacher_n.py).
_base_ = ["../distill/crosskd.py", "../distill/_base_/synthetic_quick.py", "./_base_/pico_from_n.py"]
model = dict(student={{_base_.pico_student}}, teacher_config={{_base_.demo_teacher_config}},
             teacher_ckpt={{_base_.demo_teacher_ckpt}})
