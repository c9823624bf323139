# daik_full_cwd with CWD at weight 1 (a tenth of the authors' 10, which drove clip_grad on every step
# of the pico benchmark). tools/bench_kd.py method daik_full_cwd1.
_base_ = ["./daik_full_cwd.py"]

kd = dict(components=dict(cwd=dict(loss_weight=1.0)))
