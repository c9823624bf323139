# YOLOv6-R-m on the demo's data, with half the demo teacher's epochs: a 12-epoch version of
# configs/demo/teacher_n.py's schedule (same warm-up, cosine to the same floor), which is what an m
# model costs on a 2-core CPU in the time an s model takes for 24. The model is
# configs/synthetic/rotated_yolo_m.py's (a test holds the two equal):
#   python tools/train.py configs/demo/teacher_m.py --work-dir work_dirs/demo_teacher_m
_base_ = ["./teacher_n.py"]
model = dict(
    backbone=dict(deepen_factor=0.6, widen_factor=0.75, stage_block="BepC3", csp_e=2 / 3, sppf="SimSPPF"),
    neck=dict(deepen_factor=0.6, widen_factor=0.75, stage_block="BepC3", csp_e=2 / 3),
    head=dict(widen_factor=0.75),
)
max_epochs = 12
train_cfg = dict(max_epochs=max_epochs, val_interval=6)
param_scheduler = [
    dict(type="LinearLR", start_factor=0.01, by_epoch=False, begin=0, end=150),
    dict(type="CosineAnnealingLR", eta_min=0.0001, by_epoch=True, begin=0, end=max_epochs,
         convert_to_iter_based=True),
]
