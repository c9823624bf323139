# crosskd with its CSL angle-distribution term at weight 1 (5x the head's CSL weight, AD's
# measured choice in daik_full) instead of 0.2 (the head's). The angle term is daik's rotated
# extension of CrossKD, so its weight is ours to choose. tools/bench_kd.py method crosskd_angle1.
_base_ = ["../crosskd.py"]

kd = dict(components=dict(cross=dict(angle_weight=1.0)))
