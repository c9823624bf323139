# daik_full_student_targets (the former daik_full) with AD's KL on every point, each weighted by the teacher's
# highest class probability (over the weights' sum) instead of the positives only: the angle KD follows where
# the teacher sees objects, its confident false positives included. tools/bench_kd.py method
# daik_full_ld_pos_ad_teacher.
_base_ = ["./daik_full_student_targets.py"]

kd = dict(components=dict(ad=dict(region="teacher")))
