# FitNet ("FitNets: Hints for Thin Deep Nets", 2015): MSE of 1x1-adapted student neck maps to the
# teacher's.
kd = dict(components=dict(
    fitnet=dict(type="FeatureImitation", mode="fitnet", stage=0, loss_weight=1.0),
))
