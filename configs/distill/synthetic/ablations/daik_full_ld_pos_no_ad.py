# daik_full_student_targets (the former daik_full) without AD (no angle KD; the CSL loss alone trains the
# angle): what AD is worth in the full method. tools/bench_kd.py method daik_full_ld_pos_no_ad.
_base_ = ["./daik_full_student_targets.py"]

kd = dict(components=dict(ad=None))
