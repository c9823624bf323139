# daik_full with AD and the positives' LD averaged per ground truth before the mean over ground truths
# (per_instance), so every instance counts once: on the quick synthetic scenes a small vehicle has a
# median of 1 candidate point, a large vehicle 3, a plane 53, and the classes the student misses against
# the teacher (small/large vehicle, ship) are the ones with few positives.
# tools/bench_kd.py method daik_full_tt_instance.
_base_ = ["../daik_full.py"]

kd = dict(components=dict(ad=dict(per_instance=True), ld_pos=dict(per_instance=True)))
