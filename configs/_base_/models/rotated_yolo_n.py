# YOLOv6-R nano. Backbone and neck are YOLOv6 v3.0's YOLOv6-N (configs/yolov6n.py of that
# release: EfficientRep with SimCSPSPPF, RepBiFPAN neck, depth 0.33, width 0.25); the head is
# the rotated head (DFL distances in the box frame + 180 CSL angle bins).

num_classes = 15  # DOTA-v1.0; data set configs override model.head.num_classes
deepen_factor = 0.33
widen_factor = 0.25
basic_block = "RepVGGBlock"
stage_block = "RepBlock"
csp_e = 0.5

model = dict(
    type="RotatedYOLO",
    data_preprocessor=dict(type="RotatedYOLODataPreprocessor", pad_size_divisor=32, pad_value=0.0),
    backbone=dict(
        type="EfficientRep",
        channels=(64, 128, 256, 512, 1024),
        num_repeats=(1, 6, 12, 18, 6),
        deepen_factor=deepen_factor,
        widen_factor=widen_factor,
        block=basic_block,
        stage_block=stage_block,
        csp_e=csp_e,
        sppf="SimCSPSPPF",
        out_indices=(1, 2, 3, 4),
    ),
    neck=dict(
        type="RepPAN",
        in_channels=(128, 256, 512, 1024),
        channels=(256, 128, 128, 256, 256, 512),
        num_repeats=(12, 12, 12, 12),
        deepen_factor=deepen_factor,
        widen_factor=widen_factor,
        block=basic_block,
        stage_block=stage_block,
        csp_e=csp_e,
        fusion="BiC",
    ),
    head=dict(
        type="RotatedYOLOv6Head",
        num_classes=num_classes,
        in_channels=(128, 256, 512),
        widen_factor=widen_factor,
        reg_max=16,
        strides=(8, 16, 32),
        angle_coder=dict(type="CSLCoder", num_bins=180, radius=6.0),
        loss_cls=dict(type="VarifocalLoss", alpha=0.75, gamma=2.0, loss_weight=1.0),
        loss_bbox=dict(type="RotatedIoULoss", mode="linear", loss_weight=2.5),
        loss_dfl=dict(type="DistributionFocalLoss", loss_weight=0.5),
        loss_angle=dict(type="CSLLoss", loss_weight=0.2),
    ),
    train_cfg=dict(
        assigner=dict(type="RotatedTaskAlignedAssigner", topk=13, alpha=1.0, beta=6.0,
                      iou_calculator=dict(type="RBboxOverlaps2D")),
        warmup_assigner=dict(type="RotatedATSSAssigner", topk=9, anchor_scale=5.0),
        warmup_epochs=0,
    ),
    test_cfg=dict(score_thr=0.05, nms_pre=2000, nms=dict(iou_threshold=0.1), max_per_img=2000,
                  multi_label=True),
)
