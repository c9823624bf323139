# daik_full_student_targets (the former daik_full) with AD at T = 50 (the authors' 20; T = 1 and 5 measured
# lower): nearer the limit where T^2 KL becomes the squared difference of the centred angle logits.
# tools/bench_kd.py method daik_full_ld_pos_ad_t50.
_base_ = ["./daik_full_student_targets.py"]

kd = dict(components=dict(ad=dict(temperature=50.0)))
