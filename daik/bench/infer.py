"""Tiled inference over a whole synthetic scene: wall time against the bare model, peak memory.

    daik bench infer [--checkpoint CKPT] [--size 10000] [--threads 1] [--batch-size 2]

Makes (once, cached in ``--work-dir``) a ``--size`` x ``--size`` synthetic GeoTIFF with the
generator (``daik synth --tile``), then runs two fresh processes one after the
other, each with the same torch threads and batch size:

- ``tiled``: :class:`daik.inference.TiledPredictor` over the raster (windowed reads on the
  background thread, per-patch decoding and NMS on a worker thread beside the next batch's
  model, merge) and the GeoJSON written - the whole job
  but interpreter start-up and model building; its peak RSS (``ru_maxrss``) is the memory
  figure;
- ``bare``: the same patches read into memory beforehand, then timed through the model alone:
  ``forward`` (``model(x, mode="tensor")``: backbone, neck, head logits) and ``patch call``
  (the predictor's per-patch model call, ``DetectorPatchFn``: forward + decode + per-patch NMS).

Both run the model as the tiled predictor does: reparameterised (``DetectorPatchFn``'s fused
copy, RepVGG branches and batch norms folded), and both keep freed memory for reuse as
``tools/infer_large.py`` does (``--malloc default``: glibc's defaults in both); each reports its
minor page faults.

The bare run times the forward and the patch call batch by batch, interleaved. Both kinds of
run do one untimed warm-up batch and run ``--rounds`` times in ABBA order (the cores are
shared: load drifts); the best run of each kind is compared, every run is in the JSON. Targets: tiled wall time within 10 % of the bare forward,
peak RSS under 2 GiB. Writes the JSON, a plot next to it and the section between
``<!-- infer:begin -->`` and ``<!-- infer:end -->`` of ``benchmarks/README.md``.
"""
import argparse
import json
import os
import resource
import sys
import time

from daik.bench.common import (ROOT, beside, daik_command, environment, load_average, md_table, pyplot,
                               replace_section, run_checked, save_figure, write_json)
from daik.utils import retain_freed_memory

CONFIG = os.path.join(ROOT, "configs", "synthetic", "rotated_yolo_n.py")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", default=CONFIG)
    p.add_argument("--checkpoint", help="trained weights (latency and memory do not need them)")
    p.add_argument("--raster", help="use this raster instead of a generated one")
    p.add_argument("--size", type=int, default=10000, help="side of the generated scene")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--patch", type=int, default=1024)
    p.add_argument("--gap", type=int, default=200)
    p.add_argument("--batch-size", type=int, default=2)
    p.add_argument("--threads", type=int, default=1, help="torch threads of both runs")
    p.add_argument("--rounds", type=int, default=2,
                   help="tiled and bare runs in ABBA order this many times; the best of each is compared")
    p.add_argument("--malloc", choices=["retain", "default"], default="retain",
                   help="both runs: glibc keeps freed blocks for reuse, as tools/infer_large.py does "
                        "(retain_freed_memory), or glibc's defaults")
    p.add_argument("--work-dir", default=os.path.join(ROOT, "work_dirs", "bench_infer"))
    p.add_argument("--out", default=os.path.join(ROOT, "benchmarks", "infer.json"))
    p.add_argument("--readme", default=os.path.join(ROOT, "benchmarks", "README.md"))
    p.add_argument("--worker", choices=["tiled", "bare"], help=argparse.SUPPRESS)
    return p.parse_args(argv)


# ---------------------------------------------------------------------------------- workers
def _model(args):
    import torch

    from daik.apis import load_detector

    torch.set_num_threads(args.threads)
    if args.malloc == "retain":
        retain_freed_memory()
    model, _, names = load_detector(args.config, args.checkpoint)
    return model, names


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def _minor_faults() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def worker_tiled(args) -> dict:
    """Time the whole tiled job on ``args.raster``."""
    import numpy as np

    from daik.inference import DetectorPatchFn, TiledPredictor, write_geojson

    model, names = _model(args)
    fn = DetectorPatchFn(model)
    fn(np.zeros((args.batch_size, args.patch, args.patch, 3), np.uint8))  # warm-up
    rss_model = _rss_mib()
    pred = TiledPredictor(fn, patch_size=args.patch, gap=args.gap, batch_size=args.batch_size, progress=True)
    t0, f0 = time.perf_counter(), _minor_faults()
    res = pred.predict(args.raster)
    write_geojson(os.path.join(args.work_dir, "scene.geojson"), res, names)
    wall = time.perf_counter() - t0
    return dict(wall_s=wall, stats=res.stats, peak_rss_mib=_rss_mib(), rss_after_model_mib=rss_model,
                minor_faults=_minor_faults() - f0)


def worker_bare(args) -> dict:
    """Time the model alone over the same patches, read into memory first."""
    import numpy as np
    import torch

    from daik.inference import DetectorPatchFn, RasterSource, plan_patches

    model, _ = _model(args)
    with RasterSource(args.raster) as src:
        jobs = plan_patches(src.width, src.height, args.patch, args.gap)
        patches = np.stack([src.read_patch(j.x, j.y, j.size, j.rate)[0] for j in jobs])  # (P, S, S, 3)
    fn = DetectorPatchFn(model)
    net = fn.model  # the reparameterised copy the tiled run uses too
    batches = [patches[i:i + args.batch_size] for i in range(0, len(patches), args.batch_size)]
    pre = net.data_preprocessor

    def forward(b):  # normalisation as the detector does it, then the forward alone
        with torch.no_grad():
            net(pre({"inputs": list(torch.from_numpy(b).permute(0, 3, 1, 2))})["inputs"], mode="tensor")

    forward(batches[0]), fn(batches[0])  # warm-up
    t_fwd = t_call = 0.0
    n_det, f0 = 0, _minor_faults()
    for b in batches:  # interleaved batch by batch, so that both see the same machine load
        t0 = time.perf_counter()
        forward(b)
        t1 = time.perf_counter()
        n_det += sum(len(r[1]) for r in fn(b))
        t_fwd, t_call = t_fwd + t1 - t0, t_call + time.perf_counter() - t1
    return dict(patches=len(patches), forward_s=t_fwd, patch_call_s=t_call, raw_detections=n_det,
                peak_rss_mib=_rss_mib(), minor_faults=_minor_faults() - f0)


# ---------------------------------------------------------------------------------- driver
def make_raster(args) -> str:
    """The generated scene (made once): ``work_dir/tile_<size>_s<seed>/images/T00000.tif``."""
    out = os.path.abspath(os.path.join(args.work_dir, f"tile_{args.size}_s{args.seed}"))
    path = os.path.join(out, "images", "T00000.tif")
    if not os.path.exists(path):
        run_checked(daik_command("synth", out, "--tile", "--size", args.size, "--seed", args.seed, "--num-images", 1,
                                 "--overwrite"))
    return path


def run_worker(kind: str, args) -> dict:
    """Run one worker in a fresh process and return its JSON report."""
    path = os.path.abspath
    cmd = [sys.executable, "-m", "daik.bench.infer", "--worker", kind, "--raster", path(args.raster), "--config",
           path(args.config), "--patch", str(args.patch), "--gap", str(args.gap), "--batch-size", str(args.batch_size),
           "--threads", str(args.threads), "--work-dir", path(args.work_dir), "--malloc", args.malloc]
    if args.checkpoint:
        cmd += ["--checkpoint", path(args.checkpoint)]
    return json.loads(run_checked(cmd, args.threads, capture=True).stdout.strip().splitlines()[-1])


def count_objects(raster: str) -> int:
    label = raster.replace(os.sep + "images" + os.sep, os.sep + "labelTxt" + os.sep).rsplit(".", 1)[0] + ".txt"
    if not os.path.exists(label):
        return -1
    from daik.evaluation import read_dota_label

    return len(read_dota_label(label).names)


def main(argv=None):
    args = parse_args(argv)
    if args.worker:
        os.makedirs(args.work_dir, exist_ok=True)
        report = worker_tiled(args) if args.worker == "tiled" else worker_bare(args)
        print(json.dumps(report))
        return report
    os.makedirs(args.work_dir, exist_ok=True)
    args.raster = args.raster or make_raster(args)
    load0 = load_average()
    runs = {"tiled": [], "bare": []}
    for r in range(args.rounds):
        for kind in (("tiled", "bare") if r % 2 == 0 else ("bare", "tiled")):
            runs[kind].append(run_worker(kind, args))
    report = summarize(args, runs, load0)
    write_json(args.out, report)
    plot(report, beside(args.out, ".png"))
    replace_section(args.readme, "infer", markdown(report))
    print(markdown(report))
    return report


def summarize(args, runs: dict, load0: float) -> dict:
    """The best (fastest) tiled and bare runs, their ratios, every run's figures."""
    import rasterio

    with rasterio.open(args.raster) as ds:
        size = (ds.width, ds.height)
    tiled = dict(min(runs["tiled"], key=lambda t: t["wall_s"]))
    tiled["peak_rss_mib"] = max(t["peak_rss_mib"] for t in runs["tiled"])
    bare = {"patches": runs["bare"][0]["patches"], "forward_s": min(b["forward_s"] for b in runs["bare"]),
            "patch_call_s": min(b["patch_call_s"] for b in runs["bare"]),
            "minor_faults": min(b.get("minor_faults", 0) for b in runs["bare"]),
            "peak_rss_mib": max(b["peak_rss_mib"] for b in runs["bare"])}
    return {
        **environment(), "threads": args.threads, "batch_size": args.batch_size, "malloc": args.malloc,
        "raster": os.path.relpath(args.raster, ROOT), "raster_size": size, "objects": count_objects(args.raster),
        "patch": args.patch, "gap": args.gap, "checkpoint": args.checkpoint, "load_start": load0,
        "config": os.path.relpath(os.path.abspath(args.config), ROOT),
        "load_end": load_average(), "rounds": args.rounds, "tiled": tiled, "bare": bare,
        "all_runs": {k: [{"wall_s": v.get("wall_s"), "forward_s": v.get("forward_s"),
                          "patch_call_s": v.get("patch_call_s"), "minor_faults": v.get("minor_faults")}
                         for v in vs] for k, vs in runs.items()},
        "ratio_vs_forward": tiled["wall_s"] / bare["forward_s"],
        "ratio_vs_patch_call": tiled["wall_s"] / bare["patch_call_s"],
        "targets": {"ratio_vs_forward": 1.10, "peak_rss_mib": 2048},
    }


def markdown(r: dict) -> str:
    """The ``infer`` section of benchmarks/README.md."""
    t, b = r["tiled"], r["bare"]
    ok = lambda cond: "met" if cond else "NOT met"  # noqa: E731
    ckpt = f"`--checkpoint {r['checkpoint']}`" if r["checkpoint"] else "untrained weights"
    config = r.get("config", "configs/synthetic/rotated_yolo_n.py")
    return "\n".join([
        "## Tiled inference (`tools/bench_infer.py`)", "",
        f"`python tools/bench_infer.py --config {config} --threads {r['threads']} --batch-size {r['batch_size']}"
        + (f" --checkpoint {r['checkpoint']}" if r["checkpoint"] else "") + "` on "
        f"{r['machine']}, torch {r['torch']} ({r['threads']} thread(s)), {r['date']}, commit `{r['commit']}`, "
        f"load average {r['load_start']:.1f} at the start and {r['load_end']:.1f} at the end (shared cores).", "",
        f"Scene: `{r['raster']}`, {r['raster_size'][0]} x {r['raster_size'][1]} px synthetic GeoTIFF "
        f"(generator `--tile`, {r['objects']} objects), windows {r['patch']} px with gap {r['gap']}: "
        f"{b['patches']} patches, batches of {r['batch_size']}; detector of "
        f"`{config}`, {ckpt}, reparameterised (RepVGG branches and batch norms folded) in every run. "
        "Each run in its own process after one warm-up batch; "
        f"best of {r['rounds']} runs of each kind in ABBA order (every run in the JSON); the bare forward and "
        "patch call are timed batch by batch, interleaved.", "",
        *md_table(["run", "wall time", "patches/s", "peak RSS"], [
            ["tiled predictor (read on a thread, normalise, model, per-patch decoding + NMS on a second thread, "
             "merge, GeoJSON)", f"{t['wall_s']:.1f} s", f"{b['patches'] / t['wall_s']:.2f}",
             f"{t['peak_rss_mib']:.0f} MiB"],
            ["bare model forward over the same in-memory patches", f"{b['forward_s']:.1f} s",
             f"{b['patches'] / b['forward_s']:.2f}", "–"],
            ["per-patch model call (forward + decode + per-patch NMS) over the same patches",
             f"{b['patch_call_s']:.1f} s", f"{b['patches'] / b['patch_call_s']:.2f}", "–"]], "lrrr"), "",
        f"Inside the tiled run: model {t['stats']['seconds_model']:.1f} s"
        + (f" (decoding + NMS {t['stats']['seconds_postprocess_thread']:.1f} s beside it on the worker thread)"
           if "seconds_postprocess_thread" in t["stats"] else "") + ", waiting for the reader "
        f"{t['stats']['seconds_waiting']:.1f} s, merge {t['stats']['seconds_merge']:.2f} s "
        f"({t['stats']['raw_detections']} patch detections -> {t['stats']['detections']}); RSS after building the "
        f"model {t['rss_after_model_mib']:.0f} MiB. The bare run held all patches in memory "
        f"(peak {b['peak_rss_mib']:.0f} MiB). " + malloc_line(r), "",
        paired_line(r) +
        f"Targets: tiled wall time within 10 % of the bare forward: **{r['ratio_vs_forward']:.3f}x** "
        f"({ok(r['ratio_vs_forward'] <= 1.10)}; {r['ratio_vs_patch_call']:.3f}x the per-patch model call); "
        f"peak RSS under 2 GiB: **{t['peak_rss_mib']:.0f} MiB** ({ok(t['peak_rss_mib'] < 2048)}).", "",
        "![tiled inference](infer.png)", ""])


def paired_line(r: dict) -> str:
    """Tiled / bare forward of each round (the runs next to each other in time)."""
    runs = r.get("all_runs", {})
    pairs = [t["wall_s"] / b["forward_s"] for t, b in zip(runs.get("tiled", []), runs.get("bare", []))
             if t.get("wall_s") and b.get("forward_s")]
    if len(pairs) < 2:
        return ""
    return "Round by round, tiled / bare forward: " + ", ".join(f"{p:.3f}x" for p in pairs) + ". "


def malloc_line(r: dict) -> str:
    """How memory was allocated in both runs, with their minor page faults a patch."""
    t, b = r["tiled"], r["bare"]
    if "minor_faults" not in t:
        return ""
    how = ("glibc kept freed blocks for reuse (`retain_freed_memory`, as `tools/infer_large.py` does)"
           if r.get("malloc") == "retain" else "glibc's default malloc")
    return (f"Both runs: {how}; minor page faults a patch: tiled {t['minor_faults'] / b['patches']:.0f}, "
            f"bare (forward + patch call) {b['minor_faults'] / b['patches']:.0f}.")


def plot(r: dict, path: str) -> None:
    """Wall times of the three runs and the tiled run's peak RSS."""
    t, b = r["tiled"], r["bare"]
    fig, (ax1, ax2) = pyplot().subplots(1, 2, figsize=(9, 3.2), gridspec_kw=dict(width_ratios=[3, 1]))
    names = ["tiled predictor", "bare forward", "per-patch call"]
    vals = [t["wall_s"], b["forward_s"], b["patch_call_s"]]
    ax1.barh(names, vals, color=["tab:blue", "tab:gray", "tab:olive"])
    for i, v in enumerate(vals):
        ax1.text(v, i, f" {v:.1f} s", va="center")
    ax1.set_xlabel(f"wall time over {b['patches']} patches (s), {r['threads']} thread(s)")
    ax1.set_xlim(0, max(vals) * 1.25)
    ax2.bar(["peak RSS"], [t["peak_rss_mib"]], color="tab:blue")
    ax2.axhline(2048, color="tab:red", ls="--", label="2 GiB target")
    ax2.set_ylabel("MiB")
    ax2.legend(loc="lower right", fontsize=8)
    save_figure(fig, path)


if __name__ == "__main__":
    main()
