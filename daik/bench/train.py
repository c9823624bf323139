"""Training throughput of the YOLOv6-R sizes, side by side in one run.

    python tools/bench_train.py --data data/synthetic_quick --sizes n s m --iters 30 --threads 1

Each size trains ``--iters`` iterations of its ``configs/synthetic/rotated_yolo_<size>.py``
recipe (batch ``--batch-size`` at ``--img-scale`` px, data loading included) in its own
process, one after the other; the median seconds per iteration after the first few gives
images/s, and the table states each size's cost relative to the first. Writes the JSON, a
markdown table beside it and the ``train`` section of ``benchmarks/README.md``.
"""
import argparse
import datetime
import json
import os
import os.path as osp
import platform
import statistics
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

from daik.bench.kd_runner import BenchSettings, _run, build_run_config, iteration_times  # noqa: E402
from daik.utils import git_commit, replace_section  # noqa: E402


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
    args.argv = list(sys.argv[1:] if argv is None else argv)
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
        import shutil

        shutil.rmtree(work)
    os.makedirs(work)
    cfg_path = osp.join(work, "train_config.py")
    cfg.dump(cfg_path)
    _run([sys.executable, osp.join(ROOT, "tools", "train.py"), cfg_path, "--work-dir", work],
         osp.join(work, "train.out"), args.threads)
    times = iteration_times(work)
    steady = times[args.warmup:] or times
    spi = statistics.median(steady)
    return dict(size=size, iters=len(times), seconds_per_iter=spi, images_per_s=args.batch_size / spi)


def markdown(report: dict) -> str:
    rows = report["rows"]
    base = rows[0]
    lines = [f"## Training throughput (`{report['command']}`)", "",
             f"{report['machine']}, torch {report['torch']}, {report['threads']} torch thread(s), "
             f"{report['date']}, commit `{report['commit']}`, load average {report['load_start']:.1f} at the start "
             f"and {report['load_end']:.1f} at the end (shared cores). Batch {report['batch_size']} at "
             f"{report['img_scale']} px, data loading and augmentation included; median of the iterations after "
             f"the first {report['warmup']}.", "",
             f"| model | s / iteration | images / s | cost vs {base['size']} |", "|---|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| YOLOv6-R-{r['size']} | {r['seconds_per_iter']:.2f} | {r['images_per_s']:.1f} | "
                     f"{r['seconds_per_iter'] / base['seconds_per_iter']:.2f}x |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> dict:
    args = parse_args(argv)
    import torch

    report = dict(command=" ".join(["python", "tools/bench_train.py", *args.argv]),
                  date=datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), commit=git_commit(),
                  machine=f"{platform.machine()}, {os.cpu_count()} cpus", torch=torch.__version__,
                  threads=args.threads, batch_size=args.batch_size, img_scale=args.img_scale, warmup=args.warmup,
                  load_start=os.getloadavg()[0], rows=[])
    for size in args.sizes:
        row = time_size(args, size)
        print(f"[bench_train] {size}: {row['seconds_per_iter']:.2f} s/iter, {row['images_per_s']:.1f} images/s",
              flush=True)
        report["rows"].append(row)
    report["load_end"] = os.getloadavg()[0]
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(report, f, indent=2)
    text = markdown(report)
    with open(osp.splitext(args.out)[0] + ".md", "w") as f:
        f.write(text)
    replace_section(args.readme, "train", text)
    print(text)
    return report


if __name__ == "__main__":
    main()
