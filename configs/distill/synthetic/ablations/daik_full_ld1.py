# daik_full_no_ld_pos with LD on the DFL bins at weight 1 instead of 0.25 (the DFL loss's own weight ratio).
# tools/bench_kd.py method daik_full_ld1.
_base_ = ["./daik_full_no_ld_pos.py"]

kd = dict(components=dict(ld=dict(loss_weight=1.0)))
