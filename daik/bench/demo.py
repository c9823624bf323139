"""daik end to end on a CPU (`make demo`):

1. generate quick synthetic aerial scenes (train + held-out val);
2. take the shipped nano teacher (checkpoints/demo_teacher_n.pth; trained by the commands in
   configs/demo/teacher_n.py; trained here instead when the file is missing, which takes long);
3. train the pico student alone, then distil it with DAIK and with CrossKD (same schedule);
4. evaluate all on the held-out scenes (DOTA Task1 mAP), print the table and where the plots are.

    python tools/demo.py [--work-dir work_dirs/demo] [--epochs 8] [--threads 2]
    python -m daik.bench.demo ...          # the same
"""
import argparse
import glob
import os
import os.path as osp
import time

from daik.bench.common import ROOT, write_text
from daik.bench.kd_report import bar_plot, markdown_table, summarise
from daik.bench.kd_runner import BenchSettings, make_synthetic_split, run_benchmark

TEACHER_CKPT = osp.join(ROOT, "checkpoints", "demo_teacher_n.pth")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--work-dir", default=osp.join(ROOT, "work_dirs", "demo"))
    p.add_argument("--train-images", type=int, default=400)
    p.add_argument("--val-images", type=int, default=100)
    p.add_argument("--epochs", type=int, default=8, help="student schedule (alone and distilled)")
    p.add_argument("--threads", type=int, default=max(1, min(2, os.cpu_count() or 1)))
    p.add_argument("--teacher-ckpt", default=TEACHER_CKPT)
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    start = time.time()
    data = make_synthetic_split(osp.join(args.work_dir, "data"), args.train_images, args.val_images)
    teacher_ckpt = args.teacher_ckpt if osp.isfile(args.teacher_ckpt) else None
    if teacher_ckpt is None:
        print(f"[demo] {args.teacher_ckpt} is missing: training the teacher here (configs/demo/teacher_n.py)")
    settings = BenchSettings(
        data=data, work_dir=args.work_dir, student_config="configs/demo/student_pico.py",
        teacher_config="configs/demo/teacher_n.py",
        methods={"DAIK": "configs/demo/daik_full_pico.py", "CrossKD": "configs/demo/crosskd_pico.py"},
        img_scale=160, student_epochs=args.epochs, teacher_epochs=24, batch_size=16, seeds=[0],
        threads=args.threads, teacher_ckpt=teacher_ckpt, val_interval=args.epochs, show=True)
    results = run_benchmark(settings, log=lambda msg: print(f"[demo] {msg} ({time.time() - start:.0f} s)", flush=True))
    summary = summarise(results)
    table = markdown_table(summary)
    plot = osp.join(args.work_dir, "kd_map50.png")
    bar_plot(summary, plot)
    write_text(osp.join(args.work_dir, "table.md"), table)
    print("\n" + table)
    print(f"[demo] done in {time.time() - start:.0f} s. Plots:")
    print(f"  mAP50 of teacher, student and distilled students: {plot}")
    for name in ("student", "DAIK", "CrossKD"):
        run = osp.join(args.work_dir, name, "seed0")
        print(f"  {name}: training curves {run}/curves.png, PR curves {run}/test/Task1/pr_curves.png, "
              f"detections drawn {run}/test/show/")
    kd = sorted(glob.glob(osp.join(args.work_dir, "DAIK", "seed0", "kd_diagnostics.png")))
    if kd:
        print(f"  DAIK's conflict ratios and L1 distances over training: {kd[0]}")
    return summary


if __name__ == "__main__":
    main()
