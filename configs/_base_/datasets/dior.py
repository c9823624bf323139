# DIOR-R as released (JPEGImages-trainval / JPEGImages-test, Annotations/Oriented Bounding Boxes,
# ImageSets/Main/{trainval,test}.txt); 800 x 800 images, trained at 800.
dataset_type = "DIORRDataset"
data_root = "data/DIOR/"
classes = "dior-r"

train_pipeline = [
    dict(type="LoadImageFromFile"),
    dict(type="Resize", scale=(800, 800), keep_ratio=True),
    dict(type="RandomFlip", prob=0.75, direction=["horizontal", "vertical", "diagonal"]),
    dict(type="PackDetInputs"),
]
val_pipeline = [
    dict(type="LoadImageFromFile"),
    dict(type="Resize", scale=(800, 800), keep_ratio=True, resize_boxes=False),
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
        ann_file="ImageSets/Main/trainval.txt",
        data_prefix=dict(img_path="JPEGImages-trainval", ann_path="Annotations/Oriented Bounding Boxes"),
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
        ann_file="ImageSets/Main/test.txt",
        data_prefix=dict(img_path="JPEGImages-test", ann_path="Annotations/Oriented Bounding Boxes"),
        test_mode=True,
        pipeline=val_pipeline,
    ),
)
test_dataloader = val_dataloader

val_evaluator = dict(type="DOTAMetric")  # VOC07 11-point AP at IoU 0.5, as mmrotate reports DIOR-R
test_evaluator = val_evaluator
