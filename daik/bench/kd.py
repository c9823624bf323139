"""Distillation benchmark: teacher, student alone and student + each distiller over seeds, on a
held-out split; writes JSON, a markdown table (also into benchmarks/README.md) and a bar plot.

    daik bench kd                       # full: fresh synthetic set, every method, 3 seeds
    daik bench kd --quick               # a small version (fewer images, epochs, methods, seeds)
    daik bench kd --preset pico         # the table of benchmarks/kd.md
    daik bench kd --preset converged    # the same pair over 24 epochs (benchmarks/kd_converged.md)
    daik bench kd --preset pair         # YOLOv6-R-n from the s teacher (make it first: checkpoints/README.md)
    daik bench kd --data DIR --teacher-ckpt T.pth --methods daik_full,crosskd --seeds 3
    daik bench kd ... --runs student:1,daik_full:1   # one share of the runs (others cached)
    daik bench kd ... --report-only                  # summarise what is cached
    daik bench kd ... --report-only --step-cost 10   # and time each method beside its student

``DIR`` holds ``train/{images,labelTxt}`` and ``val/{images,labelTxt}`` (DOTA layout). Runs are
cached in ``--work-dir``: re-running continues an interrupted benchmark.
"""
import argparse
import dataclasses
import os
import os.path as osp
import statistics
import sys

from daik.bench import kd_cost
from daik.bench.common import ROOT, argv_of, beside, replace_section, tool_command, write_json, write_text
from daik.bench.kd_report import (bar_plot, curve_plot, curve_table, gradient_table, machines_line, markdown_table,
                                  run_machines, summarise)
from daik.bench.kd_cache import restore_records
from daik.bench.kd_runner import BenchSettings, StaleRunError, make_synthetic_split, run_benchmark, train_and_test

METHODS = {
    "daik_full": "configs/distill/synthetic/daik_full.py",
    "daik_ad_aal_sad": "configs/distill/synthetic/daik_ad_aal_sad.py",
    "daik_ad_aal": "configs/distill/synthetic/daik_ad_aal.py",
    "daik_ad": "configs/distill/synthetic/daik_ad.py",
    "crosskd": "configs/distill/synthetic/crosskd.py",
    "crosskd_pkd": "configs/distill/synthetic/crosskd_pkd.py",
    "cakd": "configs/distill/synthetic/cakd.py",
    "sea": "configs/distill/synthetic/sea.py",
    "frs": "configs/distill/synthetic/frs.py",
    "ld": "configs/distill/synthetic/ld.py",
    "pkd": "configs/distill/synthetic/pkd.py",
    "fitnet": "configs/distill/synthetic/fitnet.py",
    "mimic": "configs/distill/synthetic/mimic.py",
    # ablations (configs/distill/synthetic/ablations/<name>.py; each file says what it changes). The
    # daik_full_* ones change one thing of daik_full_no_ld_pos (DAIK's core: without the LD on the
    # positives and with the authors' soft targets), the daik_full_ld_pos_* ones one thing of
    # daik_full_student_targets (the default before the teacher's targets), so each row keeps its runs.
    **{name: f"configs/distill/synthetic/ablations/{name}.py" for name in (
        "daik_full_no_ld_pos",     # daik_full without the LD on the positives (the base of the daik_full_* rows)
        "daik_full_sin_table",     # the earlier |sin(V(AR) dtheta)| AAL table instead of the rotated-IoU LUT
        "daik_full_pos_cls",       # class KD on the positives only
        "daik_full_cls_positives",  # dense class KD over the number of positives (no clipping)
        "daik_full_ld_pos",        # the authors' LD: positives only, T = 20
        "daik_full_softmax_cls",   # the authors' softmax class KD at T = 10
        "daik_full_cosine",        # YOLOv6-R's cosine decay of the KD weights
        "daik_full_ad_t1", "daik_full_ad_t5", "daik_full_ad_w02", "daik_full_ad_w2",  # AD temperature / weight
        "daik_full_ad_dense",      # AD at every point, not only the positives
        "daik_full_dense_angle",   # plus mimicking's dense angle term (T = 1, weight 0.05)
        "daik_full_guide_only", "daik_full_kl_only",  # SAD's two switches one at a time
        "daik_full_sad_kl3",       # SAD's KL at weight 3
        "daik_full_cls05", "daik_full_cls2", "daik_full_ld1",  # class KD at 0.5 / 2, LD at 1
        "sea_low_weight",          # sea with its anchor / topology terms at 0.1
        "crosskd_pos_norm",        # crosskd's class term over the number of positives (CrossKD's own normaliser)
        "crosskd_dfl3",            # crosskd's DFL term at 3 (CrossKD's GFL config)
        "crosskd_stage2",          # crosskd from the student's branch convs: only the predictors are the teacher's
        "crosskd_stage0",          # crosskd from the student's neck maps: the whole head is the teacher's
        "crosskd_cls2",            # crosskd's class term at 2
        "mimic_teacher_norm",      # mimic over the teacher's soft-target sum (daik_full's normaliser)
        "crosskd_angle1",          # crosskd's angle term at 1 (5x the head's CSL weight)
        "daik_full_teacher_targets",  # the teacher-chosen positives get the teacher's soft targets
        "daik_full_cwd", "daik_full_cwd1",  # plus the authors' feature term: CWD on the neck maps, T = 1, weight 10 / 1
        "daik_full_cls_t2", "daik_full_cls_t2q",  # the dense binary class KD at T = 2 (weight 1 / 0.25)
        "daik_full_guide12",       # the teacher picks the positives for the first 12 epochs only
        # changes of daik_full_student_targets (the positives' LD, the student's own targets)
        "daik_full_student_targets",  # daik_full with the authors' soft targets: the student's own metric
        "daik_full_ld_pos_w05",    # the positives' LD at weight 0.5
        "daik_full_ld_pos_adw",    # AD's KL weighted by each positive's alignment score
        "daik_full_ld_pos_no_aal", "daik_full_ld_pos_no_ad",  # daik_full without AAL / without AD
        "daik_full_ld_pos_union",  # SAD keeps the student's own top-k positives beside the teacher's
        "daik_full_ld_pos_ad_gt",  # AD on every point inside a ground truth
        "daik_full_ld_pos_ad_teacher",  # AD on every point weighted by the teacher's class probability
        "daik_full_ld_pos_ad_t50",  # AD at T = 50
        "daik_full_ld_pos_tt_adw",  # the teacher's targets and ld_pos_adw: daik_full with AD weighted
        # changes of daik_full itself (tt_*: of daik_full_pooled, daik_full before per_instance)
        "daik_full_pooled",        # daik_full before per_instance: AD and the positives' LD a mean over all positives
        "daik_full_tt_dense2",     # the dense class KD and LD at twice their weights
        "daik_full_tt_dense_angle",  # plus mimicking's dense angle term, the one part of mimicking it lacks
        "daik_full_tt_cls_qfl",    # the dense class KD in GFL's quality focal form (|p_s - p_t| scaled)
        "daik_full_tt_instance_ar10",  # daik_full with AD weighted by the IoU a 10 degree turn costs each ground truth
        "daik_full_tt_instance_ar10_gap",  # the same turned by the teacher-student angle gap where that is larger
    )},
}

# Named settings (``--preset``); options given on the command line override them. Presets with a
# ``data`` folder read it as it is (DOTA layout, train/ and val/); the others generate one.
# what the held-out seeds are to daik_full: its per_instance form was an ablation when they ran, and became
# the default with them in view (its row, daik_full_pooled's and the others' were run after the table's seeds)
_PER_INSTANCE_CHOSEN = ("run after the table's; daik_full's per-ground-truth AD and LD (per_instance) became its "
                        "default with these seeds in view, daik_full_pooled is the form before")
_PICO = dict(data="data/synthetic_quick", teacher_config="configs/demo/teacher_n.py",
             teacher_ckpt="checkpoints/demo_teacher_n.pth", student_config="configs/demo/student_pico.py",
             img_scale=160, threads=1, teacher_epochs=24, train_images=1000, val_images=200)
PRESETS = {
    "full": dict(train_images=1000, val_images=200, student_epochs=6, teacher_epochs=24, seeds=3,
                 methods=list(METHODS)),
    "quick": dict(train_images=200, val_images=60, student_epochs=4, teacher_epochs=12, seeds=1,
                  methods=["daik_full", "crosskd"]),
    # the table of benchmarks/kd.md: pico student from the shipped nano teacher, 6 epochs
    # (held_out: seeds run after the choice of daik_full's settings, in their own work directory, which
    # the report reads beside the table's and judges the DAIK-against-mimicking bar on too)
    "pico": dict(_PICO, work_dir="work_dirs/bench_kd_pico", student_epochs=6, seeds=3, methods=list(METHODS),
                 record_dir="benchmarks/runs/pico",
                 held_out=dict(work_dir="work_dirs/bench_kd_pico_confirm", seeds=(3, 4, 5, 6), when=_PER_INSTANCE_CHOSEN,
                               record_dir="benchmarks/runs/pico_held_out",
                               methods=("daik_full", "daik_full_student_targets", "mimic", "daik_full_tt_dense2",
                                        "daik_full_pooled", "daik_full_tt_instance_ar10",
                                        "daik_full_tt_instance_ar10_gap"))),
    # the same pair over the teacher's own 24-epoch schedule
    # (validated every 6 epochs: the held-out curve shows whether 24 epochs have flattened)
    "converged": dict(_PICO, work_dir="work_dirs/bench_kd_converged", student_epochs=24, val_interval=6, seeds=3,
                      record_dir="benchmarks/runs/converged",
                      methods=["daik_full", "daik_full_student_targets", "daik_full_no_ld_pos", "daik_full_pooled",
                               "daik_full_tt_instance_ar10_gap", "crosskd", "mimic", "ld"],
                      held_out=dict(work_dir="work_dirs/bench_kd_converged_confirm", seeds=(3, 4), when=_PER_INSTANCE_CHOSEN,
                                    record_dir="benchmarks/runs/converged_held_out",
                                    methods=("daik_full", "mimic", "daik_full_pooled",
                                             "daik_full_tt_instance_ar10_gap")),
                      out="benchmarks/kd_converged.json"),
    # YOLOv6-R-n from the s teacher (configs/demo/teacher_s.py; its checkpoint is made by the command in
    # checkpoints/README.md), 24 epochs, validated every 6
    "pair": dict(_PICO, work_dir="work_dirs/bench_kd_n_from_s", student_config="configs/synthetic/rotated_yolo_n.py",
                 teacher_config="configs/demo/teacher_s.py", teacher_ckpt="work_dirs/demo_teacher_s/epoch_24.pth",
                 student_epochs=24, val_interval=6, seeds=1, record_dir="benchmarks/runs/pair",
                 methods=["daik_full", "daik_full_student_targets", "daik_full_no_ld_pos", "daik_full_kl_only",
                          "crosskd", "mimic"],
                 out="benchmarks/kd_pair.json"),
}
# The file that gathers the named presets' tables (each a section, in this order), beside each
# preset's own .md / .json / .png.
TABLES = "benchmarks/kd.md"
TABLE_PRESETS = ("pico", "converged", "pair")
_DEFAULTS = dict(student_config="configs/synthetic/rotated_yolo_n.py", teacher_config="configs/synthetic/rotated_yolo_s.py",
                 img_scale=160, threads=max(1, min(2, os.cpu_count() or 1)), out="benchmarks/kd.json")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", help="folder with train/ and val/ (default: generate a synthetic set)")
    p.add_argument("--preset", choices=list(PRESETS), help="named settings (default full); see PRESETS")
    p.add_argument("--quick", action="store_true", help="the small preset (--preset quick)")
    p.add_argument("--out", help="JSON; .md and .png are written beside it (default benchmarks/kd.json)")
    p.add_argument("--work-dir", help="runs and checkpoints (default work_dirs/bench_kd[_quick])")
    p.add_argument("--methods", help="comma-separated names from: " + ",".join(METHODS) + "; or name=config.py")
    p.add_argument("--seeds", type=int, help="number of seeds (0, 1, ...)")
    p.add_argument("--student-epochs", type=int)
    p.add_argument("--teacher-epochs", type=int)
    p.add_argument("--teacher-ckpt", help="reuse this teacher (trained with --teacher-config) instead of training one")
    p.add_argument("--student-config")
    p.add_argument("--teacher-config")
    p.add_argument("--img-scale", type=int, help="network input size (the scenes are 256 px; default 160)")
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--threads", type=int, help="torch threads per run (default min(2, cores))")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    p.add_argument("--runs", help="only these runs, e.g. student:1,daik_full:1 (others come from the cache); "
                   "lets several processes share one --work-dir")
    p.add_argument("--report-only", action="store_true", help="train nothing: summarise the cached runs")
    p.add_argument("--step-cost", type=int, default=0, metavar="STEPS",
                   help="also time every method's step beside its student's in this process (STEPS interleaved "
                        "repetitions; daik.bench.kd_cost), which the targets then use")
    p.add_argument("--readme", default="benchmarks/README.md", help="markdown file whose kd section is rewritten")
    p.add_argument("--tables", help="markdown file holding each preset's table as its own section (default "
                   f"{TABLES} when --out is the preset's own; the pico table is that file's first section)")
    args = p.parse_args(argv)
    args.argv = argv_of(argv)  # the command, as the report shows it
    args.preset = args.preset or ("quick" if args.quick else "full")
    preset = PRESETS[args.preset]
    if args.tables is None and args.out is None and args.preset in TABLE_PRESETS:
        args.tables = TABLES
    for key in ("data", "work_dir", "teacher_ckpt", "student_config", "teacher_config", "img_scale", "threads", "out"):
        if getattr(args, key) is None:
            setattr(args, key, preset.get(key, _DEFAULTS.get(key)))
    return args


def main(argv=None):
    args = parse_args(argv)
    preset = PRESETS[args.preset]
    work_dir = args.work_dir or osp.join(ROOT, "work_dirs", "bench_kd" + ("" if args.preset == "full" else "_" + args.preset))
    if args.data is None or args.data == preset.get("data"):  # the preset's synthetic set, made when missing
        data = make_synthetic_split(args.data or osp.join(work_dir, "data"), preset["train_images"], preset["val_images"])
    else:
        data = args.data
    methods = dict(m.split("=", 1) if "=" in m else (m, METHODS.get(m))
                   for m in (args.methods.split(",") if args.methods else preset["methods"]))
    unknown = [m for m, c in methods.items() if c is None]
    if unknown:
        sys.exit(f"unknown methods {unknown}; known: {', '.join(METHODS)} (or give name=config.py)")
    settings = BenchSettings(
        data=osp.abspath(data), work_dir=osp.abspath(work_dir), student_config=args.student_config,
        teacher_config=args.teacher_config, methods=methods, img_scale=args.img_scale,
        student_epochs=args.student_epochs or preset["student_epochs"],
        teacher_epochs=args.teacher_epochs or preset["teacher_epochs"], batch_size=args.batch_size,
        seeds=list(range(args.seeds or preset["seeds"])), threads=args.threads,
        teacher_ckpt=args.teacher_ckpt, device=args.device, val_interval=preset.get("val_interval"),
        record_dir=record_dir(preset, work_dir))
    runs = None
    if args.runs:
        runs = {(name, int(seed)) for name, seed in (r.rsplit(":", 1) for r in args.runs.split(","))}
    try:
        results = run_benchmark(settings, log=lambda msg: print(f"[bench_kd] {msg}", flush=True), runs=runs,
                                cached_only=args.report_only)
    except StaleRunError as e:
        sys.exit(f"[bench_kd] --report-only: {e}")
    if not results["student"]:
        sys.exit("[bench_kd] no student run yet: nothing to report")
    summary = summarise(results)
    summary["settings"] = {k: v for k, v in vars(settings).items()}
    summary["machines"] = run_machines(settings.work_dir, results)
    if args.step_cost:
        costs = kd_cost.measure(settings.work_dir, list(summary["distilled"]), settings.seeds[0], settings.img_scale,
                                settings.batch_size, settings.threads, args.step_cost,
                                log=lambda msg: print(f"[bench_kd] {msg}", flush=True))
        for method, cost in costs.items():
            summary["distilled"][method]["step_cost"] = cost
    if preset.get("held_out") and settings.teacher_ckpt and args.work_dir == preset["work_dir"]:
        summary["held_out"] = held_out_runs(settings, preset["held_out"], summary)
    write_json(args.out, summary)
    stem = beside(args.out, "")
    table = markdown_table(summary) + "\n" + gradient_table(summary)
    if args.step_cost:
        table += "\n" + kd_cost.cost_table(summary)
    if summary.get("held_out"):
        table += "\n" + held_out_table(summary, preset["held_out"], args.preset)
    if curve_plot(summary, stem + "_curves.png"):
        table += f"\n{curve_table(summary)}\n![held-out mAP50 during training]({osp.basename(stem)}_curves.png)\n"
    body = section(summary, args, stem, table)
    tables = osp.abspath(args.tables) if args.tables else None
    if tables != osp.abspath(stem + ".md"):
        write_text(stem + ".md", table)
    if tables:
        replace_section(tables, f"kd_{args.preset}", body, head=TABLES_HEAD)
    bar_plot(summary, stem + ".png")
    replace_section(args.readme, "kd" + ("" if args.preset in ("full", "pico") else "_" + args.preset), body)
    print(table)
    print(f"[bench_kd] wrote {args.out}, {stem}.md, {stem}.png")
    return summary


def record_dir(preset: dict, work_dir: str):
    """The run record (:class:`BenchSettings`' ``record_dir``) of the preset's own work directory,
    or of its held-out one; None for any other work directory."""
    for spec in (preset, preset.get("held_out") or {}):
        if spec.get("record_dir") and osp.abspath(work_dir) == osp.join(ROOT, spec["work_dir"]):
            return osp.join(ROOT, spec["record_dir"])
    return None


def held_out_runs(settings: BenchSettings, spec: dict, summary: dict) -> dict:
    """``{method: {seed: mAP50}}`` over the table's seeds and the held-out ones (``spec``: the
    preset's ``held_out``), read from the cache only: a held-out run made with other settings
    stops the report (:class:`StaleRunError`), one not made yet is left out."""
    held = dataclasses.replace(settings, work_dir=osp.join(ROOT, spec["work_dir"]), seeds=list(spec["seeds"]),
                               record_dir=osp.join(ROOT, spec["record_dir"]) if spec.get("record_dir") else None)
    if held.record_dir:
        restore_records(held.record_dir, held.work_dir)
    out = {}
    for method in spec["methods"]:
        table = summary["distilled"].get(method, {})
        row = dict(zip(table.get("seeds", []), table.get("mAP50", [])))
        for seed in spec["seeds"]:
            if osp.isfile(osp.join(held.work_dir, method, f"seed{seed}", "result.json")):
                result = train_and_test(held, method, METHODS[method], held.student_epochs, seed,
                                        teacher_ckpt=settings.teacher_ckpt, eval_config=settings.student_config,
                                        cached_only=True)
                row[seed] = result["metrics"]["dota/mAP"]
        out[method] = dict(sorted(row.items()))
    return out


def held_out_table(summary: dict, spec: dict, preset: str = "pico") -> str:
    """Each held-out method's mAP50 per seed (the table's and the held-out ones), and the DAIK
    bar judged over every seed both it and mimicking have."""
    runs = summary["held_out"]
    seeds = sorted({s for row in runs.values() for s in row})
    when = spec.get("when", "run after daik_full's settings were chosen")
    lines = [f"Held-out seeds ({', '.join(map(str, spec['seeds']))}; {when}, "
             f"in `{spec['work_dir']}`: `daik bench kd --preset {preset} --seeds {max(seeds) + 1} --work-dir "
             f"{spec['work_dir']} --methods M --runs M:SEED`), beside the table's:", "",
             "| method | " + " | ".join(f"seed {s}" for s in seeds) + " | mean ± std | seeds |",
             "| --- | " + " | ".join("---:" for _ in seeds) + " | ---: | ---: |"]
    for method, row in runs.items():
        vals = list(row.values())
        if not vals:  # a method not run on any seed in these work directories
            continue
        cells = [f"{100 * row[s]:.1f}" if s in row else "" for s in seeds]
        stat = f"{100 * statistics.fmean(vals):.1f} ± {100 * _std(vals):.1f}"
        lines.append(f"| {method} | " + " | ".join(cells) + f" | {stat} | {len(vals)} |")
    if "daik_full" in runs and "mimic" in runs:
        both = sorted(set(runs["daik_full"]) & set(runs["mimic"]))
        d, m = [runs["daik_full"][s] for s in both], [runs["mimic"][s] for s in both]
        if len(both) > 1:
            diff, std = statistics.fmean(d) - statistics.fmean(m), max(_std(d), _std(m))
            lines += ["", f"- daik_full beats mimicking by more than one std over the {len(both)} seeds both have "
                      f"(the larger std {100 * std:.2f}): by {100 * diff:.2f} ({'met' if diff > std else 'NOT met'})",
                      paired_line(both, d, m)]
    return "\n".join(lines) + "\n"


def paired_line(seeds, daik, mimic) -> str:
    """daik_full against mimicking seed by seed (same initialisation and data order): the
    differences, their mean with its standard error, and on how many seeds daik_full is ahead. A
    reading beside the bar, not a target: the seeds' spread is shared by both rows, so the paired
    differences say more about which method is better than either row's std."""
    diffs = [a - b for a, b in zip(daik, mimic)]
    se = _std(diffs) / len(diffs) ** 0.5
    return (f"- paired on each seed (daik_full - mimicking): {', '.join(f'{100 * x:+.1f}' for x in diffs)}; "
            f"mean {100 * statistics.fmean(diffs):+.2f} ± {100 * se:.2f} (standard error), daik_full ahead on "
            f"{sum(x > 0 for x in diffs)} of {len(diffs)} (seeds {', '.join(map(str, seeds))})")


# Targets per preset: (method, share of the gap it must close) and (method, how many of the
# student's seed standard deviations it must beat the student alone by) / (method, points).
_TARGETS = {
    "gap": {"converged": (("daik_full", 0.50),), "pair": ()},
    "above_student_std": {"converged": (("daik_full", 2.0), ("crosskd", 2.0))},
    "above_student_points": {"pair": (("daik_full", 2.0),)},
}
_DEFAULT_GAP = (("daik_full", 0.60), ("crosskd", 0.50))


def _std(values) -> float:
    return statistics.stdev(values) if len(values) > 1 else 0.0


def targets(summary: dict, preset: str = "pico") -> str:
    """The preset's targets, each with its verdict (methods not run are said to be missing)."""
    d = summary["distilled"]
    ok = lambda cond: "met" if cond else "NOT met"  # noqa: E731
    pts = lambda v: f"{100 * v:.1f}"  # noqa: E731
    mean = lambda r: statistics.fmean(r["mAP50"])  # noqa: E731
    s_mean, s_std = mean(summary["student"]), _std(summary["student"]["mAP50"])
    checks = []  # (method, what it must do, judge: its row -> (measured, met))
    for method, share in _TARGETS["gap"].get(preset, _DEFAULT_GAP):
        checks.append((method, f"{method} closes >= {share:.0%} of the gap", lambda r, share=share: (
            f"{r['gap_closed']:.0%} over {len(r['mAP50'])} seed(s)", r["gap_closed"] >= share)))
    for method, k in _TARGETS["above_student_std"].get(preset, ()):
        bar = s_mean + k * s_std
        checks.append((method, f"{method} beats the student alone by > {k:g} std of its seeds ({pts(s_mean)} + {k:g} x "
                       f"{pts(s_std)} = {pts(bar)})", lambda r, bar=bar: (pts(mean(r)), mean(r) > bar)))
    for method, points in _TARGETS["above_student_points"].get(preset, ()):
        checks.append((method, f"{method} >= the student alone + {points:g} mAP50 points ({pts(s_mean)} + {points:g})",
                       lambda r, points=points: (pts(mean(r)), 100 * (mean(r) - s_mean) >= points)))
    lines = []
    for method, label, judge in checks:
        if method in d:
            measured, met = judge(d[method])
            lines.append(f"- {label}: {measured} ({ok(met)})")
        else:
            lines.append(f"- {label}: not run")
    if "mimic" in d:
        m = mean(d["mimic"])
        below = [k for k, v in d.items() if k != "mimic" and mean(v) <= m]
        lines.append(f"- every distiller beats prediction mimicking ({pts(m)}): "
                     + (f"NOT met (at or below it: {', '.join(below)})" if below else "met"))
        if "daik_full" in d and preset not in _TARGETS["gap"]:
            std = max(_std(d["daik_full"]["mAP50"]), _std(d["mimic"]["mAP50"]))
            diff = mean(d["daik_full"]) - m
            lines.append(f"- daik_full beats mimicking by more than one std (the larger of the two, "
                         f"{100 * std:.2f}): by {100 * diff:.2f} ({ok(diff > std)})")
    ratio = {k: v["step_cost"]["ratio"] if v.get("step_cost") else v["step_time_ratio"] for k, v in d.items()}
    slow = [f"{k} {r:.2f}x" for k, r in ratio.items() if r > 1.5]
    how = "side by side" if any(v.get("step_cost") for v in d.values()) else "training logs"
    lines.append(f"- a distillation step costs <= 1.5x a student step ({how}): "
                 + (f"NOT met for {', '.join(slow)}" if slow else "met"))
    return "Targets:\n\n" + "\n".join(lines) + "\n"


TABLES_HEAD = ("# Distillation benchmarks\n\nOne section a preset, each rewritten by the command in its title "
               "(`daik bench kd --preset pico|converged|pair`; cached runs are reused, `--report-only` only "
               "summarises them). Every preset also writes its own JSON, table and plots beside this file.\n")


def section(summary: dict, args, stem: str, table: str) -> str:
    """The ``kd`` (or ``kd_<preset>``) section of benchmarks/README.md."""
    s = summary["settings"]
    cmd = tool_command("bench_kd.py", args.argv)
    return (f"## Distillation{'' if args.preset in ('full', 'pico') else f' ({args.preset})'}: `{cmd}`\n\n"
            f"Teacher `{s['teacher_config']}` ({s['teacher_epochs']} epochs), student `{s['student_config']}` "
            f"({s['student_epochs']} epochs), {s['img_scale']} px, batch {s['batch_size']}, {s['threads']} torch "
            f"thread(s), device {s['device']}; data `{osp.relpath(s['data'], ROOT)}`."
            + (" The runs were made by processes sharing the work directory (`--runs`); this table sums up every "
               "cached run (`--report-only`), so rows may have fewer seeds." if args.report_only else "")
            + machines_line(summary.get("machines") or {})
            + f"\n\n{table}\n"
            f"{targets(summary, args.preset)}\n![mAP50]({osp.basename(stem)}.png)\n")


if __name__ == "__main__":
    main()
