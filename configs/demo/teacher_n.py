# The demo's teacher: YOLOv6-R-n trained for 24 epochs on 1000 quick synthetic scenes (160 px).
# checkpoints/demo_teacher_n.pth was made by (see checkpoints/README.md):
#   daik synth data/synthetic_quick/train --preset quick --num-images 1000 --seed 0
#   daik synth data/synthetic_quick/val --preset quick --num-images 200 --seed 1
#   daik train configs/demo/teacher_n.py --work-dir work_dirs/demo_teacher_n
#   daik publish work_dirs/demo_teacher_n/epoch_24.pth checkpoints/demo_teacher_n.pth
_base_ = ["../synthetic/rotated_yolo_n.py"]
max_epochs = 24
train_cfg = dict(max_epochs=max_epochs, val_interval=6)
param_scheduler = [
    dict(type="LinearLR", start_factor=0.01, by_epoch=False, begin=0, end=150),
    dict(type="CosineAnnealingLR", eta_min=0.0001, by_epoch=True, begin=0, end=max_epochs,
         convert_to_iter_based=True),
]
default_hooks = dict(checkpoint=dict(interval=6))
