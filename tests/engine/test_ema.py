import math

import torch
import torch.nn as nn

from daik.engine.ema import YOLOEMA


def test_yolo_ema_follows_the_ramped_decay():
    src = nn.Linear(1, 1, bias=False)
    nn.init.constant_(src.weight, 0.0)
    ema = YOLOEMA(src, decay=0.99, tau=10.0)
    ema.update_parameters(src)  # step 0 copies
    want = 0.0
    for step in range(1, 30):
        with torch.no_grad():
            src.weight.fill_(float(step))
        ema.update_parameters(src)
        d = 0.99 * (1 - math.exp(-(step + 1) / 10.0))
        want = d * want + (1 - d) * step
        assert abs(ema.module.weight.item() - want) < 1e-4


def test_yolo_ema_averages_bn_statistics_but_not_counters():
    src = nn.Sequential(nn.Conv2d(1, 2, 1), nn.BatchNorm2d(2))
    ema = YOLOEMA(src, decay=0.9, tau=1.0)
    ema.update_parameters(src)
    src.train()
    src(torch.randn(4, 1, 3, 3) + 5)
    ema.update_parameters(src)
    bn_src, bn_ema = src[1], ema.module[1]
    assert not torch.equal(bn_ema.running_mean, bn_src.running_mean)  # lags behind
    assert (bn_ema.running_mean.abs() > 0).all()  # but moved towards it
    assert bn_ema.num_batches_tracked.dtype == torch.long
