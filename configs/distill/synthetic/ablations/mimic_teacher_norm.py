# mimic with its three sums divided by the teacher's soft-target sum (the teacher's own
# task-aligned assignment) instead of the student's: the normaliser daik_full's teacher targets
# give its KD terms, on the baseline, to see whether that alone moves mimicking.
# tools/bench_kd.py method mimic_teacher_norm.
_base_ = ["../mimic.py"]

kd = dict(components=dict(mimic=dict(normaliser="teacher_targets")))
