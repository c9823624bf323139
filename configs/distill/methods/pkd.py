# PKD ("PKD: General Distillation Framework for Object Detectors via Pearson Correlation
# Coefficient", 2022) on the neck maps, weight 6 per level.
kd = dict(components=dict(
    pkd=dict(type="FeatureImitation", mode="pkd", stage=0, loss_weight=6.0),
))
