# Prediction mimicking (the baseline every distiller must beat) for the demo's pico student and
# nano teacher; see daik_full_pico.py.
_base_ = ["../distill/mimic.py", "../distill/_base_/synthetic_quick.py", "./_base_/pico_from_n.py"]
model = dict(student={{_base_.pico_student}}, teacher_config={{_base_.demo_teacher_config}},
             teacher_ckpt={{_base_.demo_teacher_ckpt}})
