# daik_full_no_ld_pos with AD's KL at every point (over the soft-target sum, as prediction mimicking's angle
# term) instead of the positives only. tools/bench_kd.py method daik_full_ad_dense.
_base_ = ["./daik_full_no_ld_pos.py"]

kd = dict(components=dict(ad=dict(region="all")))
