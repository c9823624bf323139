# daik_full with the teacher-chosen positives' soft targets taken from the teacher's
# normalised metric (daik_full_teacher_targets on top of the positives' LD). tools/bench_kd.py method
# daik_full_ld_pos_tt.
_base_ = ["../daik_full.py"]

kd = dict(components=dict(sad=dict(teacher_targets=True)))
