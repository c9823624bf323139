# daik_full_no_ld_pos plus the feature term of DAIK's authors' YOLOv6-R distillation (--distill_feat): CWD on
# the three neck maps, spatial softmax at T = 1, weight 10 (through a 1x1 adapter: pico is narrower
# than its teacher). tools/bench_kd.py method daik_full_cwd.
_base_ = ["./daik_full_no_ld_pos.py"]

kd = dict(components=dict(cwd=dict(type="FeatureImitation", mode="cwd", stage=0, loss_weight=10.0, temperature=1.0)))
