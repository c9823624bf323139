# daik_full_no_ld_pos with SAD's teacher-guided assignment but without its KL on the metric. tools/bench_kd.py
# method daik_full_guide_only.
_base_ = ["./daik_full_no_ld_pos.py"]

kd = dict(components=dict(sad=dict(kl_weight=0.0)))
