# daik_full: DAIK's core (daik_core.py: AD, AAL, SAD, the dense class KD and LD) plus LD on the positives
# (daik_core_ld_pos.py, which says why each setting is what it is), with two deviations from the authors'
# YOLOv6-R code, each chosen by measurement on the pico-from-nano benchmark and checked over the
# teacher's own 24 epochs (the converged preset); mAP50, seeds 0-2 the table's, the rest held out:
#
# 1. SAD's soft targets on the teacher-chosen positives are the teacher's normalised metric, not the
#    student's (the authors' code has that line commented out). The teacher's metric is larger than the
#    untrained student's, so the targets, and their sum that normalises the student's losses and the
#    dense KD terms, are larger: the step-0 gradient is 8x smaller and clip_grad fires on fewer steps.
#      teacher's targets   63.8 64.4 64.3 | 65.1 64.3   -> 64.4 +- 0.5 (the earlier machine)
#      student's targets   65.3 62.9 64.0 | 63.6 62.2   -> 63.6 +- 1.2 (row daik_full_student_targets)
# 2. AD and the positives' LD are averaged within each ground truth's positives first, then over the
#    ground truths (per_instance), so every instance counts once: on the quick scenes a small vehicle has
#    a median of 1 candidate point, a large vehicle 3, a plane 53, and the classes the student trails the
#    teacher on (ship, vehicles) are the ones with few positives. Against the mean over all positives
#    (row daik_full_pooled, daik_full until this change):
#      pico       per_instance 64.7 63.6 63.3 | 63.9 65.1 62.5 64.0 -> 63.85 +- 0.86 (7 seeds)
#                 pooled       65.2 62.9 63.7 | 64.8 61.4 61.9 62.4 -> 63.2 +- 1.4
#                 mimicking    60.8 65.1 61.1 | 62.6 63.5 64.1 64.2 -> 63.1 +- 1.6
#      converged  per_instance 71.3 71.8 70.6 | 71.2 71.9           -> 71.4 +- 0.5 (5 seeds)
#                 pooled       71.0 71.2 70.2 | 70.7 70.6           -> 70.7 +- 0.4
#                 mimicking    71.0 70.7 71.6 | 69.8 70.1           -> 70.6 +- 0.7
#    ahead on 4 of 7 pico seeds (paired +0.7) and on all 5 converged ones (paired +0.6). per_instance was an
#    ablation (daik_full_tt_instance) when its seeds ran; it became the default with all of them in view.
# Against prediction mimicking: +0.8 over the 7 pico seeds, inside its std (1.6; benchmarks/kd.md says
# where that spread comes from), +0.7 over the 5 converged seeds, about its std (0.69); ahead on ship,
# the elongated class DAIK's angle terms are for.
_base_ = ["./daik_core_ld_pos.py"]

kd = dict(components=dict(
    sad=dict(teacher_targets=True),
    ad=dict(per_instance=True),
    ld_pos=dict(per_instance=True),
))
