# daik_full with AD's KL at every point (over the soft-target sum, as prediction mimicking's angle
# term) instead of the positives only. tools/bench_kd.py method daik_full_ad_dense.
_base_ = ["../daik_full.py"]

kd = dict(components=dict(ad=dict(region="all")))
