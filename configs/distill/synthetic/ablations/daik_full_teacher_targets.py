# daik_full_no_ld_pos with the soft targets of the teacher-chosen positives taken from the teacher's normalised
# alignment metric instead of the student's (daik's variant; the authors' mutual assigner has this line
# commented out). tools/bench_kd.py method daik_full_teacher_targets.
_base_ = ["./daik_full_no_ld_pos.py"]

kd = dict(components=dict(sad=dict(teacher_targets=True)))
