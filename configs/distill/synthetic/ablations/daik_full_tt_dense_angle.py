# daik_full_pooled (daik_full before per_instance) plus plain mimicking's dense angle term (KL of the
# 180-bin angle softmax at T = 1 at every point, weight 0.05, over the soft-target sum as daik_full's
# other dense terms), the one part of prediction mimicking that daik_full lacks; AD stays on the positives.
# tools/bench_kd.py method daik_full_tt_dense_angle.
_base_ = ["./daik_full_pooled.py"]

kd = dict(components=dict(
    dense_angle=dict(type="PredictionMimicking", cls_weight=0.0, dfl_weight=0.0, angle_weight=0.05, temperature=1.0)))
