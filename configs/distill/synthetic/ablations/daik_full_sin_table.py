# daik_full_no_ld_pos with the earlier AAL table W = |sin(V(AR) * dtheta)| (metric factor 1 - 0.5 W, loss
# weights 1 + W on the positives) instead of the rotated-IoU lookup table. Kept only as an
# ablation: it calls a 90 degree error on an elongated box aligned. tools/bench_kd.py method
# daik_full_sin_table.
_base_ = ["./daik_full_no_ld_pos.py"]

kd = dict(components=dict(aal=dict(_delete_=True, type="AALSinReweighting", ratio_thr=1.5, discrete=True,
                                      metric_coef=-0.5, loss_coef=1.0, losses=("cls", "bbox", "angle"))))
