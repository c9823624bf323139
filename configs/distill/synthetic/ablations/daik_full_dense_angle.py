# daik_full_no_ld_pos plus plain mimicking's dense angle term (KL of the 180-bin angle softmax at T = 1 at
# every point, weight 0.05) beside AD on the positives. tools/bench_kd.py method daik_full_dense_angle.
_base_ = ["./daik_full_no_ld_pos.py"]

kd = dict(components=dict(
    dense_angle=dict(type="PredictionMimicking", cls_weight=0.0, dfl_weight=0.0, angle_weight=0.05, temperature=1.0)))
