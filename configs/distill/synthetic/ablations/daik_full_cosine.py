# daik_full_no_ld_pos with YOLOv6-R's cosine decay of the KD weights (1 -> 0.01 over the epochs) instead of
# constant weights. On the 6-epoch benchmark the decay leaves the later epochs nearly undistilled.
# tools/bench_kd.py method daik_full_cosine.
_base_ = ["./daik_full_no_ld_pos.py"]

kd = dict(schedule=dict(_delete_=True, schedule="cosine", start=1.0, end=0.01, by_epoch=True))
