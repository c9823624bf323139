# daik_full_no_ld_pos with AD's lambda at 2 (10x the CSL weight) instead of 1: the upper end of the weight
# sweep (0.2, 1, 2). tools/bench_kd.py method daik_full_ad_w2.
_base_ = ["./daik_full_no_ld_pos.py"]

kd = dict(components=dict(ad=dict(loss_weight=2.0)))
