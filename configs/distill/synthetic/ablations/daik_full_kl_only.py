# daik_full with SAD's KL on the metric but the student choosing its own positives. tools/bench_kd.py
# method daik_full_kl_only.
_base_ = ["../daik_full.py"]

kd = dict(components=dict(sad=dict(teacher_assign=False)))
