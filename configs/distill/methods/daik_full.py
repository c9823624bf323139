# daik_full: DAIK's core (daik_core.py: AD, AAL, SAD, the dense class KD and LD) plus LD on the positives
# (daik_core_ld_pos.py, which says why each setting is what it is), with SAD's soft targets on the
# teacher-chosen positives taken from the teacher's normalised metric instead of the student's.
# The authors' YOLOv6-R code has that line commented out and uses the student's metric; daik deviates
# by measurement on the pico-from-nano benchmark (mAP50, seeds 0-2 the table's, 3-4 held out and run
# afterwards):
#   teacher's targets   63.8 64.4 64.3 | 65.1 64.3   -> 64.4 +- 0.5 over 5 seeds
#   student's targets   65.3 62.9 64.0 | 63.6 62.2   -> 63.6 +- 1.2 (row daik_full_student_targets)
#   mimicking           64.2 62.9 62.3 | 64.2 64.1   -> 63.5 +- 0.9
# The teacher's metric is larger than the untrained student's, so the targets are higher and their
# sum - the normaliser of the student's losses and of the dense KD terms - is larger: the step-0
# gradient is 8x smaller and clip_grad fires on fewer steps, and the run-to-run spread is a third.
# Over 24 epochs (converged preset, 3 seeds, the earlier machine) 71.3 +- 0.7 against 70.3 +- 1.4 with the
# student's targets (mimicking 70.8 +- 0.7); on the n-from-s pair (1 seed) 80.8 against 80.2 (mimicking 81.0).
# Made again on a second CPU: pico 63.9 +- 1.1 (mimicking 62.3 +- 2.4), converged 70.8 +- 0.5 (mimicking
# 71.1 +- 0.4); over 7 and 5 seeds DAIK and mimicking are level on mAP50 (benchmarks/kd.md).
_base_ = ["./daik_core_ld_pos.py"]

kd = dict(components=dict(sad=dict(teacher_targets=True)))
