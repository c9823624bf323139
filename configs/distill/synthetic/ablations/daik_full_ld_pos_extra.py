# daik_full plus LD's own main-region term: the DFL distributions of the student's positives at
# LD's T = 10, weighted by their alignment score (weight 0.25), on top of the dense LD at T = 1.
# The student's boxes on elongated classes are less precise than the teacher's in every
# component (centre, size, angle) at once; this asks whether a stronger localisation signal
# where the objects are helps. tools/bench_kd.py method daik_full_ld_pos_extra.
_base_ = ["../daik_full.py"]

kd = dict(components=dict(ld_pos=dict(type="LocalizationDistillation", loss_weight=0.25, temperature=10.0,
                                      region="pos", weighted=True)))
