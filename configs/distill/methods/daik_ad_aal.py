# DAIK ablation: AD + AAL (no SAD, no LD, no classification KD).
_base_ = ["./daik_core.py"]

kd = dict(components=dict(sad=None, ld=None, cls_kd=None))
