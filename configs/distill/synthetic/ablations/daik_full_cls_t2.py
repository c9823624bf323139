# daik_full_no_ld_pos with the dense binary class KD at temperature 2 (logits / 2 on both sides, loss x 4):
# the teacher's low probabilities (the background's dark knowledge) weigh more than at T = 1.
# tools/bench_kd.py method daik_full_cls_t2.
_base_ = ["./daik_full_no_ld_pos.py"]

kd = dict(components=dict(cls_kd=dict(temperature=2.0)))
