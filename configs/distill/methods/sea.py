# SEA ("SEA: Bridging the Gap Between One- and Two-stage Detector Distillation via SEmantic-aware
# Alignment", 2022): category anchors (centre / edge regions of the rotated boxes, background),
# pixel-to-anchor topology KD, DFL-distribution alignment inside the boxes.
kd = dict(components=dict(
    sea=dict(type="SemanticAlignmentDistillation", anchor_weight=1.0, topo_weight=1.0, loc_weight=0.25,
             temperature=0.1, center_ratio=0.5, loc_temperature=10.0),
))
