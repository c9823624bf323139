# The CPU set: small synthetic scenes with large objects (preset "quick", 256 px scenes), seen by
# the network at 160 px (a third of the compute of 256 px), so that a nano detector learns it
# within minutes on two cores (mAP50 about 0.5 after 6 epochs of 1000 scenes). Make them first:
#   daik synth data/synthetic_quick/train --preset quick --num-images 1000 --seed 0
#   daik synth data/synthetic_quick/val --preset quick --num-images 200 --seed 1
_base_ = ["./synthetic.py"]
data_root = "data/synthetic_quick/"
img_scale = 160

train_pipeline = [
    dict(type="LoadImageFromFile"),
    dict(type="RandomFlip", prob=0.75, direction=["horizontal", "vertical", "diagonal"]),
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

train_dataloader = dict(batch_size=16, dataset=dict(data_root=data_root + "train/", pipeline=train_pipeline))
val_dataloader = dict(batch_size=16, dataset=dict(data_root=data_root + "val/", pipeline=val_pipeline))
test_dataloader = val_dataloader
