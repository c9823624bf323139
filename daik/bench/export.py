"""The export matrix measured: every runtime x precision against PyTorch, in one run.

    daik bench export [--config configs/demo/teacher_n.py --checkpoint checkpoints/demo_teacher_n.pth]
        [--sizes 160 1024] [--threads 1] [--backends onnxruntime openvino]

From a fresh clone (``pip install .[edge]``) the defaults reproduce benchmarks/export.md: the
shipped demo teacher, and the quick synthetic sets made on first use when ``data/`` lacks them.

For each runtime that imports here (onnxruntime; OpenVINO with the ``edge`` extra) the detector is
exported once (reparameterised, decode inside) and run as FP32, FP16 and INT8 (static QDQ, 7-bit
per-channel weights, calibrated on ``--calib-num`` training images, never the held-out ones;
OpenVINO runs the same QDQ graph, and its FP32 / FP16 are IRs from its own converter). Measured:

- parity: largest |difference| of scores and largest corner distance of boxes (points PyTorch
  scores above 0.05) against the fused PyTorch module on ``--parity-images`` held-out scenes; the
  same for an NMS-free CAKD student's ``(K, 7)`` rows (seeded weights with spread predictions);
- mAP50 (DOTA VOC07) on the held-out synthetic set (``--val-dir``; generator seed 1, training
  seed 0) at the first size, end to end through each runner (same letterbox, same numpy NMS);
- latency: batch 1, median of ``--repeats`` calls, implementations interleaved call by call;
- file size; and an INT8 ablation (what each quantisation choice buys, both runtimes).

Writes the JSON, ``export.md`` and a plot beside it. Target: INT8 >= FP32 - 1 mAP50 point.
"""
import argparse
import copy
import os
import time

from daik.bench.common import (ROOT, beside, daik_command, environment, interleaved_medians, load_average, run_checked,
                               write_json, write_text)
from daik.bench.export_report import markdown, plot
from daik.export.parity import parity

CONFIG = os.path.join(ROOT, "configs", "demo", "teacher_n.py")
STUDENT = os.path.join(ROOT, "configs", "distill", "synthetic", "cakd_student.py")
IMPLS = ("PyTorch eager", "PyTorch eager, fused", "ORT FP32", "ORT FP16", "ORT INT8")
LABELS = {"onnxruntime": "ORT", "openvino": "OpenVINO", "ncnn": "ncnn", "litert": "LiteRT"}
PRECISIONS = ("FP32", "FP16", "INT8")
INT8_VARIANTS = (  # (name, quantize_int8 keywords); num_images defaults to --calib-num
    ("8-bit per-channel weights, min-max (before)", dict(reduce_range=False)),
    ("8-bit per-tensor weights", dict(reduce_range=False, per_channel=False)),
    ("8-bit per-channel, head convs in float", dict(reduce_range=False, float_scopes=("head",))),
    ("8-bit per-channel, head convs + first conv in float", dict(reduce_range=False, float_scopes=("head", "stem"))),
    ("7-bit per-channel weights (default)", {}),
    ("7-bit per-tensor weights", dict(per_channel=False)),
    ("7-bit per-channel, entropy calibration", dict(method="entropy")),
    ("7-bit per-channel, percentile 99.999", dict(method="percentile")),
    ("7-bit per-channel, 4x the calibration images", dict(num_images=-4)),
    ("7-bit per-channel, symmetric int8 activations", dict(symmetric_activations=True)),
)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", default=CONFIG)
    p.add_argument("--checkpoint", default=os.path.join(ROOT, "checkpoints", "demo_teacher_n.pth"),
                   help="trained weights ('none': the config's initial weights, mAP meaningless)")
    p.add_argument("--student-config", default=STUDENT, help="an NMS-free (CAKD) student for the end-to-end parity")
    p.add_argument("--sizes", type=int, nargs="+", default=[160, 1024], help="square input sizes; mAP at the first")
    p.add_argument("--backends", nargs="+", default=list(LABELS), choices=list(LABELS))
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repeats", type=int, default=20, help="timed calls per implementation at the first size")
    p.add_argument("--parity-images", type=int, default=20)
    p.add_argument("--no-ablation", action="store_true", help="skip the INT8 ablation")
    p.add_argument("--val-dir", default=os.path.join(ROOT, "data", "synthetic_quick", "val"))
    p.add_argument("--calib-dir", default=os.path.join(ROOT, "data", "synthetic_quick", "train"))
    p.add_argument("--calib-num", type=int, default=64)
    p.add_argument("--work-dir", default=os.path.join(ROOT, "work_dirs", "bench_export"))
    p.add_argument("--out", default=os.path.join(ROOT, "benchmarks", "export.json"))
    return p.parse_args(argv)


def ensure_images(folder: str, seed: int, num: int) -> str:
    """``folder`` as is, or a quick-preset synthetic set made there."""
    if not os.path.isdir(os.path.join(folder, "images")):
        run_checked(daik_command("synth", os.path.abspath(folder), "--preset", "quick", "--num-images", num,
                                 "--seed", seed, "--overwrite"))
    return folder


def available_backends(wanted) -> list:
    """The runtimes of ``wanted`` that import here (onnxruntime always does; LiteRT also needs the
    onnx2tf converter of its own environment, ``DAIK_ONNX2TF``)."""
    import shutil

    out = []
    for b in wanted:
        try:
            __import__({"litert": "ai_edge_litert"}.get(b, b))
        except ImportError:
            print(f"{b} is not installed (pip install .[edge]): left out", flush=True)
            continue
        conv = os.environ.get("DAIK_ONNX2TF") or shutil.which("onnx2tf")
        if b == "litert" and not (conv and os.path.exists(conv)):
            print("litert: no onnx2tf converter (set DAIK_ONNX2TF): left out", flush=True)
            continue
        out.append(b)
    return out


def build_files(model, names, size: int, args, backends) -> dict:
    """``{implementation: (backend, path)}``: FP32, FP16 and INT8 of ``model`` at ``size`` per backend
    (ncnn: FP32 and FP16 of the graph without its decode; its INT8 needs ncnn's own tools)."""
    from daik.export import convert_fp16, export_onnx, export_target, quantize_int8

    base = os.path.join(args.work_dir, f"n_{size}.onnx")
    export_onnx(model, base, img_size=size, class_names=names)
    if os.path.exists(base.replace(".onnx", "_raw.onnx")):
        os.remove(base.replace(".onnx", "_raw.onnx"))  # made afresh below when a runtime needs it
    files = {}
    for b in backends:
        if b == "onnxruntime":
            paths = (base, convert_fp16(base, base.replace(".onnx", "_fp16.onnx")),
                     quantize_int8(base, base.replace(".onnx", "_int8.onnx"), args.calib_dir, args.calib_num))
        elif b == "openvino":
            paths = (export_target(base, "openvino"), export_target(base, "openvino", fp16=True),
                     export_target(base.replace(".onnx", "_int8.onnx"), "openvino"))
        else:
            raw = base.replace(".onnx", "_raw.onnx")
            if not os.path.exists(raw):
                export_onnx(model, raw, img_size=size, class_names=names, decode=False)
            fmt = "tflite" if b == "litert" else b
            paths = (export_target(raw, fmt), export_target(raw, fmt, fp16=True))
        files.update({f"{LABELS[b]} {p}": (b, path) for p, path in zip(PRECISIONS, paths)})
    return files


def _dist_version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


def file_mib(path: str) -> float:
    """Size of an exported model (an IR's ``.xml`` and ``.bin`` together), MiB."""
    extra = [path[:-4] + ".bin"] if path.endswith(".xml") else [path[:-6] + ".bin"] if path.endswith(".param") else []
    return sum(os.path.getsize(p) for p in [path, *extra]) / 2 ** 20


def open_runners(files: dict, threads: int) -> dict:
    from daik.export import open_exported

    return {k: open_exported(path, backend, threads=threads) for k, (backend, path) in files.items()}


def time_latency(model, runners: dict, size: int, repeats: int) -> dict:
    """Median seconds per batch-1 call of every implementation, interleaved."""
    import numpy as np
    import torch

    from daik.export import DecodedDetector, build_export_module

    eager, fused = DecodedDetector(copy.deepcopy(model)).eval(), build_export_module(model)
    x = (np.random.default_rng(0).random((1, 3, size, size)) * 255).astype(np.float32)
    xt = torch.from_numpy(x)

    def call(name):
        if name.startswith("PyTorch"):
            with torch.no_grad():
                (eager if name == "PyTorch eager" else fused)(xt)
        else:
            runners[name].forward(x)

    names = ["PyTorch eager", "PyTorch eager, fused", *runners]
    return interleaved_medians({k: (lambda k=k: call(k)) for k in names}, repeats, warmup=2)


def _torch_runner(model, size: int):
    """PyTorch on the very input the runners get: letterboxed to ``size``, boxes scaled back.
    ``model`` runs as given (unfused stays unfused: "PyTorch eager" is the trained module)."""
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


def _runner_fn(det):
    def run(img):
        out = det(img)
        return out["bboxes"], out["scores"], out["labels"]

    return run


def evaluate_map(model, runners: dict, names, args, size: int) -> dict:
    """mAP50 and images/s of every implementation on the held-out set."""
    from daik.models import reparameterize

    fns = {"PyTorch eager": _torch_runner(model, size),
           "PyTorch eager, fused": _torch_runner(reparameterize(copy.deepcopy(model)), size)}
    fns.update({k: _runner_fn(r) for k, r in runners.items()})
    return {k: held_out_map(fn, names, args.val_dir) for k, fn in fns.items()}


def held_out_map(fn, names, val_dir: str) -> dict:
    """``{"mAP", "images_per_s", "detections"}`` of ``fn(img) -> (boxes, scores, labels)``."""
    import numpy as np

    from daik.data import read_image_rgb
    from daik.evaluation import Detections, eval_rbbox_map, read_annotations, to_class_detections

    ann = read_annotations(os.path.join(val_dir, "labelTxt"))
    dets, secs = {}, 0.0
    for i in ann:
        img = read_image_rgb(os.path.join(val_dir, "images", f"{i}.png"))
        t0 = time.perf_counter()
        b, s, lab = fn(img)
        secs += time.perf_counter() - t0
        dets[i] = Detections(np.asarray(b, np.float64), np.asarray(s, np.float64), np.asarray(lab, np.int64))
    res = eval_rbbox_map(to_class_detections(dets, names), ann, names)
    return {"mAP": res["mAP"], "images_per_s": len(ann) / secs, "detections": int(sum(len(d.scores) for d in dets.values()))}


def student_parity(args, backends, images, size: int) -> dict:
    """Parity of an NMS-free CAKD student (seeded weights, prediction convs spread so that the
    angle bins are apart as a trained head's are) exported end to end, on every backend (FP32)."""
    import torch

    from daik.apis import load_detector
    from daik.export import export_onnx, export_target

    torch.manual_seed(0)
    model, _, names = load_detector(args.student_config)
    g = torch.Generator().manual_seed(0)
    for branch, convs in model.head.preds.items():
        for conv in convs:
            torch.nn.init.normal_(conv.weight, std=3.0, generator=g)
            torch.nn.init.constant_(conv.bias, -1.0 if branch == "cls" else 0.0)
    base = os.path.join(args.work_dir, f"cakd_student_{size}.onnx")
    export_onnx(model, base, img_size=size, topk=100, class_names=names)
    raw = export_onnx(model, base.replace(".onnx", "_raw.onnx"), img_size=size, topk=100, class_names=names,
                      decode=False).path
    paths = {"onnxruntime": lambda: base, "openvino": lambda: export_target(base, "openvino"),
             "ncnn": lambda: export_target(raw, "ncnn"), "litert": lambda: export_target(raw, "tflite")}
    files = {f"{LABELS[b]} FP32": (b, paths[b]()) for b in backends}
    return parity(model, open_runners(files, args.threads), images, size)


def int8_ablation(base: str, names, args, backends) -> list:
    """mAP50 of each :data:`INT8_VARIANTS` choice on every backend (the QDQ graph as is)."""
    from daik.export import open_exported, quantize_int8

    backends = [b for b in backends if b in ("onnxruntime", "openvino")]  # INT8 from the QDQ graph
    rows = []
    for name, kw in INT8_VARIANTS:
        kw = dict(kw)
        n = kw.pop("num_images", args.calib_num)
        n = args.calib_num * -n if n < 0 else n
        dst = os.path.join(args.work_dir, f"ablation_{len(rows)}_int8.onnx")
        quantize_int8(base, dst, args.calib_dir, n, **kw)
        row = {"variant": name, "calib_images": n, "kwargs": kw}
        for b in backends:
            row[LABELS[b]] = held_out_map(_runner_fn(open_exported(dst, b, threads=args.threads)), names,
                                          args.val_dir)["mAP"]
        rows.append(row)
        print(row, flush=True)
    return rows


def main(argv=None):
    args = parse_args(argv)
    import torch

    from daik.data import read_image_rgb
    from daik.apis import load_detector
    from daik.export import UNAVAILABLE
    from daik.export.quantize import image_files

    torch.set_num_threads(args.threads)
    env = environment()  # the code that runs, not whatever is checked out when it ends
    os.makedirs(args.work_dir, exist_ok=True)
    ensure_images(args.val_dir, 1, 200)  # as configs/demo/teacher_n.py makes it
    ensure_images(args.calib_dir, 0, 4 * args.calib_num)
    backends = available_backends(args.backends)
    args.checkpoint = None if str(args.checkpoint).lower() == "none" else os.path.relpath(args.checkpoint, ROOT)
    model, _, names = load_detector(args.config, os.path.join(ROOT, args.checkpoint) if args.checkpoint else None)
    load0 = load_average()
    latency, files, runners = {}, {}, {}
    for i, size in enumerate(args.sizes):
        files[size] = build_files(model, names, size, args, backends)
        runners[size] = open_runners(files[size], args.threads)
        reps = args.repeats if i == 0 else max(3, args.repeats * (args.sizes[0] ** 2) // (size ** 2))
        latency[size] = time_latency(model, runners[size], size, reps)
        print(size, {k: f"{v * 1000:.1f} ms" for k, v in latency[size].items()}, flush=True)
    s0 = args.sizes[0]
    images = [read_image_rgb(p) for p in image_files(args.val_dir, args.parity_images)]
    quality = evaluate_map(model, runners[s0], names, args, s0)
    report = {**env, "onnxruntime": __import__("onnxruntime").__version__,
              **{b: __import__(b).__version__ for b in ("openvino", "ncnn") if b in backends},
              **({"litert": "ai-edge-litert " + _dist_version("ai-edge-litert")} if "litert" in backends else {}),
              "threads": args.threads, "config": os.path.relpath(os.path.abspath(args.config), ROOT),
              "checkpoint": args.checkpoint, "student_config": os.path.relpath(os.path.abspath(args.student_config), ROOT),
              "sizes": args.sizes, "latency_s": latency, "quality": quality,
              "parity": parity(model, runners[s0], images, s0),
              "student_parity": student_parity(args, backends, images, s0),
              "file_mib": {k: file_mib(p) for k, (_, p) in files[s0].items()},
              "val_dir": os.path.relpath(args.val_dir, ROOT), "calib_num": args.calib_num,
              "parity_images": len(images), "unavailable": UNAVAILABLE, "target_ratio": 0.7}
    report["int8_ablation"] = [] if args.no_ablation else int8_ablation(files[s0]["ORT FP32"][1], names, args, backends)
    report.update(load_start=load0, load_end=load_average(),
                  ratio_fp32_vs_eager={s: latency[s]["ORT FP32"] / latency[s]["PyTorch eager"] for s in args.sizes},
                  ratio_fp32_vs_fused={s: latency[s]["ORT FP32"] / latency[s]["PyTorch eager, fused"] for s in args.sizes},
                  int8_map_drop=quality["ORT FP32"]["mAP"] - quality["ORT INT8"]["mAP"])
    write_json(args.out, report)
    plot(report, beside(args.out, ".png"))
    write_text(beside(args.out, ".md"), markdown(report))
    print(markdown(report))
    return report


if __name__ == "__main__":
    main()
