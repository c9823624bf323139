"""YOLOv6's depth/width multipliers."""
import math


def make_divisible(x: float, divisor: int = 8) -> int:
    """Smallest multiple of ``divisor`` not below ``x``."""
    return int(math.ceil(x / divisor) * divisor)


def scale_width(channels: int, widen_factor: float) -> int:
    """Channels of a scaled model: ``make_divisible(channels * widen_factor, 8)``."""
    return make_divisible(channels * widen_factor, 8)


def scale_depth(repeats: int, deepen_factor: float) -> int:
    """Block count of a scaled model: ``max(round(n * d), 1)`` for ``n > 1``, else ``n``."""
    return max(round(repeats * deepen_factor), 1) if repeats > 1 else repeats
