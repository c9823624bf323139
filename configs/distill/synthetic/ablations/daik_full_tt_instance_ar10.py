# daik_full (AD per ground truth, per_instance; once the ablation daik_full_tt_instance) with AD focused by
# aspect ratio (aspect_focus=10): each ground truth's AD weighted by 1 - LUT(AR, 10 degrees), the IoU it
# loses when turned by 10 degrees (a 5:1 ship 0.36, a 4.5:1 large vehicle 0.33, a 2:1 court 0.18, the
# near-round tanks and roundabouts 0.14). On the pico benchmark the distilled students' median angle
# error on ship and large vehicle is 3x the teacher's, while AD's mean is spread evenly over classes
# whose angle is arbitrary.
# Pico: 63.9 64.8 61.8 | held out 62.8 64.8 61.8 = 63.3 +- 1.4 over 6 seeds (per_instance alone 63.85 +- 0.86
# over 7): the focus moved the angle errors little and the mAP50 not at all.
# tools/bench_kd.py method daik_full_tt_instance_ar10.
_base_ = ["../daik_full.py"]

kd = dict(components=dict(ad=dict(aspect_focus=10.0)))
