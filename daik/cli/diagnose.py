"""Look into a distillation: target conflicts, L1 distances, angle errors, step cost.

    # diagnostics of a (trained) distiller over its training data: JSON + PNG histograms
    daik diagnose configs/distill/daik_full.py --teacher-ckpt T.pth \
        [--student-ckpt S.pth] --num-batches 20 --out-dir work_dirs/kd_diag

    # re-plot what KDDiagnosticsHook recorded during training
    daik diagnose CONFIG --history work_dirs/run/kd_diagnostics.json --out-dir D

    # cost of a distillation step relative to a student-only step (drawn scenes, no data set)
    daik diagnose configs/distill/crosskd.py --random-teacher --time-steps 5 --size 256
"""
import argparse
import json
import os
import tempfile


import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from daik.distill.diagnostics import collect, plot_angle_histograms, plot_history
from daik.distill.teacher import DISTILL_PREFIX, resolve_path
from daik.distill.timing import drawn_batch, kd_step_cost, kd_step_profile, step_flops
from daik.checkpoint import CheckpointMismatchError, describe_mismatch, load_plain_checkpoint, load_weights
from daik.engine.runner import DictAction, load_config
from daik.registry import MODELS


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("config", help="distillation config (model = RotatedDistiller)")
    p.add_argument("--teacher-ckpt", help="override model.teacher_ckpt")
    p.add_argument("--random-teacher", action="store_true",
                   help="a freshly initialised teacher (timing only: its weights do not matter)")
    p.add_argument("--student-ckpt", help="distilled checkpoint to load into the distiller")
    p.add_argument("--out-dir", default="work_dirs/kd_diagnostics")
    p.add_argument("--num-batches", type=int, default=10, help="training batches to diagnose")
    p.add_argument("--history", help="kd_diagnostics.json written by KDDiagnosticsHook, to plot")
    p.add_argument("--time-steps", type=int, default=0, help="time this many steps (drawn scenes)")
    p.add_argument("--profile-steps", type=int, default=0,
                   help="profile this many steps (torch.profiler): where a distillation step's time goes, "
                        "scope by scope, beside a student-only step")
    p.add_argument("--size", type=int, default=256, help="image size of the timing batch")
    p.add_argument("--batch-size", type=int, default=2, help="images in the timing batch")
    p.add_argument("--threads", type=int, default=1, help="torch threads (1: steady timings on a shared machine)")
    p.add_argument("--cfg-options", nargs="+", action=DictAction, default={})
    return p.parse_args(argv)


def build_distiller(args, cfg: Config):
    model_cfg = cfg.model
    if args.teacher_ckpt:
        model_cfg.teacher_ckpt = os.path.abspath(args.teacher_ckpt)
    if args.random_teacher:
        teacher_cfg_path = resolve_path(model_cfg.teacher_config, model_cfg.get("config_dir"), "teacher config")
        teacher = MODELS.build(Config.fromfile(teacher_cfg_path).model)
        path = os.path.join(tempfile.mkdtemp(), "random_teacher.pth")
        torch.save({"state_dict": teacher.state_dict()}, path)
        model_cfg.teacher_ckpt = path
    model = MODELS.build(model_cfg)
    if args.student_ckpt:
        # strict but for the distillation-only modules a plain student's checkpoint does not have
        skipped = load_weights(model, load_plain_checkpoint(args.student_ckpt), strict=False, source=args.student_ckpt)
        adapters = [k for k in skipped["missing"] if k.startswith(DISTILL_PREFIX)]
        wrong = {k: [x for x in v if x not in adapters] for k, v in skipped.items()}
        if any(wrong.values()):
            raise CheckpointMismatchError(f"{args.student_ckpt} does not fit the student of {args.config}:\n  "
                                          + describe_mismatch(wrong["missing"], wrong["unexpected"], wrong["misshaped"]))
        if adapters:
            print(f"{args.student_ckpt}: no distillation modules inside; {len(adapters)} distill.* weights stay as built")
    return model


def run_timing(model, args) -> dict:
    torch.set_num_threads(args.threads)
    raw = drawn_batch(args.batch_size, args.size)
    res = kd_step_cost(model, raw, steps=args.time_steps)
    print(f"{os.path.basename(args.config)}: student step {res['student_s']:.3f} s, distillation step "
          f"{res['distill_s']:.3f} s ({res['ratio']:.2f}x), teacher forward {res['teacher_forward_s']:.3f} s "
          f"({100 * res['teacher_share']:.0f}% of the extra)")
    return res


def run_profile(model, args) -> dict:
    torch.set_num_threads(args.threads)
    batch = drawn_batch(args.batch_size, args.size)
    res = kd_step_profile(model, batch, steps=args.profile_steps)
    res["flops"] = flops = step_flops(model, batch)
    print(f"{os.path.basename(args.config)}: student step {1e3 * res['student_s']:.0f} ms, distillation step "
          f"{1e3 * res['distill_s']:.0f} ms ({res['ratio']:.2f}x; both under the profiler)")
    print(f"  work: student step {flops['student_step'] / 1e9:.2f} GFLOP, teacher forward "
          f"{flops['teacher_forward'] / 1e9:.2f} GFLOP, distillation step {flops['distill_step'] / 1e9:.2f} GFLOP: "
          f"one teacher forward per step puts the floor at {flops['floor']:.2f}x")
    width = max(len(k) for k in list(res["distill"]) + list(res["student"]))
    for scope in res["distill"]:
        d, s = res["distill"][scope], res["student"].get(scope)
        print(f"  {scope:<{width}}  {1e3 * d:8.1f} ms  {100 * d / res['distill_s']:5.1f} %"
              + (f"   (student alone {1e3 * s:.1f} ms)" if s is not None else ""))
    return res


def run_diagnostics(model, cfg: Config, args) -> dict:
    from mmengine.runner import Runner

    loader = Runner.build_dataloader(cfg.train_dataloader)
    out = collect(model, loader, max_batches=args.num_batches)
    plot_angle_histograms(out["student_angle_err"], out["teacher_angle_err"],
                          os.path.join(args.out_dir, "angle_errors.png"))
    print(json.dumps(out["mean"], indent=1))
    return out


def main(argv=None) -> dict:
    args = parse_args(argv)
    os.makedirs(args.out_dir, exist_ok=True)
    result = {}
    if args.history:
        with open(args.history) as f:
            result["history_plot"] = plot_history(json.load(f), os.path.join(args.out_dir, "kd_history.png"))
    if args.time_steps or args.profile_steps or not args.history:
        cfg = load_config(args.config, args.cfg_options)  # unknown option keys are errors
        init_default_scope(cfg.get("default_scope", "daik"))
        model = build_distiller(args, cfg)
        if args.time_steps:
            result["timing"] = run_timing(model, args)
        if args.profile_steps:
            result["profile"] = run_profile(model, args)
        if not (args.time_steps or args.profile_steps):
            result["diagnostics"] = run_diagnostics(model, cfg, args)
    with open(os.path.join(args.out_dir, "kd_diagnostics_result.json"), "w") as f:
        json.dump(result, f, indent=1, default=str)
    return result
