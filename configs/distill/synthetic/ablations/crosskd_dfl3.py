# crosskd with its DFL-distribution term at weight 3, the value of CrossKD's own GFL config
# (loss_reg_kd: KL at T = 1, summed over the bins, weight 3.0) instead of daik's 1.0.
# tools/bench_kd.py method crosskd_dfl3.
_base_ = ["../crosskd.py"]

kd = dict(components=dict(cross=dict(dfl_weight=3.0)))
