"""Summary, markdown table and bar plot of a distillation benchmark (:mod:`.kd_runner`)."""
import json
import math
import os.path as osp
import re
import statistics
from typing import Dict, List

from daik.bench.common import md_table, pyplot, save_figure, scalar_records

_MAP50, _MAP = "dota/mAP", "dota/mAP50:95"


def _per_class(metrics: dict) -> Dict[str, float]:
    return {k.split("/AP_", 1)[1]: v for k, v in metrics.items() if "/AP_" in k}


def _mean_std(values: List[float]):
    if not values:
        return float("nan"), float("nan")
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def held_out_curve(run: dict) -> Dict[int, float]:
    """A run's held-out mAP50 at each validation during training, by epoch (a recorded run carries
    it as ``curve``; else read from the scalar log beside its checkpoint; empty when the run kept
    none)."""
    if "curve" in run:
        return {int(k): float(v) for k, v in run["curve"].items()}
    if not run.get("ckpt"):
        return {}
    return {int(r["step"]): float(r[_MAP50]) for r in scalar_records(osp.dirname(run["ckpt"])) if _MAP50 in r}


def _curves(runs: List[dict]) -> Dict[int, List[float]]:
    """Per validated epoch, the mAP50 of every run validated there."""
    out: Dict[int, List[float]] = {}
    for run in runs:
        for epoch, value in held_out_curve(run).items():
            out.setdefault(epoch, []).append(value)
    return dict(sorted(out.items()))


def summarise(results: dict) -> dict:
    """The benchmark's JSON: ``teacher``, ``student`` (per seed) and ``distilled[method]`` with
    ``mAP50``/``mAP`` per seed, ``gap_closed`` (share of the teacher - student mAP50 gap, on
    seed means) and ``step_time_ratio`` (median seconds per training iteration over the
    student's, seed by seed, then averaged)."""
    teacher = results["teacher"]["metrics"]
    seeds = sorted(results["student"])
    student = [results["student"][s]["metrics"] for s in seeds]
    out = dict(
        teacher=dict(mAP50=teacher[_MAP50], mAP=teacher[_MAP], per_class=_per_class(teacher)),
        student=dict(mAP50=[m[_MAP50] for m in student], mAP=[m[_MAP] for m in student],
                     per_class=_mean_classes(student),
                     seconds_per_iter=[results["student"][s]["seconds_per_iter"] for s in seeds],
                     curve=_curves([results["student"][s] for s in seeds])),
        distilled={},
        seeds=seeds,
    )
    for method, runs in results["distilled"].items():
        ran = [s for s in seeds if s in runs]  # a method may have run on fewer seeds than the student
        ms = [runs[s]["metrics"] for s in ran]
        ratios = [runs[s]["seconds_per_iter"] / results["student"][s]["seconds_per_iter"] for s in ran]
        d50 = [m[_MAP50] for m in ms]
        # paired with the student on the same seeds (same initialisation and data order)
        s_mean = statistics.fmean(results["student"][s]["metrics"][_MAP50] for s in ran) if ran else float("nan")
        gap = out["teacher"]["mAP50"] - s_mean
        out["distilled"][method] = dict(
            mAP50=d50, mAP=[m[_MAP] for m in ms], per_class=_mean_classes(ms), seeds=ran,
            gap_closed=(statistics.fmean(d50) - s_mean) / gap if gap > 0 and d50 else float("nan"),
            step_time_ratio=statistics.fmean(ratios) if ratios else float("nan"),
            curve=_curves([runs[s] for s in ran]),
            **_gradients([runs[s] for s in ran]),
        )
    out["student"].update(_gradients([results["student"][s] for s in seeds]))
    return out


def _gradients(runs: List[dict]) -> dict:
    """Mean clip rate over the runs and the first run's per-loss gradient norms at step 0."""
    rates = [r["clip_rate"] for r in runs if not math.isnan(r.get("clip_rate", float("nan")))]
    step0 = next((r["step0_grad"] for r in runs if r.get("step0_grad")), {})
    return dict(clip_rate=statistics.fmean(rates) if rates else float("nan"), step0_grad=step0)


def gradient_table(summary: dict) -> str:
    """Per method: the share of steps clip_grad fired, and each loss's gradient norm at step 0 as
    a share of the sum over losses (detection = the student's own four)."""
    own = {"loss_cls", "loss_bbox", "loss_dfl", "loss_angle"}
    rows = []
    entries = [("student alone", summary["student"])] + sorted(summary["distilled"].items())
    for name, d in entries:
        g = {k: v for k, v in d.get("step0_grad", {}).items() if k != "total"}
        rate = d.get("clip_rate", float("nan"))
        rate_s = "" if math.isnan(rate) else f"{100 * rate:.0f} %"
        if not g:
            rows.append([name, rate_s, "", "", ""])
            continue
        total = sum(g.values()) or 1.0
        det = sum(v for k, v in g.items() if k in own) / total
        kd = {k: v for k, v in g.items() if k not in own}
        big = max(kd, key=kd.get) if kd else ""
        big_s = f"{big} ({100 * kd[big] / total:.0f} %)" if big else ""
        rows.append([name, rate_s, f"{d['step0_grad'].get('total', float('nan')):.2f}", f"{100 * det:.0f} %", big_s])
    head = ["model", "clip rate", "grad norm at step 0", "detection share", "largest KD term (share)"]
    return "\n".join(md_table(head, rows, "lrrrl", spaced=True)) + (
        "\n\nclip rate: share of training steps whose gradient norm exceeded clip_grad's max_norm (10) before "
        "clipping; shares are of the summed per-loss gradient norms on the student at the first step "
        "(KDDiagnosticsHook).\n")


def _mean_classes(metrics: List[dict]) -> Dict[str, float]:
    per = [_per_class(m) for m in metrics]
    return {c: statistics.fmean(p[c] for p in per) for c in per[0]} if per else {}


def _fmt(values: List[float]) -> str:
    mean, std = _mean_std(values)
    return f"{100 * mean:.1f} ± {100 * std:.1f}" if len(values) > 1 else f"{100 * mean:.1f}"


def markdown_table(summary: dict) -> str:
    """Rows: teacher, student, each method (mAP50, mAP50:95, gap closed, step time, per class)."""
    classes = list(summary["teacher"]["per_class"])
    short = [re.sub(r"[^a-z]", "", c)[:6] for c in classes]
    head = ["model", "seeds", "mAP50", "mAP50:95", "gap closed", "step time"] + short
    rows = []
    t = summary["teacher"]
    rows.append(["teacher", "", f"{100 * t['mAP50']:.1f}", f"{100 * t['mAP']:.1f}", "", ""]
                + [f"{100 * t['per_class'][c]:.1f}" for c in classes])
    s = summary["student"]
    rows.append(["student alone", str(len(s["mAP50"])), _fmt(s["mAP50"]), _fmt(s["mAP"]), "0 %", "1.00x"]
                + [f"{100 * s['per_class'][c]:.1f}" for c in classes])
    order = sorted(summary["distilled"].items(), key=lambda kv: -statistics.fmean(kv[1]["mAP50"] or [0]))
    for method, d in order:
        gap = "" if math.isnan(d["gap_closed"]) else f"{100 * d['gap_closed']:.0f} %"
        rows.append([method, str(len(d["mAP50"])), _fmt(d["mAP50"]), _fmt(d["mAP"]), gap, f"{d['step_time_ratio']:.2f}x"]
                    + [f"{100 * d['per_class'].get(c, float('nan')):.1f}" for c in classes])
    lines = md_table(head, rows, "l" + "r" * (len(head) - 1), spaced=True)
    legend = ("Classes: " + ", ".join(f"{a} = {c}" for a, c in zip(short, classes)) + ". mAP in %, mean ± std "
              f"over the seeds run (of {summary['seeds']}); gap closed = (distilled - student) / (teacher - student) "
              "on mean mAP50, the student's mean taken over the method's seeds; step time = seconds per training iteration (data loading included) over the student's.")
    return "\n".join(lines) + "\n\n" + legend + "\n"


def bar_plot(summary: dict, path: str) -> None:
    """mAP50 (mean ± std over seeds) of teacher, student and every method, as a PNG."""
    names = ["teacher", "student"] + sorted(summary["distilled"], key=lambda m: -statistics.fmean(
        summary["distilled"][m]["mAP50"] or [0]))
    vals = [[summary["teacher"]["mAP50"]], summary["student"]["mAP50"]] + [
        summary["distilled"][m]["mAP50"] for m in names[2:]]
    means = [100 * _mean_std(v)[0] for v in vals]
    stds = [100 * _mean_std(v)[1] for v in vals]
    fig, ax = pyplot().subplots(figsize=(max(6, 0.8 * len(names) + 2), 4))
    colors = ["#555555", "#999999"] + ["#2b7bba"] * (len(names) - 2)
    ax.bar(range(len(names)), means, yerr=stds, color=colors, capsize=3)
    ax.axhline(means[1], color="#999999", linestyle="--", linewidth=1)
    ax.axhline(means[0], color="#555555", linestyle="--", linewidth=1)
    ax.set_xticks(range(len(names)), names, rotation=30, ha="right")
    ax.set_ylabel("mAP50 (%)")
    ax.set_title("Distillation on the held-out split (mean ± std over seeds)")
    save_figure(fig, path)



def _curve_entries(summary: dict) -> List[tuple]:
    """(name, curve) of the student and every method with more than one validated epoch."""
    entries = [("student alone", summary["student"])] + sorted(summary["distilled"].items())
    return [(name, d["curve"]) for name, d in entries if len(d.get("curve", {})) > 1]


def curve_table(summary: dict) -> str:
    """Held-out mAP50 (mean ± std over seeds) at each validated epoch; empty when the runs
    validated only at their end."""
    entries = _curve_entries(summary)
    if not entries:
        return ""
    epochs = sorted({e for _, c in entries for e in c})
    rows = [[name] + [_fmt(c[e]) if e in c else "" for e in epochs] for name, c in entries]
    return ("\n".join(md_table(["model"] + [f"epoch {e}" for e in epochs], rows, "l" + "r" * len(epochs), spaced=True))
            + "\n\nHeld-out mAP50 (%) at each validation during training, mean ± std over the seeds (the "
            "flattening check of a converged schedule).\n")


def curve_plot(summary: dict, path: str) -> bool:
    """Held-out mAP50 against epoch (mean, band of ± std) per model as a PNG; False (nothing
    written) when the runs validated only at their end."""
    entries = _curve_entries(summary)
    if not entries:
        return False
    fig, ax = pyplot().subplots(figsize=(6, 4))
    for name, curve in entries:
        epochs = list(curve)
        mean = [100 * _mean_std(curve[e])[0] for e in epochs]
        std = [100 * _mean_std(curve[e])[1] for e in epochs]
        ax.plot(epochs, mean, marker="o", label=name)
        ax.fill_between(epochs, [m - s for m, s in zip(mean, std)], [m + s for m, s in zip(mean, std)], alpha=0.15)
    ax.axhline(100 * summary["teacher"]["mAP50"], color="#555555", linestyle="--", linewidth=1, label="teacher")
    ax.set_xticks(sorted({e for _, c in entries for e in c}))
    ax.set_xlabel("epoch")
    ax.set_ylabel("held-out mAP50 (%)")
    ax.set_title("Held-out mAP50 during training (mean ± std over seeds)")
    ax.legend(fontsize=8)
    save_figure(fig, path)
    return True


def run_machines(work_dir: str, results: dict) -> dict:
    """``{machine: number of runs}`` over the student and distilled runs in ``results`` (from each
    run's settings; "not recorded" for runs made before runs named their machine)."""
    out: dict = {}
    runs = [("student", s) for s in results["student"]]
    runs += [(m, s) for m, by_seed in results["distilled"].items() for s in by_seed]
    for name, seed in runs:
        path = osp.join(work_dir, name, f"seed{seed}", "settings.json")
        made_on = None
        if osp.isfile(path):
            with open(path) as f:
                made_on = json.load(f).get("machine")
        made_on = made_on or "not recorded"
        out[made_on] = out.get(made_on, 0) + 1
    return out


def machines_line(machines: dict) -> str:
    """Where the table's runs were made; a run is bit-identical on one machine, not across CPUs."""
    if not machines:
        return ""
    where = "; ".join(f"{m} ({n} run{'s' if n > 1 else ''})" for m, n in sorted(machines.items()))
    mixed = (" **The rows mix machines**: one run moves across CPUs about as far as across seeds."
             if len(machines) > 1 else "")
    return f" Runs made on: {where}.{mixed}"
