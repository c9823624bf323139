# DAIK ablation: AD only.
_base_ = ["./daik_core.py"]

kd = dict(components=dict(aal=None, sad=None, ld=None, cls_kd=None))
