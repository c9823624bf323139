# daik_full_no_ld_pos with the authors' class KD form: T^2 KL of the softmax over classes at T = 10 (their
# DIOR-R variant), over every location (daik takes the softmax of the logits; their code takes
# it of the sigmoid probabilities). tools/bench_kd.py method daik_full_softmax_cls.
_base_ = ["./daik_full_no_ld_pos.py"]

kd = dict(components=dict(cls_kd=dict(mode="softmax", temperature=10.0)))
