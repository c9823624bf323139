# DOTA-v1.0 split single-scale into 1024 x 1024 patches with a 200 px gap (mmrotate's layout):
#   daik split --preset ss --img-dir data/DOTA/train/images --ann-dir data/DOTA/train/labelTxt \
#       --out data/split_ss_dota/trainval   (and val; test without --ann-dir)
# Boxes are daik's regularised le90 rboxes; validation/test keep them in original-patch
# coordinates (Resize(resize_boxes=False)), where predictions are reported.
dataset_type = "DOTADataset"
data_root = "data/split_ss_dota/"
classes = "dota1.0"

train_pipeline = [
    dict(type="LoadImageFromFile"),
    dict(type="Resize", scale=(1024, 1024), keep_ratio=True),
    dict(type="RandomFlip", prob=0.75, direction=["horizontal", "vertical", "diagonal"]),
    dict(type="PackDetInputs"),
]
val_pipeline = [
    dict(type="LoadImageFromFile"),
    dict(type="Resize", scale=(1024, 1024), keep_ratio=True, resize_boxes=False),
    dict(type="PackDetInputs"),
]
test_pipeline = val_pipeline

train_dataloader = dict(
    batch_size=2,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type="DefaultSampler", shuffle=True),
    collate_fn=dict(type="pseudo_collate"),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        classes=classes,
        ann_file="trainval/annfiles/",
        data_prefix=dict(img_path="trainval/images/"),
        filter_cfg=dict(filter_empty_gt=True),
        pipeline=train_pipeline,
    ),
)
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type="DefaultSampler", shuffle=False),
    collate_fn=dict(type="pseudo_collate"),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        classes=classes,
        ann_file="trainval/annfiles/",
        data_prefix=dict(img_path="trainval/images/"),
        test_mode=True,
        pipeline=val_pipeline,
    ),
)
# The test split has no labels: images only, each with no objects.
test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type="DefaultSampler", shuffle=False),
    collate_fn=dict(type="pseudo_collate"),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        classes=classes,
        ann_file="",
        data_prefix=dict(img_path="test/images/"),
        test_mode=True,
        pipeline=test_pipeline,
    ),
)

val_evaluator = dict(type="DOTAMetric")  # on the labelled patches, against their label polygons
# The test split has no labels: merge patch predictions into scenes and write Task1 files.
test_evaluator = dict(type="DOTAMetric", format_only=True, merge_patches=True,
                      outfile_prefix="work_dirs/dota_test/Task1")
