# The CAKD student alone: YOLOv6-R-n with the one-to-one head, read without NMS. Test or export
# a checkpoint distilled with configs/distill/synthetic/cakd.py with it (or train it without a
# teacher as the one-to-one baseline).
_base_ = ["../../synthetic/rotated_yolo_n.py"]

model = dict(
    head=dict(type="RotatedYOLOv6O2OHead"),
    train_cfg=dict(assigner=dict(_delete_=True, type="RotatedOneToOneAssigner", alpha=1.0, beta=1.0),
                   warmup_assigner=None, warmup_epochs=0),
    test_cfg=dict(nms=None, multi_label=False),
)
