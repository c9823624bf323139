# crosskd with the student's neck maps through the whole teacher head (stage 0: the teacher's
# stem, branch convs and predictors) instead of the stem output (stage 1, CrossKD's i = 3 on this
# head). tools/bench_kd.py method crosskd_stage0.
_base_ = ["../crosskd.py"]

kd = dict(components=dict(cross=dict(stage=0)))
