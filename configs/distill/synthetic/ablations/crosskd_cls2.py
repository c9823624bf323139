# crosskd with its classification term at weight 2 instead of 1 (CrossKD's). tools/bench_kd.py
# method crosskd_cls2.
_base_ = ["../crosskd.py"]

kd = dict(components=dict(cross=dict(cls_weight=2.0)))
