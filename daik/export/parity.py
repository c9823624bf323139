"""How far an exported detector's runtime is from PyTorch: the numbers of benchmarks/export.md.

:func:`parity` runs each runner (:class:`~daik.export.runtime.ExportedDetector`) and the fused
PyTorch module that was exported on the same letterboxed images and reports the largest score
difference and box corner distances, over the outputs that can become detections.
"""
from typing import Dict, Sequence

import numpy as np


def corner_dist(a, b):
    """Largest corner distance per box pair of ``(N, 5)`` rboxes, over the four corner pairings."""
    from daik.structures import rbox2poly

    pa = rbox2poly(np.asarray(a, np.float64).reshape(-1, 5)).reshape(-1, 4, 2)
    pb = rbox2poly(np.asarray(b, np.float64).reshape(-1, 5)).reshape(-1, 4, 2)
    return np.min([np.abs(pa - np.roll(pb, k, axis=1)).max(axis=(1, 2)) for k in range(4)], axis=0)


def parity(model, runners: Dict[str, object], images: Sequence[np.ndarray], size: int) -> Dict[str, dict]:
    """Largest |score difference| and box corner distance (pixels) of each runner's raw outputs
    against the fused PyTorch module, over ``images``. NMS outside: boxes of points PyTorch scores
    above 0.05; end to end: rows whose rank is unambiguous (score 1e-4 from its neighbours).

    Args:
        model: the detector (unfused; it is reparameterised here as the export does).
        runners: ``{name: runner}``, all of one model kind (NMS outside, or end to end).
        images: ``(H, W, 3)`` uint8 RGB images.
        size: the square input size the runners were exported at.

    Returns:
        ``{name: {"scores", "boxes_px", "boxes_px_p99", "boxes_compared"}}``.
    """
    import torch

    from .onnx_export import build_export_module
    from .runtime import letterbox

    fused = build_export_module(model, topk=next(iter(runners.values())).meta.get("daik.topk") or 300)
    out = {k: {"scores": 0.0, "boxes_px": 0.0, "boxes_compared": 0} for k in runners}
    dists = {k: [np.zeros(0)] for k in runners}
    for img in images:
        x, _ = letterbox(img, (size, size))
        with torch.no_grad():
            ref = fused(torch.from_numpy(x))
        ref = [ref.numpy()] if torch.is_tensor(ref) else [r.numpy() for r in ref]
        for k, runner in runners.items():
            got = runner.forward(x)
            if runner.end_to_end:
                rs, gs, rb, gb = ref[0][0, :, 5], got[0][0, :, 5], ref[0][0, :, :5], got[0][0, :, :5]
                gap = np.minimum(np.abs(np.diff(rs, prepend=np.inf)), np.abs(np.diff(rs, append=-np.inf)))
                sel = (gap > 1e-4) & (rs > 0.05)
            else:
                rs, gs, rb, gb = ref[1][0], got[1][0], ref[0][0], got[0][0]
                sel = rs.max(-1) > 0.05
            o = out[k]
            o["scores"] = max(o["scores"], float(np.abs(gs - rs).max()))
            if sel.any():
                dists[k].append(corner_dist(gb[sel], rb[sel]))
            o["boxes_compared"] += int(sel.sum())
    for k, o in out.items():
        d = np.concatenate(dists[k])
        o["boxes_px"], o["boxes_px_p99"] = (float(d.max()), float(np.percentile(d, 99))) if len(d) else (0.0, 0.0)
    return out
