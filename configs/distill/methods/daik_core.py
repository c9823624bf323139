# DAIK's core: AD, AAL and SAD beside the dense class KD and the dense LD, without the LD on the
# positives that daik_full adds. It was daik_full until the positives' LD measured better; it stays
# the base of the DAIK ablations (daik_ad*.py, configs/distill/synthetic/ablations/daik_full_*.py),
# so each of their rows keeps what it measured. configs/distill/methods/daik_core_ld_pos.py says why each
# setting is what it is.
kd = dict(
    components=dict(
        ad=dict(type="AngleDistillation", loss_weight=1.0, temperature=20.0),
        aal=dict(type="AALAssignment", gamma=3.0),
        sad=dict(type="SampleAlignmentDistillation", teacher_assign=True, kl_weight=1.0, temperature=0.1),
        ld=dict(type="LocalizationDistillation", loss_weight=0.25, temperature=1.0, region="all", weighted=False),
        cls_kd=dict(type="ClassDistillation", loss_weight=1.0, mode="binary", region="all", temperature=1.0,
                    normaliser="targets"),
    ),
    schedule=dict(schedule="constant", start=1.0),
)
