# DAIK ("Directional Alignment Instance Knowledge Distillation for Arbitrary-Oriented Object
# Detection", IEEE TGRS 2023) as its authors' YOLOv6-R code builds it (see each part's docstring
# for what daik follows and where it deviates):
# - AD: the CSL loss plus lambda * T^2 * KL of the 180-bin angle softmax at T = 20 over the positives;
# - AAL: the rotated-IoU lookup table LUT(AR, dtheta)^3 as a third factor of the assignment metric;
# - SAD: the teacher's metric picks the student's positives, plus a bounded KL between the two
#   models' normalised metrics over each ground truth's candidates;
# - LD on the DFL bins (T = 20, a mean over the positives, YOLOv6-R's DFL weight) and dense class KD.
# Ablations: daik_ad.py (AD only), daik_ad_aal.py (AD + AAL), daik_ad_aal_sad.py (AD + AAL + SAD),
# configs/distill/synthetic/ablations/ (the old sin table, positives-only class KD, cosine decay, ...).
_base_ = ["./_base_/n_from_s.py"]

model = dict(
    components=dict(
        ad=dict(type="AngleDistillation", loss_weight=10.0, temperature=20.0),
        aal=dict(type="AALAssignment", gamma=3.0),
        sad=dict(type="SampleAlignmentDistillation", teacher_assign=True, kl_weight=1.0, temperature=0.1),
        ld=dict(type="LocalizationDistillation", loss_weight=0.5, temperature=20.0, weighted=False),
        cls_kd=dict(type="ClassDistillation", loss_weight=1.0, mode="binary", region="all", temperature=1.0,
                    normaliser="positives"),
    ),
    kd_schedule=dict(schedule="constant", start=1.0),
)
