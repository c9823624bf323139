# daik_full_student_targets (the former daik_full) with AD's KL on each positive weighted by its alignment
# score (as the positives' LD is) instead of uniformly. tools/bench_kd.py method daik_full_ld_pos_adw.
_base_ = ["./daik_full_student_targets.py"]

kd = dict(components=dict(ad=dict(weighted=True)))
