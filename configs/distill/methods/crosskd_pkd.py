# CrossKD + PKD on the neck maps (CrossKD's "+PKD" setting).
_base_ = ["./crosskd.py"]

kd = dict(components=dict(
    pkd=dict(type="FeatureImitation", mode="pkd", stage=0, loss_weight=6.0),
))
