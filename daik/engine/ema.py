"""The EMA of YOLO-family training, as an mmengine averaged model (``EMAHook(ema_type=...)``)."""
import math

from mmengine.model import ExponentialMovingAverage

from daik.registry import MODELS


@MODELS.register_module()
class YOLOEMA(ExponentialMovingAverage):
    """EMA whose decay ramps up as ``decay * (1 - exp(-steps / tau))`` (YOLOv5/v6 ``ModelEMA``).

    In mmengine's terms the update is ``avg = (1 - m) * avg + m * src`` with
    ``m = 1 - decay * (1 - exp(-(steps + 1) / tau))``: early steps follow the model closely,
    later ones average over about ``1 / (1 - decay)`` steps. For short CPU schedules use a small
    ``tau`` (a few hundred steps). Buffers (BN statistics) are averaged too by default.

    Args:
        model: the model to average.
        decay: the final decay (0.9999 in YOLOv6).
        tau: ramp length in steps (2000 in YOLOv6).
        interval, device, update_buffers: as :class:`ExponentialMovingAverage`.
    """

    def __init__(self, model, decay: float = 0.9999, tau: float = 2000.0, interval: int = 1,
                 device=None, update_buffers: bool = True):
        super().__init__(model, momentum=1 - decay, interval=interval, device=device,
                         update_buffers=update_buffers)
        self.decay = decay
        self.tau = tau

    def avg_func(self, averaged_param, source_param, steps: int) -> None:
        decay = self.decay * (1 - math.exp(-(steps + 1) / self.tau))
        averaged_param.lerp_(source_param, 1 - decay)
