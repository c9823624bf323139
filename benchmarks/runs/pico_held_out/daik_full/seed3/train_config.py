auto_scale_lr = dict(base_batch_size=64, enable=False)
base_lr = 0.01
custom_hooks = [
    dict(
        decay=0.9998, ema_type='YOLOEMA', priority=49, tau=200,
        type='EMAHook'),
    dict(type='SetEpochHook'),
    dict(type='KDScheduleHook'),
    dict(interval=50, type='KDDiagnosticsHook'),
    dict(type='TrainingCurveHook'),
    dict(type='PlainCheckpointHook'),
]
data_root = 'data/synthetic_quick/'
dataset_type = 'SyntheticDataset'
default_hooks = dict(
    checkpoint=dict(
        interval=6,
        max_keep_ckpts=3,
        rule='greater',
        save_best=None,
        type='CheckpointHook'),
    logger=dict(interval=1, type='LoggerHook'),
    param_scheduler=dict(type='ParamSchedulerHook'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    timer=dict(type='IterTimerHook'))
default_scope = 'daik'
env_cfg = dict(
    cudnn_benchmark=False,
    dist_cfg=dict(backend='gloo'),
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0))
img_scale = 160
launcher = 'none'
load_from = None
log_level = 'INFO'
log_processor = dict(by_epoch=True, type='LogProcessor', window_size=20)
max_epochs = 30
model = dict(
    components=dict(
        aal=dict(gamma=3.0, type='AALAssignment'),
        ad=dict(loss_weight=1.0, temperature=20.0, type='AngleDistillation'),
        cls_kd=dict(
            loss_weight=1.0,
            mode='binary',
            normaliser='targets',
            region='all',
            temperature=1.0,
            type='ClassDistillation'),
        ld=dict(
            loss_weight=0.25,
            region='all',
            temperature=1.0,
            type='LocalizationDistillation',
            weighted=False),
        ld_pos=dict(
            loss_weight=0.25,
            region='pos',
            temperature=10.0,
            type='LocalizationDistillation',
            weighted=True),
        sad=dict(
            kl_weight=1.0,
            teacher_assign=True,
            teacher_targets=True,
            temperature=0.1,
            type='SampleAlignmentDistillation')),
    kd_schedule=dict(schedule='constant', start=1.0),
    student=dict(
        backbone=dict(
            block='RepVGGBlock',
            channels=(
                64,
                128,
                256,
                512,
                1024,
            ),
            csp_e=0.5,
            deepen_factor=0.33,
            num_repeats=(
                1,
                6,
                12,
                18,
                6,
            ),
            out_indices=(
                1,
                2,
                3,
                4,
            ),
            sppf='SimCSPSPPF',
            stage_block='RepBlock',
            type='EfficientRep',
            widen_factor=0.125),
        data_preprocessor=dict(
            pad_size_divisor=32,
            pad_value=0.0,
            type='RotatedYOLODataPreprocessor'),
        head=dict(
            angle_coder=dict(num_bins=180, radius=6.0, type='CSLCoder'),
            in_channels=(
                128,
                256,
                512,
            ),
            loss_angle=dict(loss_weight=0.2, type='CSLLoss'),
            loss_bbox=dict(
                loss_weight=2.5, mode='linear', type='RotatedIoULoss'),
            loss_cls=dict(
                alpha=0.75, gamma=2.0, loss_weight=1.0, type='VarifocalLoss'),
            loss_dfl=dict(loss_weight=0.5, type='DistributionFocalLoss'),
            num_classes=7,
            reg_max=16,
            strides=(
                8,
                16,
                32,
            ),
            type='RotatedYOLOv6Head',
            widen_factor=0.125),
        neck=dict(
            block='RepVGGBlock',
            channels=(
                256,
                128,
                128,
                256,
                256,
                512,
            ),
            csp_e=0.5,
            deepen_factor=0.33,
            fusion='BiC',
            in_channels=(
                128,
                256,
                512,
                1024,
            ),
            num_repeats=(
                12,
                12,
                12,
                12,
            ),
            stage_block='RepBlock',
            type='RepPAN',
            widen_factor=0.125),
        test_cfg=dict(
            max_per_img=300,
            multi_label=True,
            nms=dict(iou_threshold=0.1),
            nms_pre=1000,
            score_thr=0.01),
        train_cfg=dict(
            assigner=dict(
                alpha=1.0,
                beta=6.0,
                iou_calculator=dict(type='RBboxOverlaps2D'),
                topk=13,
                type='RotatedTaskAlignedAssigner'),
            warmup_assigner=dict(
                anchor_scale=5.0, topk=9, type='RotatedATSSAssigner'),
            warmup_epochs=0),
        type='RotatedYOLO'),
    teacher_ckpt='{{DAIK_ROOT}}/checkpoints/demo_teacher_n.pth',
    teacher_config='{{DAIK_ROOT}}/configs/demo/teacher_n.py',
    type='RotatedDistiller')
optim_wrapper = dict(
    clip_grad=dict(max_norm=10.0),
    optimizer=dict(
        lr=0.01,
        momentum=0.937,
        nesterov=True,
        type='SGD',
        weight_decay=0.0005),
    paramwise_cfg=dict(bias_decay_mult=0.0, norm_decay_mult=0.0),
    type='OptimWrapper')
param_scheduler = [
    dict(begin=0, by_epoch=False, end=124, start_factor=0.01, type='LinearLR'),
    dict(
        begin=0,
        by_epoch=True,
        convert_to_iter_based=True,
        end=6,
        eta_min=0.0001,
        type='CosineAnnealingLR'),
]
randomness = dict(seed=3)
resume = False
test_cfg = dict(type='TestLoop')
test_dataloader = dict(
    batch_size=16,
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        data_root='{{DAIK_ROOT}}/data/synthetic_quick/val',
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(
                keep_ratio=True, resize_boxes=False, scale=160, type='Resize'),
            dict(type='PackDetInputs'),
        ],
        test_mode=True,
        type='SyntheticDataset'),
    drop_last=False,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(shuffle=False, type='DefaultSampler'))
test_evaluator = dict(type='DOTAMetric')
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(keep_ratio=True, resize_boxes=False, scale=160, type='Resize'),
    dict(type='PackDetInputs'),
]
train_cfg = dict(max_epochs=6, type='EpochBasedTrainLoop', val_interval=6)
train_dataloader = dict(
    batch_size=16,
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        data_root='{{DAIK_ROOT}}/data/synthetic_quick/train',
        filter_cfg=dict(filter_empty_gt=True),
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(
                direction=[
                    'horizontal',
                    'vertical',
                    'diagonal',
                ],
                prob=0.75,
                type='RandomFlip'),
            dict(type='RandomHSV'),
            dict(keep_ratio=True, scale=160, type='Resize'),
            dict(type='PackDetInputs'),
        ],
        type='SyntheticDataset'),
    num_workers=0,
    persistent_workers=False,
    sampler=dict(shuffle=True, type='DefaultSampler'))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        direction=[
            'horizontal',
            'vertical',
            'diagonal',
        ],
        prob=0.75,
        type='RandomFlip'),
    dict(type='RandomHSV'),
    dict(keep_ratio=True, scale=160, type='Resize'),
    dict(type='PackDetInputs'),
]
val_cfg = dict(type='ValLoop')
val_dataloader = dict(
    batch_size=16,
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        data_root='{{DAIK_ROOT}}/data/synthetic_quick/val',
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(
                keep_ratio=True, resize_boxes=False, scale=160, type='Resize'),
            dict(type='PackDetInputs'),
        ],
        test_mode=True,
        type='SyntheticDataset'),
    drop_last=False,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(shuffle=False, type='DefaultSampler'))
val_evaluator = dict(type='DOTAMetric')
val_interval = 10
val_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(keep_ratio=True, resize_boxes=False, scale=160, type='Resize'),
    dict(type='PackDetInputs'),
]
warmup_iters = 150
work_dir = '{{DAIK_ROOT}}/work_dirs/bench_kd_pico_confirm/daik_full/seed3'
