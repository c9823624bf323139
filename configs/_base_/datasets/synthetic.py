# daik's synthetic aerial scenes (512 px, DOTA-like density). Make them first:
#   daik synth data/synthetic/train --num-images 2000 --size 512 --seed 0
#   daik synth data/synthetic/val --num-images 200 --size 512 --seed 1
dataset_type = "SyntheticDataset"
data_root = "data/synthetic/"
img_scale = 512

train_pipeline = [
    dict(type="LoadImageFromFile"),
    dict(type="RandomFlip", prob=0.75, direction=["horizontal", "vertical", "diagonal"]),
    dict(type="RandomRotate90", prob=0.5),
    dict(type="RandomHSV"),
    dict(type="Resize", scale=img_scale, keep_ratio=True),
    dict(type="PackDetInputs"),
]
val_pipeline = [
    dict(type="LoadImageFromFile"),
    dict(type="Resize", scale=img_scale, keep_ratio=True, resize_boxes=False),
    dict(type="PackDetInputs"),
]
test_pipeline = val_pipeline

train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type="DefaultSampler", shuffle=True),
    collate_fn=dict(type="pseudo_collate"),
    dataset=dict(
        type=dataset_type,
        data_root=data_root + "train/",
        filter_cfg=dict(filter_empty_gt=True),
        pipeline=train_pipeline,
    ),
)
val_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type="DefaultSampler", shuffle=False),
    collate_fn=dict(type="pseudo_collate"),
    dataset=dict(
        type=dataset_type,
        data_root=data_root + "val/",
        test_mode=True,
        pipeline=val_pipeline,
    ),
)
test_dataloader = val_dataloader

val_evaluator = dict(type="DOTAMetric")
test_evaluator = val_evaluator
