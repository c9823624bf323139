"""Batching of the data pipeline's output for the detector."""
import math
from typing import Optional

from mmengine.model import ImgDataPreprocessor

from daik.registry import MODELS


@MODELS.register_module()
class RotatedYOLODataPreprocessor(ImgDataPreprocessor):
    """uint8 ``(3, H, W)`` RGB images -> one float ``(B, 3, H', W')`` batch in [0, 1].

    Images are padded at the bottom and right to the batch's largest size, rounded up to a
    multiple of ``pad_size_divisor`` (32: the coarsest stride), so ground-truth boxes, already
    in the input frame, stay where they are. Each data sample gets ``batch_input_shape`` and,
    unless the pipeline set it, ``pad_shape`` (its own size rounded up to the divisor).

    Args:
        pad_size_divisor: padded sizes are multiples of this.
        pad_value: value of padded pixels, in the [0, 1] scale.
        non_blocking: asynchronous host-to-device copies.
    """

    def __init__(self, pad_size_divisor: int = 32, pad_value: float = 0.0, non_blocking: Optional[bool] = False):
        super().__init__(mean=[0.0, 0.0, 0.0], std=[255.0, 255.0, 255.0], pad_size_divisor=pad_size_divisor,
                         pad_value=pad_value, bgr_to_rgb=False, non_blocking=non_blocking)

    def forward(self, data: dict, training: bool = False) -> dict:
        """``{"inputs": [uint8 (3, H_i, W_i)] or (B, 3, H, W), "data_samples": [...]}`` -> the
        same dict with ``inputs`` a float ``(B, 3, H', W')`` tensor on the model's device."""
        shapes = self._input_shapes(data.get("inputs"))
        data = super().forward(data, training)
        samples = data.get("data_samples")
        if samples is not None:
            batch_shape = tuple(data["inputs"].shape[-2:])
            d = self.pad_size_divisor
            for ds, (h, w) in zip(samples, shapes):
                ds.set_metainfo({"batch_input_shape": batch_shape})
                if "pad_shape" not in ds.metainfo:
                    ds.set_metainfo({"pad_shape": (math.ceil(h / d) * d, math.ceil(w / d) * d)})
        return data

    @staticmethod
    def _input_shapes(inputs):
        if inputs is None:
            return []
        if hasattr(inputs, "dim") and inputs.dim() == 4:
            return [tuple(inputs.shape[-2:])] * inputs.shape[0]
        return [tuple(x.shape[-2:]) for x in inputs]
