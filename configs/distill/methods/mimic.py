# Plain prediction mimicking over every point (class probabilities, DFL and CSL distributions):
# the baseline every distillation method must beat.
kd = dict(components=dict(
    mimic=dict(type="PredictionMimicking", cls_weight=1.0, dfl_weight=0.25, angle_weight=0.05, temperature=1.0),
))
