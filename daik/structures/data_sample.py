"""The record that travels from the data pipeline through the model to the metric.

One :class:`DetDataSample` per image (an mmengine ``BaseDataElement``):

- ``gt_instances`` (:class:`mmengine.structures.InstanceData`):
    ``bboxes`` float32 ``(N, 5)`` rboxes (daik convention, regularised), ``labels`` int64
    ``(N,)``, ``difficult`` bool ``(N,)`` (DOTA's difficult flag; trained on, but neither
    counted nor penalised by evaluation).
- ``pred_instances``: ``bboxes`` ``(K, 5)``, ``scores`` ``(K,)``, ``labels`` ``(K,)``, set by
  the model's ``predict`` in the coordinates of the *original* image.
- metainfo: ``img_id`` (file stem), ``img_path``, ``ori_shape`` ``(H, W)`` as read,
  ``img_shape`` ``(H, W)`` after resizing, ``pad_shape``, ``scale_factor`` ``(sx, sy)``
  from original to network input, and for patches of a split scene ``patch_offset`` ``(x, y)``.

Training pipelines move ``gt_instances`` with the image; validation/test pipelines keep them in
original-image coordinates, which is where predictions are reported.
"""
import torch
from mmengine.structures import BaseDataElement, InstanceData


class DetDataSample(BaseDataElement):
    """Annotations and predictions of one image (see the module docstring for the fields)."""

    @property
    def gt_instances(self) -> InstanceData:
        return self._gt_instances

    @gt_instances.setter
    def gt_instances(self, value: InstanceData) -> None:
        self.set_field(value, "_gt_instances", dtype=InstanceData)

    @gt_instances.deleter
    def gt_instances(self) -> None:
        del self._gt_instances

    @property
    def pred_instances(self) -> InstanceData:
        return self._pred_instances

    @pred_instances.setter
    def pred_instances(self, value: InstanceData) -> None:
        self.set_field(value, "_pred_instances", dtype=InstanceData)

    @pred_instances.deleter
    def pred_instances(self) -> None:
        del self._pred_instances


def _boxes(bboxes) -> torch.Tensor:
    if bboxes is None:
        return torch.zeros((0, 5), dtype=torch.float32)
    return torch.as_tensor(bboxes, dtype=torch.float32).reshape(-1, 5)


def make_gt_instances(bboxes=None, labels=None, difficult=None) -> InstanceData:
    """Ground truth as :class:`InstanceData` (``bboxes``, ``labels``, ``difficult``)."""
    inst = InstanceData()
    inst.bboxes = _boxes(bboxes)
    n = inst.bboxes.shape[0]
    inst.labels = torch.as_tensor(labels if labels is not None else [0] * n, dtype=torch.long).reshape(n)
    inst.difficult = torch.as_tensor(difficult if difficult is not None else [False] * n,
                                     dtype=torch.bool).reshape(n)
    return inst


def make_pred_instances(bboxes=None, scores=None, labels=None) -> InstanceData:
    """Predictions as :class:`InstanceData` (``bboxes``, ``scores``, ``labels``)."""
    inst = InstanceData()
    inst.bboxes = _boxes(bboxes)
    n = inst.bboxes.shape[0]
    inst.scores = torch.as_tensor(scores if scores is not None else [0.0] * n, dtype=torch.float32).reshape(n)
    inst.labels = torch.as_tensor(labels if labels is not None else [0] * n, dtype=torch.long).reshape(n)
    return inst
