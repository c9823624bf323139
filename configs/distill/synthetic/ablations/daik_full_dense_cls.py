# daik_full_constant with its classification KD over every location (region "all", as prediction
# mimicking does) instead of the student's positives only: the teacher's soft scores on the
# background and on small objects the student does not yet assign carry most of what mimicking
# gains on the synthetic benchmark (ships, vehicles). An ablation of tools/bench_kd.py.
_base_ = ["./daik_full_constant.py"]

model = dict(components=dict(cls_kd=dict(region="all")))
