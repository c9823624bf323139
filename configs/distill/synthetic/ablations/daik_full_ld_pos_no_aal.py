# daik_full_student_targets (the former daik_full) without AAL (no lookup-table factor in the assignment
# metric, the teacher's and the student's alike): what AAL is worth in the full method. tools/bench_kd.py
# method daik_full_ld_pos_no_aal.
_base_ = ["./daik_full_student_targets.py"]

kd = dict(components=dict(aal=None))
