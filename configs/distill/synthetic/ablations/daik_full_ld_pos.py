# daik_full_no_ld_pos with the authors' LD: on the student's positives only, T = 20, a plain mean over
# positives and sides, YOLOv6-R's DFL weight 0.5. tools/bench_kd.py method daik_full_ld_pos.
_base_ = ["./daik_full_no_ld_pos.py"]

kd = dict(components=dict(ld=dict(region="pos", temperature=20.0, loss_weight=0.5, weighted=False)))
