"""A tiny detector learns a handful of drawn scenes until it finds every object.

Rotated rectangles of two classes (told apart by colour) on plain grey ground, drawn with
cv2. Success: every ground truth has a detection of its class with rotated IoU > 0.5 among
the detections scoring above 0.3, and there are not many more confident detections than
objects. The full mAP50 overfit with the DOTA evaluation lives with the training engine.
"""
import time

import pytest
import torch

from daik.ops import box_iou_rotated

from .helpers import build_tiny, draw_scenes

SCORE_THR = 0.3


def _found(model, data):
    model.eval()
    with torch.no_grad():
        out = model.predict(data["inputs"], data["data_samples"])
    model.train()
    found = total = confident = 0
    for ds in out:
        pred, gt = ds.pred_instances, ds.gt_instances
        keep = pred.scores > SCORE_THR
        total += len(gt.bboxes)
        confident += int(keep.sum())
        if keep.any():
            iou = box_iou_rotated(gt.bboxes, pred.bboxes[keep])
            hit = (iou > 0.5) & (gt.labels[:, None] == pred.labels[keep][None])
            found += int(hit.any(1).sum())
    return found, total, confident


@pytest.mark.slow
def test_tiny_model_overfits_drawn_scenes(full_tests):
    num_images, per_image, steps = (6, 3, 300) if full_tests else (4, 2, 150)
    model = build_tiny(seed=0, deepen=0.1)
    for m in model.modules():  # running statistics must follow a few dozen steps
        if isinstance(m, torch.nn.BatchNorm2d):
            m.momentum = 0.3
    inputs, samples = draw_scenes(num_images, size=128, per_image=per_image, seed=1)
    data = model.data_preprocessor(dict(inputs=inputs, data_samples=samples), True)
    opt = torch.optim.AdamW(model.parameters(), lr=5e-3, weight_decay=0.0)
    start = time.time()
    history = []
    for it in range(1, steps + 1):
        losses = model(**data, mode="loss")
        opt.zero_grad()
        sum(losses.values()).backward()
        opt.step()
        if it % 10 == 0:
            found, total, confident = _found(model, data)
            history.append((it, found, round(time.time() - start, 1)))
            if found == total:
                break
    print(f"overfit: {history} (iteration, objects found, seconds)")
    assert found == total, f"found {found}/{total} objects after {it} steps: {history}"
    assert confident <= 2 * total, f"{confident} confident detections for {total} objects"
