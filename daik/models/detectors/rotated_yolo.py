"""The detector: backbone + neck + rotated head, as an mmengine model."""
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModel

from daik.registry import MODELS


def _build(cfg):
    return MODELS.build(cfg) if isinstance(cfg, dict) else cfg


@MODELS.register_module()
class RotatedYOLO(BaseModel):
    """YOLOv6-R: EfficientRep backbone, RepPAN neck, :class:`RotatedYOLOv6Head`.

    ``forward(inputs, data_samples, mode)``:

    - ``"loss"``: dict of losses (``loss_cls``, ``loss_bbox``, ``loss_dfl``, ``loss_angle``);
    - ``"predict"``: the data samples with ``pred_instances`` (``bboxes (K, 5)``, ``scores``,
      ``labels``) in original-image coordinates (``metainfo["scale_factor"]``);
    - ``"tensor"``: the head's raw per-level logits ``(cls, reg, ang)``.

    For distillers: :meth:`extract_feat` gives the neck maps; the head's step-wise API (see
    :mod:`daik.models.heads.rotated_yolo_head`) does the rest. A distilled checkpoint also holds
    the distiller's own modules; the loaders leave those out (:data:`daik.distill.DISTILL_PREFIX`).

    Args:
        backbone: backbone config.
        neck: neck config.
        head: head config.
        data_preprocessor: defaults to :class:`RotatedYOLODataPreprocessor`.
        train_cfg: handed to the head (assigners).
        test_cfg: handed to the head (post-processing).
        init_cfg: mmengine init config.
    """

    def __init__(self, backbone: dict, neck: dict, head: dict, data_preprocessor: Optional[Union[dict, nn.Module]] = None,
                 train_cfg: Optional[dict] = None, test_cfg: Optional[dict] = None, init_cfg: Optional[dict] = None):
        if data_preprocessor is None:
            data_preprocessor = dict(type="RotatedYOLODataPreprocessor")
        super().__init__(data_preprocessor=_build(data_preprocessor), init_cfg=init_cfg)
        self.backbone = _build(backbone)
        self.neck = _build(neck)
        if isinstance(head, dict):
            head = dict(head)
            if train_cfg is not None:
                head.setdefault("train_cfg", train_cfg)
            if test_cfg is not None:
                head.setdefault("test_cfg", test_cfg)
        self.head = _build(head)

    def set_epoch(self, epoch: int) -> None:
        """Tell the head the current epoch (it switches from a warm-up assigner by it)."""
        self.head.epoch = int(epoch)

    def extract_feat(self, inputs: torch.Tensor) -> List[torch.Tensor]:
        """``(B, 3, H, W)`` -> neck maps at strides 8, 16, 32."""
        return list(self.neck(self.backbone(inputs)))

    def forward(self, inputs: torch.Tensor, data_samples: Optional[Sequence] = None, mode: str = "tensor"):
        if mode == "loss":
            return self.loss(inputs, data_samples)
        if mode == "predict":
            return self.predict(inputs, data_samples)
        if mode == "tensor":
            return self._forward(inputs)
        raise RuntimeError(f"invalid mode {mode!r}; use loss, predict or tensor")

    def loss(self, inputs: torch.Tensor, data_samples: Sequence) -> Dict[str, torch.Tensor]:
        return self.head.loss(self.extract_feat(inputs), data_samples)

    def predict(self, inputs: torch.Tensor, data_samples: Sequence, rescale: bool = True) -> Sequence:
        metas = [ds.metainfo for ds in data_samples]
        results = self.head.predict(self.extract_feat(inputs), metas, rescale=rescale)
        for ds, res in zip(data_samples, results):
            ds.pred_instances = res
        return data_samples

    def _forward(self, inputs: torch.Tensor):
        return self.head(self.extract_feat(inputs))
