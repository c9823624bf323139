# YOLOv6-R-m on daik's quick synthetic scenes (256 px scenes seen at 160 px; 7 classes), a schedule sized for a
# 2-core CPU. Make the data first:
#   daik synth data/synthetic_quick/train --preset quick --num-images 1000 --seed 0
#   daik synth data/synthetic_quick/val --preset quick --num-images 200 --seed 1
_base_ = [
    "../_base_/models/rotated_yolo_m.py",
    "../_base_/datasets/synthetic_quick.py",
    "../_base_/quick_cpu.py",
]
model = dict(head=dict(num_classes=7), test_cfg=dict(score_thr=0.01, nms_pre=1000, max_per_img=300))
train_dataloader = dict(num_workers=1)
val_dataloader = dict(num_workers=1)
test_dataloader = val_dataloader
