"""Exported detector on onnxruntime against PyTorch eager: latency and mAP, in one run.

    python tools/bench_export.py --checkpoint CKPT [--threads 1] [--sizes 256 1024]

For each input size the nano detector runs as (batch 1, the same threads everywhere):

- ``PyTorch eager``: the trained module (RepVGG branches and batch norms unfused) with its
  decode, as training leaves it;
- ``PyTorch eager, fused``: the same after ``daik.models.reparameterize`` - the very graph
  that is exported;
- ``ORT FP32`` / ``ORT FP16`` / ``ORT INT8``: the exported files on onnxruntime's CPU provider
  (INT8: static QDQ, calibrated on ``--calib-num`` training images, never the held-out ones).

Latency: median of ``--repeats`` calls after warm-up, implementations interleaved call by
call so that they share the machine's load. mAP (DOTA VOC07, IoU 0.5) on the held-out
synthetic set (``--val-dir``; generator seed 1, the training set is seed 0) at the first
size: PyTorch through the detector's own ``test_step`` (daik NMS), onnxruntime through
:class:`daik.export.OnnxDetector`. Target: ORT FP32 latency <= 0.7x PyTorch eager. Writes the
JSON, a plot next to it and the section between ``<!-- export:begin -->`` and
``<!-- export:end -->`` of ``benchmarks/README.md``.
"""
import argparse
import copy
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tools"))

from daik.utils import git_commit, replace_section  # noqa: E402

CONFIG = os.path.join(ROOT, "configs", "synthetic", "rotated_yolo_n.py")
IMPLS = ("PyTorch eager", "PyTorch eager, fused", "ORT FP32", "ORT FP16", "ORT INT8")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", default=CONFIG)
    p.add_argument("--checkpoint", help="trained weights (without them the mAP column is meaningless)")
    p.add_argument("--sizes", type=int, nargs="+", default=[256, 1024], help="square input sizes; mAP at the first")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repeats", type=int, default=20, help="timed calls per implementation at the first size")
    p.add_argument("--val-dir", default=os.path.join(ROOT, "data", "synthetic_quick", "val"))
    p.add_argument("--calib-dir", default=os.path.join(ROOT, "data", "synthetic_quick", "train"))
    p.add_argument("--calib-num", type=int, default=64)
    p.add_argument("--work-dir", default=os.path.join(ROOT, "work_dirs", "bench_export"))
    p.add_argument("--out", default=os.path.join(ROOT, "benchmarks", "export.json"))
    p.add_argument("--readme", default=os.path.join(ROOT, "benchmarks", "README.md"))
    return p.parse_args(argv)


def ensure_images(folder: str, seed: int, num: int) -> str:
    """``folder`` as is, or a quick-preset synthetic set made there."""
    if not os.path.isdir(os.path.join(folder, "images")):
        subprocess.run([sys.executable, os.path.join(ROOT, "tools", "make_synthetic.py"), folder, "--preset", "quick",
                        "--num-images", str(num), "--seed", str(seed)], check=True)
    return folder


def build_files(model, names, size: int, args) -> dict:
    """FP32, FP16 and INT8 files of ``model`` at ``size`` (static batch 1)."""
    from daik.export import convert_fp16, export_onnx, quantize_int8

    base = os.path.join(args.work_dir, f"n_{size}.onnx")
    export_onnx(model, base, img_size=size, class_names=names)
    return {"ORT FP32": base, "ORT FP16": convert_fp16(base, base.replace(".onnx", "_fp16.onnx")),
            "ORT INT8": quantize_int8(base, base.replace(".onnx", "_int8.onnx"), args.calib_dir, args.calib_num)}


def time_latency(model, files: dict, size: int, repeats: int, threads: int) -> dict:
    """Median seconds per batch-1 call of every implementation, interleaved."""
    import numpy as np
    import onnxruntime as ort
    import torch

    from daik.export import DecodedDetector, build_export_module

    eager = DecodedDetector(copy.deepcopy(model)).eval()
    fused = build_export_module(model)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads, opts.inter_op_num_threads = threads, 1
    sessions = {k: ort.InferenceSession(p, opts, providers=["CPUExecutionProvider"]) for k, p in files.items()}
    x = (np.random.default_rng(0).random((1, 3, size, size)) * 255).astype(np.float32)
    xt = torch.from_numpy(x)

    def call(name):
        if name.startswith("PyTorch"):
            with torch.no_grad():
                (eager if name == "PyTorch eager" else fused)(xt)
        else:
            sessions[name].run(None, {"images": x})

    times = {k: [] for k in IMPLS}
    for _ in range(2):
        for k in IMPLS:
            call(k)
    for _ in range(repeats):
        for k in IMPLS:
            t0 = time.perf_counter()
            call(k)
            times[k].append(time.perf_counter() - t0)
    return {k: statistics.median(v) for k, v in times.items()}


def _torch_runner(model, size: int):
    """PyTorch on the very input the ONNX files get: letterboxed to ``size`` (OnnxDetector's
    pre-processing), boxes scaled back to the image. ``model`` runs as given (unfused stays
    unfused: the "PyTorch eager" row is the trained module itself)."""
    import numpy as np

    from daik.export.runtime import letterbox
    from daik.inference import DetectorPatchFn

    fn = DetectorPatchFn(model, fuse=False)

    def run(img):
        x, scale = letterbox(img, (size, size))
        b, s, lab = fn(np.ascontiguousarray(x[0].transpose(1, 2, 0)).astype(np.uint8)[None])[0]
        b = b.copy()
        b[:, :4] /= scale
        return b, s, lab

    return run


def _ort_runner(det):
    def run(img):
        out = det(img)
        return out["bboxes"], out["scores"], out["labels"]

    return run


def evaluate_map(model, files: dict, names, args, size: int) -> dict:
    """mAP and images/s of every implementation on the held-out set."""
    import numpy as np

    from daik.data import read_image_rgb
    from daik.evaluation import Detections, eval_rbbox_map, read_annotations, to_class_detections
    from daik.export import OnnxDetector
    from daik.models import reparameterize

    ann = read_annotations(os.path.join(args.val_dir, "labelTxt"))
    imgs = {i: read_image_rgb(os.path.join(args.val_dir, "images", f"{i}.png")) for i in ann}
    runners = {"PyTorch eager": _torch_runner(model, size),
               "PyTorch eager, fused": _torch_runner(reparameterize(copy.deepcopy(model)), size)}
    runners.update({k: _ort_runner(OnnxDetector(p, threads=args.threads)) for k, p in files.items()})
    out = {}
    for k in IMPLS:
        t0 = time.perf_counter()
        dets = {}
        for i, img in imgs.items():
            b, s, lab = runners[k](img)
            dets[i] = Detections(np.asarray(b, np.float64), np.asarray(s, np.float64), np.asarray(lab, np.int64))
        secs = time.perf_counter() - t0
        res = eval_rbbox_map(to_class_detections(dets, names), ann, names)
        out[k] = {"mAP": res["mAP"], "images_per_s": len(imgs) / secs,
                  "detections": int(sum(len(d.scores) for d in dets.values()))}
    return out


def main(argv=None):
    args = parse_args(argv)
    import torch

    from daik.engine.detector import load_detector

    torch.set_num_threads(args.threads)
    os.makedirs(args.work_dir, exist_ok=True)
    ensure_images(args.val_dir, 1, 100)
    ensure_images(args.calib_dir, 0, args.calib_num)
    model, _, names = load_detector(args.config, args.checkpoint)
    load0 = os.getloadavg()[0]
    latency, files_by_size = {}, {}
    for i, size in enumerate(args.sizes):
        files_by_size[size] = build_files(model, names, size, args)
        reps = args.repeats if i == 0 else max(3, args.repeats * (args.sizes[0] ** 2) // (size ** 2))
        latency[size] = time_latency(model, files_by_size[size], size, reps, args.threads)
        print(size, {k: f"{v * 1000:.1f} ms" for k, v in latency[size].items()}, flush=True)
    quality = evaluate_map(model, files_by_size[args.sizes[0]], names, args, args.sizes[0])
    report = {"date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), "commit": git_commit(),
              "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cpus",
              "torch": torch.__version__, "onnxruntime": __import__("onnxruntime").__version__,
              "threads": args.threads, "config": os.path.relpath(os.path.abspath(args.config), ROOT),
              "checkpoint": args.checkpoint, "load_start": load0,
              "load_end": os.getloadavg()[0], "sizes": args.sizes, "latency_s": latency, "quality": quality,
              "val_dir": os.path.relpath(args.val_dir, ROOT), "calib_num": args.calib_num,
              "ratio_fp32_vs_eager": {s: latency[s]["ORT FP32"] / latency[s]["PyTorch eager"] for s in args.sizes},
              "ratio_fp32_vs_fused": {s: latency[s]["ORT FP32"] / latency[s]["PyTorch eager, fused"]
                                      for s in args.sizes},
              "int8_map_drop": quality["ORT FP32"]["mAP"] - quality["ORT INT8"]["mAP"], "target_ratio": 0.7}
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(report, f, indent=2)
    plot(report, os.path.splitext(args.out)[0] + ".png")
    replace_section(args.readme, "export", markdown(report))
    print(markdown(report))
    return report



def markdown(r: dict) -> str:
    sizes, lat, q = r["sizes"], r["latency_s"], r["quality"]
    s0 = sizes[0]
    head = "| implementation | " + " | ".join(f"latency {s} px" for s in sizes) + f" | mAP ({s0} px) | images/s |"
    lines = [head, "|---|" + "---:|" * (len(sizes) + 2)]
    for k in IMPLS:
        cells = [f"{lat[s][k] * 1000:.1f} ms ({lat[s][k] / lat[s]['PyTorch eager']:.2f}x)" for s in sizes]
        lines.append(f"| {k} | " + " | ".join(cells) + f" | {q[k]['mAP']:.4f} | {q[k]['images_per_s']:.1f} |")
    ratio = r["ratio_fp32_vs_eager"][s0]
    ok = "met" if ratio <= r["target_ratio"] else "NOT met"
    ckpt = f"`{r['checkpoint']}`" if r["checkpoint"] else "untrained weights (mAP meaningless)"
    config = r.get("config", "configs/synthetic/rotated_yolo_n.py")
    return "\n".join([
        "## ONNX export (`tools/bench_export.py`)", "",
        f"`python tools/bench_export.py --config {config} --threads {r['threads']} --sizes {' '.join(map(str, sizes))}"
        + (f" --checkpoint {r['checkpoint']}" if r["checkpoint"] else "") + f"` on {r['machine']}, torch "
        f"{r['torch']}, onnxruntime {r['onnxruntime']} ({r['threads']} thread(s) everywhere), {r['date']}, commit "
        f"`{r['commit']}`, load average {r['load_start']:.1f} at the start and {r['load_end']:.1f} at the end.", "",
        f"Detector of `{config}`, weights {ckpt}. Latency: batch 1, median "
        "of interleaved calls, the graph only (input tensor to decoded rboxes and scores); (Nx): over PyTorch "
        f"eager. mAP: DOTA VOC07 at IoU 0.5 on `{r['val_dir']}` (held out), end to end (every implementation gets the same "
        f"letterboxed {s0} px input; model; NMS); INT8 calibrated on {r['calib_num']} training images. FP16 runs on the CPU provider, which "
        "has few half-precision kernels: it is there for boards with them, its CPU latency says little.", "",
        *lines, "",
        f"Target: ORT FP32 latency <= 0.7x PyTorch eager at {s0} px: **{ratio:.2f}x** ({ok}); against the fused "
        f"eager module (the same graph): {r['ratio_fp32_vs_fused'][s0]:.2f}x. INT8 mAP drop against FP32: "
        f"**{r['int8_map_drop']:+.4f}** ({q['ORT FP32']['mAP']:.4f} -> {q['ORT INT8']['mAP']:.4f}).", "",
        "![export latency](export.png)", ""])


def plot(r: dict, path: str) -> None:
    """Latency per implementation and size, relative to PyTorch eager."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    sizes = r["sizes"]
    fig, ax = plt.subplots(figsize=(8, 3.2))
    w = 0.8 / len(IMPLS)
    for i, k in enumerate(IMPLS):
        vals = [r["latency_s"][s][k] / r["latency_s"][s]["PyTorch eager"] for s in sizes]
        ax.bar(np.arange(len(sizes)) + i * w, vals, w, label=k)
    ax.axhline(r["target_ratio"], color="tab:red", ls="--", lw=1, label="0.7x target (FP32)")
    ax.set_xticks(np.arange(len(sizes)) + 0.4 - w / 2, [f"{s} px" for s in sizes])
    ax.set_ylabel("latency / PyTorch eager")
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    main()
