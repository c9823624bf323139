# daik_full_tt_instance_ar10 with the focus turned by the teacher-student angle gap where it exceeds 10
# degrees (focus_gap): a positive's AD weighs by the IoU its present disagreement with the teacher costs
# a box of its ground truth's shape, so an elongated instance the student points wrong weighs most.
# tools/bench_kd.py method daik_full_tt_instance_ar10_gap.
_base_ = ["./daik_full_tt_instance_ar10.py"]

kd = dict(components=dict(ad=dict(focus_gap=True)))
