# LD ("Localization Distillation for Dense Object Detection", 2022) on the DFL logits of the
# positives, with classification KD on the positives.
kd = dict(components=dict(
    ld=dict(type="LocalizationDistillation", loss_weight=0.25, temperature=10.0),
    cls_kd=dict(type="ClassDistillation", loss_weight=1.0, mode="binary", region="pos", temperature=1.0),
))
