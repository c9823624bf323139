# CrossKD ("CrossKD: Cross-Head Knowledge Distillation for Object Detection", 2023/24): the
# student's stem output (stage 1, CrossKD's i=3 on this head) through the frozen teacher head's
# branch convs and predictors, distilled to the teacher's predictions.
kd = dict(components=dict(
    cross=dict(type="CrossHeadDistillation", stage=1, align_stats=True, cls_weight=1.0, cls_beta=1.0,
               dfl_weight=1.0, dfl_temperature=1.0, angle_weight=0.2, angle_temperature=1.0, box_weight=2.5),
))
