"""What distillation does to the student's targets, measured.

- **Target conflict ratio** per level (CrossKD, "Cross-Head Knowledge Distillation for Object
  Detection", 2023/24, Fig. 3): among the student's positive locations, the share where the
  ground-truth target and the teacher's prediction disagree by more than 0.5 (here: the soft
  classification target of the assigned class vs the teacher's probability of that class).
- **L1 to teacher / to ground truth** on the positives: class probability, side distances (in
  strides) and angle (degrees, modulo 180).
- **Angle errors** of student and teacher against the ground truth (histograms).

:func:`step_diagnostics` runs inside a training step when ``KDDiagnosticsHook`` asks for it;
:func:`collect` runs a trained distiller over batches; the ``plot_*`` functions write PNGs.
"""
import math
from typing import Dict, Iterable, List, Optional, Sequence

import torch

from daik.models.task_modules import AssignResult, Priors


def level_index(priors: Priors) -> torch.Tensor:
    """``(N,)`` level of every point."""
    counts = torch.tensor(priors.num_level_points, device=priors.points.device)
    return torch.repeat_interleave(torch.arange(len(counts), device=counts.device), counts)


def level_names(priors: Priors, strides: Sequence[int]) -> List[str]:
    return [f"P{int(round(math.log2(s)))}" for s in strides][: len(priors.level_sizes)]


def assigned_class_prob(probs: torch.Tensor, assign: AssignResult) -> torch.Tensor:
    """``(B, N, C)`` probabilities -> ``(B, N)`` the probability of each point's assigned class."""
    idx = assign.labels.clamp(max=probs.shape[-1] - 1)[..., None]
    return probs.gather(-1, idx).squeeze(-1)


def target_conflict_ratio(assign: AssignResult, teacher_probs: torch.Tensor, priors: Priors,
                          thr: float = 0.5) -> List[float]:
    """Per level, the share of positives with ``|target - teacher| > thr`` (NaN without positives).

    Args:
        assign: the student's assignment.
        teacher_probs: ``(B, N, C)`` teacher class probabilities.
        priors: the anchor points (for the levels).
        thr: disagreement threshold.
    """
    target = assigned_class_prob(assign.scores, assign)
    teach = assigned_class_prob(teacher_probs, assign)
    conflict = (target - teach).abs() > thr  # (B, N)
    lvl = level_index(priors).expand_as(conflict)
    out = []
    for level in range(len(priors.level_sizes)):
        sel = assign.fg_mask & (lvl == level)
        out.append(float(conflict[sel].float().mean()) if bool(sel.any()) else float("nan"))
    return out


def angle_diff_deg(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Signed angle difference ``a - b`` in degrees, wrapped to ``[-90, 90)`` (boxes repeat every 180)."""
    d = torch.rad2deg(a.float() - b.float())
    return torch.remainder(d + 90.0, 180.0) - 90.0


def angle_errors(angles: torch.Tensor, assign: AssignResult) -> torch.Tensor:
    """``(K,)`` degrees: predicted minus ground-truth angle at the positives."""
    fg = assign.fg_mask
    return angle_diff_deg(angles[fg], assign.boxes[fg][:, 4])


@torch.no_grad()
def step_diagnostics(ctx) -> Dict[str, float]:
    """Conflict ratios and L1 distances of one step (``ctx``: a filled :class:`KDContext`)."""
    asg, fg = ctx.assign, ctx.assign.fg_mask
    priors = ctx.s_raw.priors
    names = level_names(priors, ctx.s_head.prior_generator.strides)
    out = {f"conflict_{n}": v for n, v in zip(names, target_conflict_ratio(asg, ctx.t_dec.scores, priors))}
    out["num_pos"] = float(fg.sum())
    if not bool(fg.any()):
        return out
    s_p = assigned_class_prob(ctx.s_dec.scores, asg)[fg]
    t_p = assigned_class_prob(ctx.t_dec.scores, asg)[fg]
    g_p = assigned_class_prob(asg.scores, asg)[fg]
    strides = priors.strides.expand(fg.shape)[fg][:, None]
    points = priors.points.expand(fg.shape[0], -1, -1)[fg]
    g_d = ctx.s_head.box_coder.encode(points, asg.boxes[fg].float()) / strides
    s_d, t_d = ctx.s_dec.distances[fg] / strides, ctx.t_dec.distances[fg] / strides
    out.update(
        l1_cls_teacher=float((s_p - t_p).abs().mean()), l1_cls_gt=float((s_p - g_p).abs().mean()),
        l1_dist_teacher=float((s_d - t_d).abs().mean()), l1_dist_gt=float((s_d - g_d).abs().mean()),
        l1_angle_teacher=float(angle_diff_deg(ctx.s_dec.angles[fg], ctx.t_dec.angles[fg]).abs().mean()),
        l1_angle_gt=float(angle_errors(ctx.s_dec.angles, asg).abs().mean()),
        teacher_l1_angle_gt=float(angle_errors(ctx.t_dec.angles, asg).abs().mean()),
    )
    return out


def loss_gradient_norms(losses: Dict[str, torch.Tensor], params: Sequence[torch.Tensor]) -> Dict[str, float]:
    """``{"grad_<loss key>": L2 norm of that loss's gradient on params}`` for every loss of one
    step, each by its own backward pass (the graph is kept), plus ``grad_total`` of their sum:
    the norm the optimizer's ``clip_grad`` compares with its ``max_norm`` before clipping."""
    keys = [k for k, v in losses.items() if k.startswith("loss") and torch.is_tensor(v) and v.requires_grad]
    out: Dict[str, float] = {}
    for key in keys:
        grads = torch.autograd.grad(losses[key], params, retain_graph=True, allow_unused=True)
        flat = [g.reshape(-1) for g in grads if g is not None]
        out[f"grad_{key}"] = float(torch.cat(flat).norm()) if flat else 0.0
    if keys:
        summed = sum(losses[k] for k in keys)
        grads = [g for g in torch.autograd.grad(summed, params, retain_graph=True, allow_unused=True) if g is not None]
        out["grad_total"] = float(torch.cat([g.reshape(-1) for g in grads]).norm()) if grads else 0.0
    return out


@torch.no_grad()
def collect(distiller, batches: Iterable[dict], max_batches: Optional[int] = None) -> Dict:
    """Run ``distiller`` (eval mode, no gradient) over preprocessed-or-raw ``batches`` and
    gather per-step diagnostics and every positive's angle error of student and teacher.

    Returns:
        ``{"steps": [step_diagnostics...], "mean": {key: mean}, "student_angle_err": [...],
        "teacher_angle_err": [...]}`` (angles in degrees).
    """
    from .context import KDContext

    distiller.eval()
    steps, s_err, t_err = [], [], []
    for i, data in enumerate(batches):
        if max_batches is not None and i >= max_batches:
            break
        data = distiller.data_preprocessor(data, True)
        ctx = KDContext(distiller.student, distiller.teacher, data["inputs"], data["data_samples"])
        distiller.student_losses(ctx)
        steps.append(step_diagnostics(ctx))
        s_err += angle_errors(ctx.s_dec.angles, ctx.assign).tolist()
        t_err += angle_errors(ctx.t_dec.angles, ctx.assign).tolist()
    keys = sorted({k for s in steps for k in s})
    mean = {}
    for k in keys:
        vals = [s[k] for s in steps if k in s and not math.isnan(s[k])]
        mean[k] = sum(vals) / len(vals) if vals else float("nan")
    return {"steps": steps, "mean": mean, "student_angle_err": s_err, "teacher_angle_err": t_err}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_angle_histograms(student_err: Sequence[float], teacher_err: Sequence[float], path: str,
                          bins: int = 36) -> str:
    """Histogram of angle errors (degrees, [-90, 90)) of student and teacher into ``path``."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    edges = [-90 + i * 180 / bins for i in range(bins + 1)]
    ax.hist([list(student_err), list(teacher_err)], bins=edges, label=["student", "teacher"], alpha=0.8)
    ax.set_xlabel("angle error vs ground truth (degrees)")
    ax.set_ylabel("positive points")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_history(history: Sequence[Dict[str, float]], path: str, x_key: str = "iter") -> str:
    """Curves of every recorded quantity over training (one panel per kind) into ``path``."""
    plt = _pyplot()
    groups = {"target conflict ratio": "conflict_", "L1 class prob": "l1_cls_",
              "L1 distance (strides)": "l1_dist_", "L1 angle (deg)": "l1_angle_"}
    fig, axes = plt.subplots(1, len(groups), figsize=(4 * len(groups), 3.5))
    xs = [h.get(x_key, i) for i, h in enumerate(history)]

    def label(key: str, prefix: str) -> str:
        if prefix == "conflict_":
            return key[len(prefix):]
        who = "teacher" if key.startswith("teacher_") else "student"
        return f"{who} vs {key.split(prefix, 1)[1]}"

    for ax, (title, prefix) in zip(axes, groups.items()):
        keys = sorted({k for h in history for k in h if k.startswith(prefix) or k.startswith("teacher_" + prefix)})
        for k in keys:
            ax.plot(xs, [h.get(k, float("nan")) for h in history], label=label(k, prefix))
        ax.set_title(title)
        ax.set_xlabel(x_key)
        if keys:
            ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
