# crosskd with its classification term divided by the number of positives, as CrossKD's GFL code
# does (its avg_factor), instead of the student's soft-target sum (see daik/distill/crosskd.py).
# tools/bench_kd.py method crosskd_pos_norm.
_base_ = ["../crosskd.py"]

kd = dict(components=dict(cross=dict(cls_normaliser="positives")))
