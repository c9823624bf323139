# daik_full with the authors' soft targets on the teacher-chosen positives: the student's own normalised
# metric, not the teacher's (configs/distill/methods/daik_core_ld_pos.py; daik_full until the teacher's
# targets measured better). The base of the daik_full_ld_pos_* ablations beside this file, each of which
# changes one thing of it. tools/bench_kd.py method daik_full_student_targets.
_base_ = ["../../_base_/synthetic_quick.py", "../../pairs/n_from_s_synthetic.py", "../../methods/daik_core_ld_pos.py"]
