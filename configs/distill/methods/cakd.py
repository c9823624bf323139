# CAKD ("Cross-Label Assignment Knowledge Distillation for End-to-End Object Detection"): a
# one-to-one, NMS-free student head; its neck maps go through the teacher's head and those cross
# predictions are distilled at the points a task-aware (cls x IoU) assignment of the teacher selects.
kd = dict(
    student=dict(
        head=dict(type="RotatedYOLOv6O2OHead"),
        train_cfg=dict(assigner=dict(_delete_=True, type="RotatedOneToOneAssigner", alpha=1.0, beta=1.0),
                       warmup_assigner=None, warmup_epochs=0),
        test_cfg=dict(nms=None, multi_label=False),
    ),
    components=dict(
        cakd=dict(type="CrossAssignmentDistillation", stage=0, topk=13, alpha=1.0, beta=1.0, cls_weight=1.0,
                  dfl_weight=1.0, angle_weight=0.2, box_weight=2.5),
    ),
)
