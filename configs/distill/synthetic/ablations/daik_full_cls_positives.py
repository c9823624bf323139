# daik_full_no_ld_pos with its dense classification KD divided by the number of positives (CrossKD's
# normaliser) instead of the soft-target sum: no KD term then drives clip_grad by itself, and the
# teacher's dense class signal is ~50x weaker at initialisation. tools/bench_kd.py method daik_full_cls_positives.
_base_ = ["./daik_full_no_ld_pos.py"]

kd = dict(components=dict(cls_kd=dict(normaliser="positives")))
