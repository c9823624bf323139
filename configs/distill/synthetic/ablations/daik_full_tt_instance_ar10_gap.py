# daik_full_tt_instance_ar10 with the focus turned by the teacher-student angle gap where it exceeds 10
# degrees (focus_gap): a positive's AD weighs by the IoU its present disagreement with the teacher costs
# a box of its ground truth's shape, so an elongated instance the student points wrong weighs most.
# Pico: 65.0 63.7 64.3 | held out 64.2 63.3 64.3 65.8 = 64.4 +- 0.8 over 7 seeds (daik_full 63.85 +- 0.86,
# daik_full_pooled 63.2 +- 1.4, mimicking 63.1 +- 1.6); converged (24 epochs): 69.7 70.0 71.9 | 70.9 71.8 = 70.9 +- 1.0
# (daik_full 71.4 +- 0.5, daik_full_pooled 70.7 +- 0.4; 5 seeds), seeds 0 and 1 missing the occluded storage tank
# of val scene S00142 (IoU 0.47-0.48; 1.3 mAP50 each). Not a std above mimicking on pico, and not ahead at
# 24 epochs: an ablation.
# tools/bench_kd.py method daik_full_tt_instance_ar10_gap.
_base_ = ["./daik_full_tt_instance_ar10.py"]

kd = dict(components=dict(ad=dict(focus_gap=True)))
