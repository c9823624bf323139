# configs/demo/teacher_m.py over 12 epochs: the same warm-up, cosine to the same floor, in half the
# epochs (what fits in the time an s teacher takes for 24 on a 2-core CPU):
#   daik train configs/demo/teacher_m_12e.py --work-dir work_dirs/demo_teacher_m_12e
_base_ = ["./teacher_m.py"]
max_epochs = 12
train_cfg = dict(max_epochs=max_epochs, val_interval=6)
param_scheduler = [
    dict(type="LinearLR", start_factor=0.01, by_epoch=False, begin=0, end=150),
    dict(type="CosineAnnealingLR", eta_min=0.0001, by_epoch=True, begin=0, end=max_epochs,
         convert_to_iter_based=True),
]
