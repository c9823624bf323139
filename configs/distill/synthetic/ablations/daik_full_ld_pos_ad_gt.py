# daik_full_student_targets (the former daik_full) with AD's KL on every point inside a ground truth (the
# assigner's candidates, a plain mean) instead of the positives only: more of each object's points than the
# top-k, none of the background (AD at every point dropped to 47.8). tools/bench_kd.py method
# daik_full_ld_pos_ad_gt.
_base_ = ["./daik_full_student_targets.py"]

kd = dict(components=dict(ad=dict(region="gt")))
