# daik_full_no_ld_pos with the dense binary class KD at temperature 2 and weight 1/4: the T^2 factor
# cancelled, so the term keeps its size at T = 1 and only its shape changes (the teacher's low
# probabilities weigh more). tools/bench_kd.py method daik_full_cls_t2q.
_base_ = ["./daik_full_no_ld_pos.py"]

kd = dict(components=dict(cls_kd=dict(temperature=2.0, loss_weight=0.25)))
