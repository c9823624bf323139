# daik_full_pooled (daik_full before per_instance) with its dense class KD in GFL's quality focal form:
# each class's binary KL scaled by |p_student - p_teacher| (beta 1), so the term's gradient goes to the
# points where the two models disagree (a ship or vehicle the teacher sees and the student does not)
# rather than to the mass of easy background. tools/bench_kd.py method daik_full_tt_cls_qfl.
_base_ = ["./daik_full_pooled.py"]

kd = dict(components=dict(cls_kd=dict(mode="qfl", beta=1.0)))
