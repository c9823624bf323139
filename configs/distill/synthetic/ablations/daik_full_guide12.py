# daik_full_no_ld_pos with the teacher picking the student's positives for the first 12 epochs only, then
# the student's own assignment (SAD's KL stays on): for the 24-epoch presets (converged, pair),
# where a student that has caught up ranks its detections better by its own positives. On the
# 6-epoch pico preset it trains as daik_full. tools/bench_kd.py method daik_full_guide12.
_base_ = ["./daik_full_no_ld_pos.py"]

kd = dict(components=dict(sad=dict(guide_epochs=12)))
