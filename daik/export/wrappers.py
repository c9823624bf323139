"""The modules that are exported: a detector with its input normalisation and its decode
inside the graph, and the end-to-end variant of an NMS-free (one-to-one) head.

Input ``images``: float32 ``(B, 3, H, W)`` RGB in 0..255 (``H``, ``W`` multiples of the
coarsest stride, 32); the data preprocessor's mean / std are applied in the graph.

- :class:`DecodedDetector` -> ``rboxes (B, N, 5)`` (le90, input pixels) and ``scores (B, N, C)``
  (probabilities) for every anchor point; score threshold and rotated NMS stay outside.
- :class:`EndToEndDetector` -> ``detections (B, K, 7)`` rows ``(cx, cy, w, h, theta, score,
  label)``: the ``K`` best (point, class) pairs by descending score, as the detector's
  ``nms=None`` post-process path picks them (``multi_label`` as in its ``test_cfg``). When
  fewer than ``K`` pairs exist (a small input), the remaining rows are padding with score 0
  and label -1. Apply the score threshold on the rows.
- :class:`RawDetector` -> ``raw0 .. raw{L-1}``, one ``(B, C + 4 (R + 1) + A, H_l, W_l)`` map per
  level: the class logits, the DFL logits of the four distances and the CSL angle logits,
  concatenated along channels; flattening and decode follow in numpy
  (:mod:`daik.export.numpy_decode`). For runtimes without the decode's ArgMax, Mod and
  GatherElements (ncnn, LiteRT via onnx2tf) and NPUs that run convolutions only; no reshape or
  transpose either, which layout-changing converters (NCHW -> NHWC) get wrong.
"""
import torch
import torch.nn as nn


def _normalisation(model: nn.Module):
    """``(mean, std)`` ``(1, 3, 1, 1)`` of the model's data preprocessor (0 / 1 without one)."""
    pre = getattr(model, "data_preprocessor", None)
    mean = getattr(pre, "mean", None) if getattr(pre, "_enable_normalize", False) else None
    std = getattr(pre, "std", None) if mean is not None else None
    mean = torch.zeros(3) if mean is None else mean.detach().float().reshape(-1)
    std = torch.ones(3) if std is None else std.detach().float().reshape(-1)
    if getattr(pre, "_channel_conversion", False):
        raise ValueError("the data preprocessor swaps BGR/RGB; export expects RGB input without a swap")
    return mean.reshape(1, -1, 1, 1), std.reshape(1, -1, 1, 1)


class DecodedDetector(nn.Module):
    """A detector (``extract_feat`` + head ``predict_raw`` / ``decode``) as one graph.

    Args:
        model: a daik detector (e.g. ``RotatedYOLO``), best reparameterised first.
    """

    def __init__(self, model: nn.Module):
        super().__init__()
        self.detector = model
        mean, std = _normalisation(model)
        self.register_buffer("mean", mean, persistent=False)
        self.register_buffer("std", std, persistent=False)

    def decoded(self, images: torch.Tensor):
        """``(B, 3, H, W)`` 0..255 -> ``(rboxes (B, N, 5), scores (B, N, C))``."""
        x = (images - self.mean) / self.std
        head = self.detector.head
        dec = head.decode(head.predict_raw(self.detector.extract_feat(x)))
        return dec.rboxes, dec.scores

    def forward(self, images: torch.Tensor):
        return self.decoded(images)


class EndToEndDetector(DecodedDetector):
    """An NMS-free detector with its top-``K`` selection inside the graph (see the module docstring).

    Args:
        model: a detector whose head is trained one-to-one (its ``test_cfg`` has ``nms=None``).
        topk: rows of the output.
        multi_label: select (point, class) pairs (True) or each point's best class (False).
    """

    def __init__(self, model: nn.Module, topk: int = 300, multi_label: bool = False):
        super().__init__(model)
        if topk < 1:
            raise ValueError(f"topk must be >= 1, got {topk}")
        self.topk, self.multi_label = int(topk), bool(multi_label)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        rboxes, scores = self.decoded(images)  # (B, N, 5), (B, N, C)
        b, _, c = scores.shape
        k = self.topk
        rboxes = torch.cat([rboxes, rboxes.new_zeros(b, k, 5)], dim=1)  # (B, N + K, 5): padding rows
        if self.multi_label:
            flat = torch.cat([scores.flatten(1), scores.new_zeros(b, k)], dim=1)  # (B, N*C + K)
            score, idx = flat.topk(k, dim=1)  # (B, K)
            n_pairs = scores.shape[1] * c
            point = torch.where(idx < n_pairs, torch.div(idx, c, rounding_mode="floor"),
                                scores.shape[1] + idx - n_pairs)
            label = torch.where(idx < n_pairs, torch.remainder(idx, c), torch.full_like(idx, -1))
        else:
            best, lab = scores.max(dim=-1)  # (B, N)
            best = torch.cat([best, best.new_zeros(b, k)], dim=1)
            lab = torch.cat([lab, lab.new_full((b, k), -1)], dim=1)
            score, point = best.topk(k, dim=1)  # (B, K)
            label = lab.gather(1, point)
        boxes = rboxes.gather(1, point[..., None].expand(-1, -1, 5))  # (B, K, 5)
        return torch.cat([boxes, score[..., None], label[..., None].to(boxes.dtype)], dim=-1)  # (B, K, 7)


class RawDetector(DecodedDetector):
    """The graph up to the prediction convs, one map per level (see the module docstring)."""

    def forward(self, images: torch.Tensor):
        x = (images - self.mean) / self.std
        maps = self.detector.head.predict_raw(self.detector.extract_feat(x)).maps
        return tuple(torch.cat([c, r, a], dim=1)  # (B, C + 4 (R + 1) + A, H_l, W_l)
                     for c, r, a in zip(maps["cls"], maps["reg"], maps["ang"]))


def decode_spec(model: nn.Module) -> dict:
    """What :mod:`daik.export.numpy_decode` needs to decode a :class:`RawDetector`'s output."""
    head = model.head
    coder, priors = head.angle_coder, head.prior_generator
    return {"num_classes": int(head.num_classes), "reg_max": int(head.reg_max), "angle_bins": int(coder.num_bins),
            "strides": [int(s) for s in priors.strides], "offset": float(priors.offset)}
