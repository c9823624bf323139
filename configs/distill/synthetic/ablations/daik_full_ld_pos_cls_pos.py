# daik_full plus the authors' DIOR-R class KD (T^2 KL of the softmax over classes at
# T = 10) on the student's positives, beside the dense binary class KD. tools/bench_kd.py method
# daik_full_ld_pos_cls_pos.
_base_ = ["../daik_full.py"]

kd = dict(components=dict(cls_pos=dict(type="ClassDistillation", loss_weight=1.0, mode="softmax", region="pos",
                                       temperature=10.0, normaliser="targets")))
