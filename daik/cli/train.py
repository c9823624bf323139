"""Train a detector (or distil one: a distillation config is an ordinary config).

    daik train CONFIG [--work-dir D] [--resume] [--load-from CKPT [--non-strict]] [--amp]
        [--cfg-options k=v ...]
    torchrun --nproc_per_node 2 -m daik train CONFIG --launcher pytorch
"""
import argparse

from daik.engine.runner import DictAction, build_train_runner, close_distributed, default_work_dir, load_config


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("config", help="config file")
    p.add_argument("--work-dir", help="logs, checkpoints and curves (default work_dirs/<config stem>)")
    p.add_argument("--resume", action="store_true", help="continue from the latest checkpoint in the work dir")
    p.add_argument("--load-from", help="initialise the weights from this checkpoint (strictly: every key must fit)")
    p.add_argument("--non-strict", action="store_true",
                   help="with --load-from: load the weights that fit (e.g. fine-tuning to other classes) "
                        "and log the ones skipped")
    p.add_argument("--amp", action="store_true", help="mixed precision (CUDA)")
    p.add_argument("--launcher", choices=["none", "pytorch"], default="none", help="pytorch under torchrun")
    p.add_argument("--cfg-options", nargs="+", action=DictAction, help="override config entries, key=value")
    p.add_argument("--local-rank", "--local_rank", type=int, default=0, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options)
    work_dir = args.work_dir or cfg.get("work_dir") or default_work_dir(args.config)
    try:
        runner = build_train_runner(cfg, work_dir, resume=args.resume, amp=args.amp, launcher=args.launcher,
                                    load_from=args.load_from, load_strict=not args.non_strict)
        runner.train()
    finally:
        close_distributed()
