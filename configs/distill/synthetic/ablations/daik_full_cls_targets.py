# daik_full with its dense classification KD divided by the student's soft-target sum (as the
# head's own losses, and as prediction mimicking does) instead of the number of positives. At
# initialisation that sum is ~1 and the dense term's gradient is ~30x the detection losses', so
# clip_grad (max_norm 10) scales every gradient down. tools/bench_kd.py method daik_full_cls_targets.
_base_ = ["../daik_full.py"]

model = dict(components=dict(cls_kd=dict(normaliser="targets")))
