# FRS ("Distilling Object Detectors with Feature Richness", 2021): the teacher's max class
# probability weights neck and class-probability imitation; 500-iteration linear KD warm-up.
kd = dict(
    components=dict(frs=dict(type="FeatureRichnessDistillation", feat_weight=0.1, cls_weight=0.05, kernel_size=3)),
    schedule=dict(schedule="constant", start=1.0, warmup_iters=500, by_epoch=False),
)
