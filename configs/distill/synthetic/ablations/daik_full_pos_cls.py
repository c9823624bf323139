# daik_full_no_ld_pos with its classification KD on the student's positives only (weighted by their
# alignment score, binary KL at T = 1): DAIK's instance-level reading, daik's earlier default.
# tools/bench_kd.py method daik_full_pos_cls.
_base_ = ["./daik_full_no_ld_pos.py"]

kd = dict(components=dict(cls_kd=dict(region="pos")))
