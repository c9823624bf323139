# daik_full before AD and the positives' LD were averaged per ground truth: both a mean over all the
# positives (AD plain, the positives' LD weighted by alignment score), so an instance with many candidate
# points (a plane: median 53 on the quick scenes) weighs more than a vehicle (1-3). This was daik_full
# until per_instance measured better (configs/distill/methods/daik_full.py); its runs are the daik_full
# rows of the earlier benchmarks (the earlier machine's pico and converged sections, the n-from-s pair).
# It stays the base of the tt_* ablations, so each of their rows keeps what it measured.
# tools/bench_kd.py method daik_full_pooled.
_base_ = ["../daik_full.py"]

kd = dict(components=dict(
    ad=dict(_delete_=True, type="AngleDistillation", loss_weight=1.0, temperature=20.0),
    ld_pos=dict(_delete_=True, type="LocalizationDistillation", loss_weight=0.25, temperature=10.0, region="pos",
                weighted=True),
))
