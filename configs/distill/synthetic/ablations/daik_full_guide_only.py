# daik_full with SAD's teacher-guided assignment but without its KL on the metric. tools/bench_kd.py
# method daik_full_guide_only.
_base_ = ["../daik_full.py"]

kd = dict(components=dict(sad=dict(kl_weight=0.0)))
