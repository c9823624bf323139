# Runtime shared by every daik training: hooks, logging, plain checkpoints, curves, EMA.
default_scope = "daik"

default_hooks = dict(
    timer=dict(type="IterTimerHook"),
    logger=dict(type="LoggerHook", interval=20),
    param_scheduler=dict(type="ParamSchedulerHook"),
    # every `interval` epochs, plus the best by DOTA mAP (VOC07, IoU 0.5)
    checkpoint=dict(type="CheckpointHook", interval=10, max_keep_ckpts=3,
                    save_best="dota/mAP", rule="greater"),
    sampler_seed=dict(type="DistSamplerSeedHook"),
)
custom_hooks = [
    dict(type="EMAHook", ema_type="YOLOEMA", decay=0.9999, tau=2000, priority=49),
    dict(type="SetEpochHook"),
    dict(type="TrainingCurveHook"),
    # last: writes checkpoints torch.load(weights_only=True) accepts
    dict(type="PlainCheckpointHook"),
]

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method="fork", opencv_num_threads=0),
    dist_cfg=dict(backend="nccl"),  # daik train switches to gloo without CUDA
)
log_processor = dict(type="LogProcessor", window_size=20, by_epoch=True)
log_level = "INFO"
load_from = None
resume = False
randomness = dict(seed=0)
