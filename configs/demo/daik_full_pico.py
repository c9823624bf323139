# The demo's daik_full run: the pico student (student_pico.py) distilled from the shipped nano teacher
# (checkpoints/demo_teacher_n.pth, made by the commands in teacher_n.py).
_base_ = ["../distill/_base_/synthetic_quick.py", "./_base_/pico_from_n.py", "../distill/methods/daik_full.py"]
