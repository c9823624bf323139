"""Colour jitter (pixels change, geometry does not)."""
import cv2
import numpy as np

from daik.registry import TRANSFORMS

from .base import BaseTransform


@TRANSFORMS.register_module()
class RandomHSV(BaseTransform):
    """Random gains on hue, saturation and value (brightness), YOLO style.

    With probability ``prob`` each gain is ``1 + U(-g, g)`` for ``g`` in ``(hue, saturation,
    value)``; OpenCV's hue (0..179) is multiplied by its gain modulo 180, saturation and value
    are multiplied (value is the brightness jitter) and clipped to 0..255.
    """

    def __init__(self, hue: float = 0.015, saturation: float = 0.7, value: float = 0.4, prob: float = 1.0):
        self.hue, self.saturation, self.value, self.prob = hue, saturation, value, prob

    def transform(self, results: dict) -> dict:
        if np.random.rand() >= self.prob:
            return results
        gains = np.random.uniform(-1, 1, 3) * (self.hue, self.saturation, self.value) + 1
        hue, sat, val = cv2.split(cv2.cvtColor(results["img"], cv2.COLOR_RGB2HSV))
        x = np.arange(256, dtype=np.float32)
        lut_h = ((x * gains[0]) % 180).astype(np.uint8)
        lut_s = np.clip(x * gains[1], 0, 255).astype(np.uint8)
        lut_v = np.clip(x * gains[2], 0, 255).astype(np.uint8)
        hsv = cv2.merge((cv2.LUT(hue, lut_h), cv2.LUT(sat, lut_s), cv2.LUT(val, lut_v)))
        results["img"] = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)
        return results
