"""What a distillation step costs next to a student-only step (a quick, same-run measurement).

Both steps run the same batch through forward, backward and an SGD update; the teacher's own
forward (no gradient) is timed apart, so its share of the overhead shows.
"""
import math
import statistics
import time
from contextlib import contextmanager
from typing import Dict, List

import cv2
import numpy as np
import torch

from daik.structures import DetDataSample, make_gt_instances, rbox2poly

from .teacher import teacher_input


def drawn_batch(num_images: int = 2, size: int = 256, per_image: int = 8, seed: int = 0) -> dict:
    """Rotated rectangles of random colour, size (``size / 16`` to ``size / 3``) and angle on a
    grey ground: ``{"inputs": [uint8 (3, size, size)], "data_samples": [...]}`` (labels 0..1)."""
    rng = np.random.default_rng(seed)
    inputs, samples = [], []
    for i in range(num_images):
        img = np.full((size, size, 3), 120, np.uint8)
        boxes, labels = [], []
        for _ in range(per_image):
            w, h = rng.uniform(size / 16, size / 3), rng.uniform(size / 16, size / 6)
            box = [*rng.uniform(0.15, 0.85, 2) * size, w, h, rng.uniform(-math.pi / 2, math.pi / 2)]
            labels.append(int(rng.integers(0, 2)))
            poly = rbox2poly(np.array(box)).reshape(4, 2)
            cv2.fillPoly(img, [np.round(poly).astype(np.int32)], (200, 60, 40) if labels[-1] else (40, 90, 200))
            boxes.append(box)
        ds = DetDataSample(metainfo=dict(img_id=f"drawn{i}", ori_shape=(size, size), img_shape=(size, size),
                                         scale_factor=(1.0, 1.0)))
        ds.gt_instances = make_gt_instances(boxes, labels)
        inputs.append(torch.from_numpy(img).permute(2, 0, 1).contiguous())
        samples.append(ds)
    return dict(inputs=inputs, data_samples=samples)


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _train_step(model, data: dict, opt: torch.optim.Optimizer):
    """One training step as a closure, its stages labelled for :func:`kd_step_profile`."""
    from torch.profiler import record_function

    def step():
        with record_function("daik/forward"):
            losses = model(**data, mode="loss")
        opt.zero_grad(set_to_none=True)
        with record_function("daik/backward"):
            sum(v for k, v in losses.items() if k.startswith("loss")).backward()
        with record_function("daik/optimizer"):
            opt.step()
    return step


@contextmanager
def _step_closures(distiller, raw_batch: dict):
    """``(student_step, distill_step, teacher_forward)`` on the preprocessed batch, the distiller
    in train mode; its weights are restored on exit (the steps update them with a tiny rate)."""
    distiller.train()
    data = distiller.data_preprocessor(raw_batch, True)
    state = {k: v.clone() for k, v in distiller.state_dict().items()}

    def teacher_forward():  # as a distillation step runs it, input layout included
        with torch.no_grad():
            distiller.teacher.head.predict_raw(distiller.teacher.extract_feat(teacher_input(distiller.teacher, data["inputs"])))

    try:
        yield (_train_step(distiller.student, data, torch.optim.SGD(distiller.student.parameters(), lr=1e-6)),
               _train_step(distiller, data, torch.optim.SGD(distiller.parameters(), lr=1e-6)), teacher_forward)
    finally:
        distiller.load_state_dict(state)


def kd_step_cost(distiller, raw_batch: dict, steps: int = 5) -> Dict[str, float]:
    """Median seconds of a student-only step, a distillation step and the teacher's forward,
    measured interleaved (one of each per repetition, after a warm-up round) so that a busy
    machine slows all three alike; ``ratio`` is the median of the per-repetition ratios.

    Args:
        distiller: a :class:`~daik.distill.RotatedDistiller` (in train mode during the steps;
            its weights are restored afterwards).
        raw_batch: ``{"inputs", "data_samples"}`` as the data pipeline gives them.
        steps: timed repetitions.

    Returns:
        ``student_s``, ``distill_s``, ``teacher_forward_s``, ``ratio`` (distill / student)
        and ``teacher_share`` (the teacher forward's part of the extra time).
    """
    rows: List[tuple] = []
    with _step_closures(distiller, raw_batch) as (student, distill, teacher_forward):
        for rep in range(steps + 1):
            row = (_timed(student), _timed(distill), _timed(teacher_forward))
            if rep:  # the first round warms up
                rows.append(row)
    s, d, t = (statistics.median(col) for col in zip(*rows))
    return dict(student_s=s, distill_s=d, teacher_forward_s=t,
                ratio=statistics.median(r[1] / r[0] for r in rows), teacher_share=min(t / max(d - s, 1e-9), 1.0))


def step_flops(distiller, raw_batch: dict) -> Dict[str, float]:
    """Floating-point operations of one student-only training step, one teacher forward and one
    distillation step (``torch.utils.flop_counter``; convolutions and matrix products, which is
    where a detector's work is), and ``floor = 1 + teacher_forward / student_step``: the step
    cost a distiller that runs the teacher once per step cannot go below on hardware that runs
    both models equally well, however little else it adds.

    The weights are restored afterwards (the steps update them with a tiny learning rate).
    """
    from torch.utils.flop_counter import FlopCounterMode

    out: Dict[str, float] = {}
    with _step_closures(distiller, raw_batch) as (student, distill, teacher_forward):
        for name, fn in (("student_step", student), ("teacher_forward", teacher_forward), ("distill_step", distill)):
            with FlopCounterMode(display=False) as counter:
                fn()
            out[name] = float(counter.get_total_flops())
    out["floor"] = 1.0 + out["teacher_forward"] / out["student_step"]
    return out


def _exclusive_label_times(events, prefix: str = "daik/") -> Dict[str, float]:
    """Seconds spent in each ``record_function`` label under ``prefix``, without the time of the
    labelled scopes nested in it (a teacher forward run lazily inside a KD part counts once, as
    the teacher's)."""
    totals: Dict[str, float] = {}
    for ev in events:
        if not ev.name.startswith(prefix):
            continue
        span = (ev.time_range.end - ev.time_range.start) / 1e6
        label = ev.name[len(prefix):]
        totals[label] = totals.get(label, 0.0) + span
        parent = ev.cpu_parent
        while parent is not None and not parent.name.startswith(prefix):
            parent = parent.cpu_parent
        if parent is not None:
            outer = parent.name[len(prefix):]
            totals[outer] = totals.get(outer, 0.0) - span
    return totals


def kd_step_profile(distiller, raw_batch: dict, steps: int = 3) -> Dict[str, object]:
    """Where a distillation step's time goes, from ``torch.profiler`` over ``steps`` steps (after
    a warm-up step), next to a student-only step profiled the same way.

    The scopes (``record_function`` labels ``daik/...`` in the distiller and its context):
    ``student.forward``, ``student.assign`` (incl. a teacher-guided assignment), ``student.loss``,
    ``teacher.forward`` (the teacher's tower and head, no gradient), ``teacher.decode``,
    ``teacher.assign``, ``kd.<part>`` (each part's losses; teacher-head passes on student
    features, as CrossKD's, count here), ``backward``, ``optimizer``; ``other`` is the rest of the
    step. Times are exclusive (nested scopes subtracted) and per step.

    Returns:
        ``{"distill": {scope: seconds}, "student": {scope: seconds}, "distill_s", "student_s",
        "ratio"}`` with the step totals measured under the profiler.
    """
    from torch.profiler import ProfilerActivity, profile

    distiller.train()
    data = distiller.data_preprocessor(raw_batch, True)
    state = {k: v.clone() for k, v in distiller.state_dict().items()}
    out: Dict[str, object] = {}
    for name, model in (("student", distiller.student), ("distill", distiller)):
        step = _train_step(model, data, torch.optim.SGD(model.parameters(), lr=1e-6))
        step()  # warm-up
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            start = time.perf_counter()
            for _ in range(steps):
                step()
            total = (time.perf_counter() - start) / steps
        scopes = {k: v / steps for k, v in _exclusive_label_times(prof.events()).items()}
        scopes["other"] = scopes.pop("forward", 0.0)  # forward work outside the finer scopes
        scopes["other"] += max(total - sum(scopes.values()), 0.0)  # zero_grad, the loop
        out[name] = dict(sorted(scopes.items(), key=lambda kv: -kv[1]))
        out[name + "_s"] = total
    distiller.load_state_dict(state)
    out["ratio"] = out["distill_s"] / out["student_s"]
    return out
