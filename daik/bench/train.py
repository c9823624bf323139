"""Training throughput of the YOLOv6-R sizes, side by side in one run.

    daik bench train --data data/synthetic_quick --sizes n s m --iters 30 --threads 1

Each size trains ``--iters`` iterations of its ``configs/synthetic/rotated_yolo_<size>.py``
recipe (batch ``--batch-size`` at ``--img-scale`` px, data loading included) in its own
process, one after the other; the median seconds per iteration after the first few gives
images/s, and the table states each size's cost relative to the first. Writes the JSON, a
markdown table beside it and the ``train`` section of ``benchmarks/README.md``.
"""
import argparse
import os
import os.path as osp
import shutil

from daik.bench.common import (ROOT, argv_of, beside, environment, iteration_times, load_average, md_table,
                               replace_section, run_logged, steady_median, tool_command, write_json, write_text)
from daik.bench.kd_runner import BenchSettings, build_run_config, step_command


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True, help="folder with train/ and val/ (DOTA layout)")
    p.add_argument("--sizes", nargs="+", default=["n", "s", "m"], choices=["n", "s", "m", "l"])
    p.add_argument("--iters", type=int, default=30)
    p.add_argument("--warmup", type=int, default=5, help="iterations left out of the median")
    p.add_argument("--img-scale", type=int, default=160)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--work-dir", default=osp.join(ROOT, "work_dirs", "bench_train"))
    p.add_argument("--out", default=osp.join(ROOT, "benchmarks", "train.json"))
    p.add_argument("--readme", default=osp.join(ROOT, "benchmarks", "README.md"))
    args = p.parse_args(argv)
    args.argv = argv_of(argv)
    return args


def time_size(args, size: str) -> dict:
    """Train ``args.iters`` iterations of one size in a fresh process; its iteration times."""
    settings = BenchSettings(data=osp.abspath(args.data), work_dir=args.work_dir, img_scale=args.img_scale,
                             batch_size=args.batch_size, threads=args.threads)
    cfg = build_run_config(settings, f"configs/synthetic/rotated_yolo_{size}.py", 1, 0)
    cfg.train_dataloader.dataset.indices = args.iters * args.batch_size  # one short epoch
    cfg.train_dataloader.drop_last = True
    cfg.train_cfg.val_interval = 2  # no validation
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint.update(interval=-1, save_last=False)
    cfg.custom_hooks = [h for h in cfg.custom_hooks if h["type"] != "PlainCheckpointHook"]
    work = osp.join(args.work_dir, size)
    if osp.isdir(work):
        shutil.rmtree(work)
    os.makedirs(work)
    cfg_path = osp.join(work, "train_config.py")
    cfg.dump(cfg_path)
    run_logged(step_command("train", cfg_path, work), osp.join(work, "train.out"), args.threads)
    times = iteration_times(work)
    spi = steady_median(times, args.warmup)
    return dict(size=size, iters=len(times), seconds_per_iter=spi, images_per_s=args.batch_size / spi)


def markdown(report: dict) -> str:
    """The ``train`` section of benchmarks/README.md (also ``train.md``)."""
    rows = report["rows"]
    base = rows[0]
    lines = [f"## Training throughput (`{report['command']}`)", "",
             f"{report['machine']}, torch {report['torch']}, {report['threads']} torch thread(s), "
             f"{report['date']}, commit `{report['commit']}`, load average {report['load_start']:.1f} at the start "
             f"and {report['load_end']:.1f} at the end (shared cores). Batch {report['batch_size']} at "
             f"{report['img_scale']} px, data loading and augmentation included; median of the iterations after "
             f"the first {report['warmup']}.", ""]
    lines += md_table(["model", "s / iteration", "images / s", f"cost vs {base['size']}"],
                      [[f"YOLOv6-R-{r['size']}", f"{r['seconds_per_iter']:.2f}", f"{r['images_per_s']:.1f}",
                        f"{r['seconds_per_iter'] / base['seconds_per_iter']:.2f}x"] for r in rows], "lrrr")
    return "\n".join(lines) + "\n"


def main(argv=None) -> dict:
    args = parse_args(argv)
    report = dict(command=tool_command("bench_train.py", args.argv), **environment(), threads=args.threads,
                  batch_size=args.batch_size, img_scale=args.img_scale, warmup=args.warmup,
                  load_start=load_average(), rows=[])
    for size in args.sizes:
        row = time_size(args, size)
        print(f"[bench_train] {size}: {row['seconds_per_iter']:.2f} s/iter, {row['images_per_s']:.1f} images/s",
              flush=True)
        report["rows"].append(row)
    report["load_end"] = load_average()
    write_json(args.out, report)
    text = markdown(report)
    write_text(beside(args.out, ".md"), text)
    replace_section(args.readme, "train", text)
    print(text)
    return report


if __name__ == "__main__":
    main()
