"""Step cost of each benchmarked distiller measured side by side in one process.

The ``step time`` column of the distillation table comes from the runs' own training logs; runs
made at different times share the machine with different neighbours, so those ratios move with
the load. Here every method's distiller is built from its cached run config (the same student,
teacher checkpoint and parts) and timed against its own student with
:func:`daik.distill.timing.kd_step_cost` (student step, distillation step and teacher forward
interleaved, one batch of drawn scenes at the benchmark's size and batch); beside it the FLOP
floor of :func:`daik.distill.timing.step_flops`.
"""
import os.path as osp
import statistics
from typing import Callable, Dict, List

import torch

from daik.bench.common import md_table


def measure(work_dir: str, methods: List[str], seed: int, img_scale: int, batch_size: int, threads: int,
            steps: int, log: Callable[[str], None] = print, rounds: int = 2) -> Dict[str, dict]:
    """``{method: {"ratio", "teacher_share", "floor", "student_s", "distill_s", "ratios"}}`` for
    every method whose run ``work_dir/<method>/seed<seed>`` left its ``train_config.py``.

    After one discarded warm-up measurement, every method is timed ``rounds`` times, the rounds in
    alternating order (as listed, then reversed, ...), and its numbers are the medians over its
    rounds (``ratios``: one a round). Timed once each in one order, the method timed first after
    the process started came out 0.16x dearer than an equal one timed again in the other order."""
    from mmengine.registry import init_default_scope

    from daik.distill.timing import drawn_batch, kd_step_cost, step_flops
    from daik.engine.runner import load_config
    from daik.registry import MODELS

    if rounds < 1:
        raise ValueError(f"rounds must be >= 1, got {rounds}")
    torch.set_num_threads(threads)
    raw = drawn_batch(batch_size, img_scale)
    models = {}
    for method in methods:
        path = osp.join(work_dir, method, f"seed{seed}", "train_config.py")
        if not osp.isfile(path):
            continue
        cfg = load_config(path)
        init_default_scope(cfg.get("default_scope", "daik"))
        torch.manual_seed(0)
        models[method] = MODELS.build(cfg.model)
    costs: Dict[str, List[dict]] = {m: [] for m in models}
    order = list(models)
    if order:  # the process's first measurement warms it up and is not kept
        kd_step_cost(models[order[0]], raw, steps=1)
    for r in range(rounds):
        for method in (order if r % 2 == 0 else order[::-1]):
            costs[method].append(kd_step_cost(models[method], raw, steps=steps))
    out = {}
    for method, runs in costs.items():
        cost = {k: statistics.median(c[k] for c in runs) for k in runs[0]}
        cost["ratios"] = [c["ratio"] for c in runs]
        cost["floor"] = step_flops(models[method], raw)["floor"]
        out[method] = cost
        log(f"step cost {method}: {cost['ratio']:.2f}x over {rounds} round(s) "
            f"({', '.join(f'{x:.2f}' for x in cost['ratios'])}; FLOP floor {cost['floor']:.2f}x)")
    return out


def cost_table(summary: dict) -> str:
    """Per method: the training logs' step ratio, the side-by-side one, the teacher forward's
    share of the extra time and the FLOP floor; empty when nothing was measured."""
    rows = [[m, f"{d['step_time_ratio']:.2f}x", f"{d['step_cost']['ratio']:.2f}x",
             f"{100 * d['step_cost']['teacher_share']:.0f} %", f"{d['step_cost']['floor']:.2f}x"]
            for m, d in sorted(summary["distilled"].items()) if d.get("step_cost")]
    if not rows:
        return ""
    head = ["model", "step time (training logs)", "step cost (side by side)", "teacher forward share of the extra",
            "FLOP floor"]
    return "\n".join(md_table(head, rows, "lrrrr", spaced=True)) + (
        "\n\nstep cost (side by side): median over interleaved repetitions of a distillation step over its student's "
        "step, measured in one process after a warm-up, each method in two rounds of alternating order (drawn "
        "scenes, the benchmark's size and batch); FLOP floor: 1 + the teacher forward's FLOPs over a student "
        "step's, what running the teacher once per step costs at equal speed per FLOP.\n")
