"""Evaluate a checkpoint: per-class AP and mAP (DOTA Task1), Task1_<class>.txt files, a JSON
of the metrics, and optionally every image drawn with its detections.

    daik test CONFIG CKPT [--out-dir D] [--show-dir S]
"""
import argparse
import json
import os
import os.path as osp

from daik.engine.runner import DictAction, build_test_runner, close_distributed, default_work_dir, load_config


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("config", help="config file")
    p.add_argument("checkpoint", help="checkpoint file")
    p.add_argument("--out-dir", help="write OUT/Task1/Task1_<class>.txt (+ OUT/Task1.zip), PR curves and OUT/metrics.json")
    p.add_argument("--work-dir", help="logs (default work_dirs/<config stem>)")
    p.add_argument("--show-dir", help="draw detections on every test image into this folder")
    p.add_argument("--show-score-thr", type=float, default=0.3, help="score threshold for drawing")
    p.add_argument("--launcher", choices=["none", "pytorch"], default="none")
    p.add_argument("--cfg-options", nargs="+", action=DictAction, help="override config entries, key=value")
    p.add_argument("--local-rank", "--local_rank", type=int, default=0, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def format_metrics(metrics: dict) -> str:
    """Per-class AP then mAP and mAP50:95, one line each."""
    lines = []
    for key, value in metrics.items():
        if "/AP_" in key:
            lines.append(f"{key.split('/AP_', 1)[1]:<24s} {value:.4f}")
    for key in sorted(metrics):
        if "/AP_" not in key:
            lines.append(f"{key.split('/', 1)[-1]:<24s} {metrics[key]:.4f}")
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options)
    work_dir = args.work_dir or cfg.get("work_dir") or default_work_dir(args.config)
    try:
        runner = build_test_runner(cfg, args.checkpoint, work_dir, out_dir=args.out_dir, launcher=args.launcher,
                                   show_dir=args.show_dir, show_score_thr=args.show_score_thr)
        metrics = runner.test()
    finally:
        close_distributed()
    if runner.rank == 0:
        print(format_metrics(metrics))
        if args.out_dir:
            os.makedirs(args.out_dir, exist_ok=True)
            with open(osp.join(args.out_dir, "metrics.json"), "w") as f:
                json.dump({k: float(v) for k, v in metrics.items()}, f, indent=2)
    return metrics
