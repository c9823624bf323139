# daik_full_student_targets (the former daik_full) with the positives' LD (T = 10, alignment-weighted) at
# weight 0.5 instead of 0.25: does more localisation signal where the objects are help further?
# tools/bench_kd.py method daik_full_ld_pos_w05.
_base_ = ["./daik_full_student_targets.py"]

kd = dict(components=dict(ld_pos=dict(loss_weight=0.5)))
