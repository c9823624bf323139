# daik_full_pooled (daik_full before per_instance) with its dense class KD and dense LD at twice their
# weights (2 and 0.5). The teacher's soft targets divide every dense term by the teacher's target sum,
# about 8x the student's at the start (step-0 gradient 38 -> 4.8); mimicking divided the same way fell
# from 63.2 to 59.3 (mimic_teacher_norm), so this restores part of the dense terms' strength.
# tools/bench_kd.py method daik_full_tt_dense2.
_base_ = ["./daik_full_pooled.py"]

kd = dict(components=dict(cls_kd=dict(loss_weight=2.0), ld=dict(loss_weight=0.5)))
