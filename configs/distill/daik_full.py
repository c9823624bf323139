# DAIK ("Directional Alignment Instance Knowledge Distillation for Arbitrary-Oriented Object
# Detection", IEEE TGRS 2023): angle distillation (AD), the angular-distance / aspect-ratio table
# (AAL) in assignment and loss weights, sample alignment distillation (SAD), LD on the DFL logits
# and classification KD; KD weights decay along YOLOv6's cosine (1 -> 0.01 over the epochs).
# Ablations: daik_ad.py (AD only), daik_ad_aal.py (AD + AAL).
_base_ = ["./_base_/n_from_s.py"]

model = dict(
    components=dict(
        ad=dict(type="AngleDistillation", loss_weight=0.2, temperature=20.0),
        aal=dict(type="AALReweighting", ratio_thr=1.5, discrete=True, metric_coef=-0.5, loss_coef=1.0,
                 losses=("cls", "bbox", "angle")),
        sad=dict(type="SampleAlignmentDistillation", loss_weight=1.0, temperature=1.0, topk=None),
        ld=dict(type="LocalizationDistillation", loss_weight=0.25, temperature=10.0),
        cls_kd=dict(type="ClassDistillation", loss_weight=1.0, mode="binary", region="pos", temperature=1.0),
    ),
    kd_schedule=dict(schedule="cosine", start=1.0, end=0.01, by_epoch=True),
)
