# crosskd with the student's branch convs feeding the teacher's predictors (stage 2: only the
# 1x1 predictors are the teacher's) instead of the stem output through the teacher's branch
# convs (stage 1, CrossKD's i = 3 on this head). tools/bench_kd.py method crosskd_stage2.
_base_ = ["../crosskd.py"]

kd = dict(components=dict(cross=dict(stage=2)))
