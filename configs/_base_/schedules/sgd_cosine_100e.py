# YOLOv6's SGD recipe (sgd_cosine.py) over 100 epochs, validating every 5: DIOR-R's schedule.
_base_ = ["./sgd_cosine.py"]

max_epochs = 100
train_cfg = dict(max_epochs=max_epochs, val_interval=5)
param_scheduler = [
    dict(type="LinearLR", start_factor=0.01, by_epoch=False, begin=0, end=1000),
    dict(type="CosineAnnealingLR", eta_min=0.0001, by_epoch=True, begin=0, end=max_epochs,
         convert_to_iter_based=True),
]
