# PKD ("PKD: General Distillation Framework for Object Detectors via Pearson Correlation
# Coefficient", 2022) on the neck maps, weight 6 per level.
_base_ = ["./_base_/n_from_s.py"]

model = dict(components=dict(
    pkd=dict(type="FeatureImitation", mode="pkd", stage=0, loss_weight=6.0),
))
