# daik_full_no_ld_pos with SAD's KL between the two models' normalised metrics at weight 3 instead of 1.
# tools/bench_kd.py method daik_full_sad_kl3.
_base_ = ["./daik_full_no_ld_pos.py"]

kd = dict(components=dict(sad=dict(kl_weight=3.0)))
