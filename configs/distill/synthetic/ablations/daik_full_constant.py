# daik_full with its KD losses at full weight throughout (constant schedule) instead of YOLOv6-R's
# cosine decay to 0.01: on short schedules the decay leaves the later epochs nearly without
# distillation. An ablation of the benchmark (tools/bench_kd.py, method daik_full_constant).
_base_ = ["../daik_full.py"]

model = dict(kd_schedule=dict(_delete_=True, schedule="constant", start=1.0))
