# DAIK ablation: AD + AAL + SAD (no LD, no classification KD).
_base_ = ["./daik_core.py"]

kd = dict(components=dict(ld=None, cls_kd=None))
