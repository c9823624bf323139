"""Drawing rotated detections on images, and a test-time hook that does it for every image."""
import os
import os.path as osp
from typing import Optional, Sequence

import numpy as np
from mmengine.hooks import Hook

from daik.registry import HOOKS
from daik.structures import rbox2poly


def class_colors(n: int) -> np.ndarray:
    """``(n, 3)`` uint8 RGB colours, well apart in hue."""
    import colorsys

    return np.array([[int(255 * c) for c in colorsys.hsv_to_rgb(i / max(n, 1), 0.85, 1.0)] for i in range(n)],
                    dtype=np.uint8)


def draw_rboxes(img: np.ndarray, rboxes, labels=None, scores=None, class_names: Optional[Sequence[str]] = None,
                color=None, thickness: int = 2, show_text: bool = True) -> np.ndarray:
    """Draw rotated boxes on a copy of an RGB image.

    Args:
        img: ``(H, W, 3)`` uint8 RGB.
        rboxes: ``(N, 5)`` in daik's convention (numpy or torch).
        labels: ``(N,)`` class indices (colour and text).
        scores: ``(N,)`` shown after the class name.
        class_names: names for ``labels``.
        color: one RGB colour for all boxes (default: by class).
        thickness: line width in pixels.
        show_text: write ``name score`` at each box's first corner.

    Returns:
        ``(H, W, 3)`` uint8 RGB.
    """
    import cv2

    out = np.ascontiguousarray(img.copy())
    boxes = np.asarray(rboxes.detach().cpu() if hasattr(rboxes, "detach") else rboxes, dtype=np.float64)
    if boxes.size == 0:
        return out
    polys = rbox2poly(boxes.reshape(-1, 5)).reshape(-1, 4, 2)
    n_cls = len(class_names) if class_names else int(np.max(labels)) + 1 if labels is not None else 1
    palette = class_colors(max(n_cls, 1))
    for i, poly in enumerate(polys):
        if not np.isfinite(poly).all():
            continue
        lab = int(labels[i]) if labels is not None else 0
        col = tuple(int(c) for c in (color if color is not None else palette[lab % len(palette)]))
        cv2.polylines(out, [np.round(poly).astype(np.int32)], True, col, thickness, cv2.LINE_AA)
        if show_text:
            text = class_names[lab] if class_names and lab < len(class_names) else str(lab)
            if scores is not None:
                text += f" {float(scores[i]):.2f}"
            x, y = int(poly[0, 0]), int(poly[0, 1])
            cv2.putText(out, text, (x, max(y - 3, 8)), cv2.FONT_HERSHEY_SIMPLEX, 0.4, col, 1, cv2.LINE_AA)
    return out


@HOOKS.register_module()
class DrawDetectionsHook(Hook):
    """At test time, save every image with its detections (by class colour) and its ground
    truth (white, thin) to ``out_dir/<img_id>.png``.

    Args:
        out_dir: folder for the drawings.
        score_thr: draw detections scoring at least this.
        draw_gt: also draw ground truth.
    """

    def __init__(self, out_dir: str, score_thr: float = 0.3, draw_gt: bool = True):
        self.out_dir = out_dir
        self.score_thr = score_thr
        self.draw_gt = draw_gt

    def after_test_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        import cv2

        from daik.data import read_image_rgb

        os.makedirs(self.out_dir, exist_ok=True)
        names = (runner.test_dataloader.dataset.metainfo or {}).get("classes")
        for sample in outputs or []:
            img = read_image_rgb(sample.metainfo["img_path"])
            if self.draw_gt and "gt_instances" in sample:
                img = draw_rboxes(img, sample.gt_instances.bboxes, color=(255, 255, 255), thickness=1,
                                  show_text=False)
            pred = sample.pred_instances
            keep = pred.scores >= self.score_thr
            img = draw_rboxes(img, pred.bboxes[keep], pred.labels[keep], pred.scores[keep], names)
            path = osp.join(self.out_dir, f"{sample.metainfo['img_id']}.png")
            cv2.imwrite(path, cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
