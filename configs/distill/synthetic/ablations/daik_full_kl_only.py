# daik_full_no_ld_pos with SAD's KL on the metric but the student choosing its own positives. tools/bench_kd.py
# method daik_full_kl_only.
_base_ = ["./daik_full_no_ld_pos.py"]

kd = dict(components=dict(sad=dict(teacher_assign=False)))
