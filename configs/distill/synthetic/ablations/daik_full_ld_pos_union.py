# daik_full_student_targets (the former daik_full) with the student's own top-k positives kept beside the
# teacher-chosen ones (SAD's union, daik's variant): the teacher's guidance without its cost, a point the
# student localises best trained as a negative. tools/bench_kd.py method daik_full_ld_pos_union.
_base_ = ["./daik_full_student_targets.py"]

kd = dict(components=dict(sad=dict(union=True)))
