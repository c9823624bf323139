# daik_full_no_ld_pos with the dense class KD at half its weight (0.5 instead of 1): fewer clipped steps,
# a larger share of the update for the detection losses. tools/bench_kd.py method daik_full_cls05.
_base_ = ["./daik_full_no_ld_pos.py"]

kd = dict(components=dict(cls_kd=dict(loss_weight=0.5)))
