# daik_full_student_targets (the former daik_full) with both of its tied probes: the teacher's soft targets on
# its picks (now daik_full's) and AD weighted by the alignment score (ld_pos_adw): daik_full with AD weighted.
# tools/bench_kd.py method daik_full_ld_pos_tt_adw.
_base_ = ["./daik_full_student_targets.py"]

kd = dict(components=dict(ad=dict(weighted=True), sad=dict(teacher_targets=True)))
