# daik_full_no_ld_pos with the dense class KD at twice its weight (2 instead of 1): does a stronger class
# signal help further, although it clips more steps? tools/bench_kd.py method daik_full_cls2.
_base_ = ["./daik_full_no_ld_pos.py"]

kd = dict(components=dict(cls_kd=dict(loss_weight=2.0)))
