"""Time daik's compiled geometric ops against shapely 2 and the pure-torch references.

    python tools/bench_ops.py [--quick] [--device cpu|cuda] [--out benchmarks/ops.json]

Every timing is the median of several repeats after a warm-up call, all in one run, so the
ratios compare implementations under the same machine load. Slow peers are timed on a
smaller problem where the full one would take minutes or gigabytes; their ratio is then
taken against daik timed on that same smaller problem (the table says which size). Writes
the JSON, a plot next to it (.png) and the section between ``<!-- ops:begin -->`` and
``<!-- ops:end -->`` of ``benchmarks/README.md``. An ``mmcv`` column appears only when
``mmcv.ops`` happens to be importable.
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import time

import numpy as np
import shapely
import torch

from daik.ops import box_iou_rotated, nms_rotated, poly_iou
from daik.ops.reference import box_iou_rotated_ref, nms_rotated_ref, poly_iou_ref
from daik.structures import rbox2poly
from daik.utils import git_commit, replace_section

# Problem sizes. The dense case is smaller because shapely needs ~75 µs per overlapping pair;
# ref_* are the smaller problems on which the (slow, memory-hungry) references are timed.
SIZES = {
    "full": dict(pair=1000, dense=300, aligned=10000, nms=5000, merge=40000, poly=1000, ref_rows=100,
                 ref_nms=500, ref_poly_rows=5, repeats=7, slow_repeats=3),
    "quick": dict(pair=300, dense=100, aligned=3000, nms=1500, merge=8000, poly=300, ref_rows=30,
                  ref_nms=200, ref_poly_rows=2, repeats=3, slow_repeats=1),
}
IMPLS = ["daik", "daik (1 thread)", "daik exhaustive loop", "shapely (all pairs)", "shapely (STRtree)",
         "reference", "mmcv"]
NMS_THR = 0.1


def try_mmcv():
    """``(box_iou_rotated, nms_rotated)`` of mmcv.ops, or None when it is not importable."""
    try:
        from mmcv.ops import box_iou_rotated as iou, nms_rotated as nms

        return iou, nms
    except Exception:  # not a dependency: any import failure just drops the column
        return None


# ---------------------------------------------------------------- data (float32, like a detector)
def scene_boxes(n: int, seed: int, extent: float = 1024.0) -> torch.Tensor:
    """``(n, 5)`` boxes over a DOTA-sized image: sizes 8-200 px, any angle."""
    g = torch.Generator().manual_seed(seed)
    b = torch.rand(n, 5, generator=g)
    b[:, :2] *= extent
    b[:, 2:4] = 8 + b[:, 2:4] * 192
    b[:, 4] = (b[:, 4] - 0.5) * torch.pi
    return b


def dense_boxes(n: int, seed: int) -> torch.Tensor:
    """``(n, 5)`` boxes piled on one spot (40-120 px within 32 px): nearly every pair overlaps."""
    b = scene_boxes(n, seed, extent=32.0)
    b[:, 2:4] = 40 + b[:, 2:4] / 200 * 80
    return b


def jittered(b: torch.Tensor, seed: int, scale: float = 0.15) -> torch.Tensor:
    """Each box moved, resized and turned a little (a prediction of its target)."""
    g = torch.Generator().manual_seed(seed)
    noise = torch.randn(b.shape, generator=g) * scale
    size = b[:, 2:4].mean(1, keepdim=True)
    return torch.cat([b[:, :2] + noise[:, :2] * size, b[:, 2:4] * noise[:, 2:4].exp(),
                      b[:, 4:] + noise[:, 4:]], 1)


def detections(n: int, seed: int):
    """``(n, 5)`` boxes as a detector emits them before NMS (20 per object) and their scores."""
    objects = scene_boxes(max(1, n // 20), seed, extent=2048.0)
    boxes = jittered(objects.repeat_interleave(20, 0)[:n], seed + 1, scale=0.1)
    return boxes, torch.rand(n, generator=torch.Generator().manual_seed(seed + 2))


# ---------------------------------------------------------------- shapely peers
def polygons(boxes_or_polys) -> np.ndarray:
    a = boxes_or_polys
    if isinstance(a, torch.Tensor):
        a = rbox2poly(a.double().cpu()).numpy()
    return shapely.polygons(np.asarray(a, dtype=np.float64).reshape(-1, 4, 2))


def shapely_iou(a, b, aligned: bool = False) -> np.ndarray:
    """IoU of all pairs ``(N, M)`` (or of aligned pairs ``(N,)``), vectorised over pairs."""
    p, q = polygons(a), polygons(b)
    if not aligned:
        p, q = p[:, None], q[None, :]
    inter = shapely.area(shapely.intersection(p, q))
    return inter / (shapely.area(p) + shapely.area(q) - inter)


def shapely_iou_strtree(a, b) -> np.ndarray:
    p, q = polygons(a), polygons(b)
    i, j = shapely.STRtree(q).query(p, predicate="intersects")
    inter = shapely.area(shapely.intersection(p[i], q[j]))
    out = np.zeros((len(p), len(q)))
    out[i, j] = inter / (shapely.area(p)[i] + shapely.area(q)[j] - inter)
    return out


def shapely_nms(boxes, scores, thr: float) -> np.ndarray:
    """Greedy NMS on an STRtree's overlapping pairs (IoU of those pairs vectorised)."""
    p = polygons(boxes)
    i, j = shapely.STRtree(p).query(p, predicate="intersects")
    i, j = i[i != j], j[i != j]
    inter = shapely.area(shapely.intersection(p[i], p[j]))
    area = shapely.area(p)
    over = inter / (area[i] + area[j] - inter) > thr
    order = np.argsort(i[over], kind="stable")
    i, j = i[over][order], j[over][order]
    starts = np.searchsorted(i, np.arange(len(p) + 1))
    removed = np.zeros(len(p), bool)
    keep = []
    for k in np.argsort(-scores.numpy(), kind="stable"):
        if not removed[k]:
            keep.append(k)
            removed[j[starts[k]:starts[k + 1]]] = True
    return np.array(keep)


# ---------------------------------------------------------------- timing
def measure(fn, repeats: int, device: str) -> dict:
    """Median seconds of ``fn()`` over ``repeats`` calls after one warm-up call."""
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    fn()
    sync()
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        sync()
        runs.append(time.perf_counter() - t0)
    return {"median_s": statistics.median(runs), "runs_s": runs}


def single_thread(fn):
    def run():
        n = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return fn()
        finally:
            torch.set_num_threads(n)

    return run


# ---------------------------------------------------------------- cases
def case_iou_pairwise(title: str, make, n: int, s: dict, dev: str, mmcv) -> dict:
    a, b = make(n, 1), make(n, 2)
    ad, bd, r = a.to(dev), b.to(dev), s["ref_rows"]
    full, part = f"{n}x{n}", f"{r}x{n}"
    entries = [
        ("daik", full, lambda: box_iou_rotated(ad, bd), s["repeats"]),
        ("shapely (all pairs)", full, lambda: shapely_iou(a, b), s["slow_repeats"]),
        ("shapely (STRtree)", full, lambda: shapely_iou_strtree(a, b), s["slow_repeats"]),
        ("daik", part, lambda: box_iou_rotated(ad[:r], bd), s["repeats"]),
        ("reference", part, lambda: box_iou_rotated_ref(ad[:r], bd), s["slow_repeats"]),
    ]
    if mmcv:
        entries.append(("mmcv", full, lambda: mmcv[0](ad, bd), s["repeats"]))
    ours = box_iou_rotated(a, b).double().numpy()
    check = {"max_abs_diff_vs_shapely": float(np.abs(ours - shapely_iou(a, b)).max()),
             "overlapping_pair_fraction": float((ours > 0).mean())}
    return dict(title=title, op="box_iou_rotated", problem=full, entries=entries, check=check)


def case_iou_aligned(n: int, s: dict, dev: str, mmcv) -> dict:
    a = scene_boxes(n, 3)
    b = jittered(a, 4)
    ad, bd, prob = a.to(dev), b.to(dev), str(n)
    entries = [("daik", prob, lambda: box_iou_rotated(ad, bd, aligned=True), s["repeats"]),
               ("shapely (all pairs)", prob, lambda: shapely_iou(a, b, aligned=True), s["slow_repeats"]),
                ("reference", prob, lambda: box_iou_rotated_ref(ad, bd, aligned=True), s["slow_repeats"])]
    if mmcv:
        entries.append(("mmcv", prob, lambda: mmcv[0](ad, bd, aligned=True), s["repeats"]))
    ours = box_iou_rotated(a, b, aligned=True).double().numpy()
    check = {"max_abs_diff_vs_shapely": float(np.abs(ours - shapely_iou(a, b, aligned=True)).max())}
    return dict(title=f"box_iou_rotated, {n} aligned pairs", op="box_iou_rotated", problem=prob,
                entries=entries, check=check)


def case_iou_backward(n: int, s: dict, dev: str) -> dict:
    a = scene_boxes(n, 5).to(dev)
    b = jittered(a.cpu(), 6).to(dev)

    def step(fn):
        def run():
            x, y = a.clone().requires_grad_(True), b.clone().requires_grad_(True)
            fn(x, y, "iou", True).sum().backward()
        return run

    prob = str(n)
    entries = [("daik", prob, step(box_iou_rotated), s["repeats"]),
               ("reference", prob, step(box_iou_rotated_ref), s["slow_repeats"])]
    return dict(title=f"box_iou_rotated forward + backward, {n} aligned pairs", op="box_iou_rotated",
                problem=prob, entries=entries, check={})


def case_nms(n: int, s: dict, dev: str, mmcv) -> dict:
    boxes, scores = detections(n, 7)
    bd, sd, r = boxes.to(dev), scores.to(dev), s["ref_nms"]
    entries = [("daik", str(n), lambda: nms_rotated(bd, sd, NMS_THR), s["repeats"]),
               ("shapely (STRtree)", str(n), lambda: shapely_nms(boxes, scores, NMS_THR), s["slow_repeats"]),
                ("daik", str(r), lambda: nms_rotated(bd[:r], sd[:r], NMS_THR), s["repeats"]),
                ("reference", str(r), lambda: nms_rotated_ref(bd[:r], sd[:r], NMS_THR), s["slow_repeats"])]
    if mmcv:
        entries.append(("mmcv", str(n), lambda: mmcv[1](bd, sd, NMS_THR), s["repeats"]))
    keep = nms_rotated(boxes, scores, NMS_THR).numpy()
    check = {"kept": int(len(keep)), "same_keep_as_shapely": bool(np.array_equal(keep, shapely_nms(boxes, scores, NMS_THR)))}
    return dict(title=f"nms_rotated, {n} boxes (IoU > {NMS_THR})", op="nms_rotated", problem=str(n),
                entries=entries, check=check)


def case_merge(n: int, s: dict) -> dict:
    """Merging the patch detections of a whole scene: ``n`` boxes over 10,000 px, each object
    found 1-5 times; the grid loop of nms_rotated against its exhaustive loop (CPU)."""
    from daik.ops._ext import load_ops

    g = torch.Generator().manual_seed(11)
    objects = scene_boxes(n // 3, 12, extent=10000.0)
    objects[:, 2:4] = 8 + torch.rand(len(objects), 2, generator=g) * 72
    boxes = jittered(objects.repeat_interleave(torch.randint(1, 6, (len(objects),), generator=g), 0)[:n], 13,
                     scale=0.05)
    scores = torch.rand(len(boxes), generator=g)
    labels = torch.randint(0, 15, (len(boxes),), generator=g)
    ops = load_ops()
    entries = [("daik", str(len(boxes)), lambda: ops.nms_rotated(boxes, scores, NMS_THR, labels), s["repeats"]),
               ("daik exhaustive loop", str(len(boxes)),
                lambda: ops.nms_rotated_exhaustive(boxes, scores, NMS_THR, labels), s["slow_repeats"])]
    keep = ops.nms_rotated(boxes, scores, NMS_THR, labels)
    check = {"kept": int(len(keep)),
             "same_keep_as_exhaustive": bool(torch.equal(keep, ops.nms_rotated_exhaustive(boxes, scores, NMS_THR,
                                                                                          labels)))}
    return dict(title=f"batched_nms_rotated, scene merge: {len(boxes)} boxes over 10,000 px, 15 classes (CPU)",
                op="nms_rotated", problem=str(len(boxes)), entries=entries, check=check, threaded=False)


def case_poly(n: int, s: dict) -> dict:
    p = rbox2poly(scene_boxes(n, 8).double()).numpy()
    q = rbox2poly(scene_boxes(n, 9).double()).numpy()
    r = s["ref_poly_rows"]
    full, part = f"{n}x{n}", f"{r}x{n}"
    entries = [("daik", full, lambda: poly_iou(p, q), s["repeats"]),
               ("shapely (all pairs)", full, lambda: shapely_iou(p, q), s["slow_repeats"]),
               ("shapely (STRtree)", full, lambda: shapely_iou_strtree(p, q), s["slow_repeats"]),
               ("daik", part, lambda: poly_iou(p[:r], q), s["repeats"]),
               ("reference", part, lambda: poly_iou_ref(p[:r], q), s["slow_repeats"])]
    small = ("daik", "1x8", lambda: poly_iou(p[:1], q[:8]), 200)  # one detection vs its candidates
    check = {"max_abs_diff_vs_shapely": float(np.abs(poly_iou(p, q) - shapely_iou(p, q)).max())}
    return dict(title=f"poly_iou, {n}x{n} DOTA quadrilaterals (CPU)", op="poly_iou", problem=full,
                entries=entries + [small], check=check, threaded=False)


# ---------------------------------------------------------------- running and reporting
def run_case(case: dict, device: str) -> dict:
    """Time every entry of a case (plus daik on one thread, for threaded CPU kernels);
    speed-ups are against daik on the same problem."""
    print(f"{case['title']}", flush=True)
    entries = list(case["entries"])
    if device == "cpu" and case.get("threaded", True) and torch.get_num_threads() > 1:
        _, problem, fn, repeats = entries[0]
        entries.insert(1, ("daik (1 thread)", problem, single_thread(fn), repeats))
    results = []
    for impl, problem, fn, repeats in entries:
        m = measure(fn, repeats, device)
        print(f"  {impl:<20} {problem:>10}  {fmt_seconds(m['median_s'])}", flush=True)
        results.append(dict(impl=impl, problem=problem, repeats=repeats, **m))
    daik = {r["problem"]: r["median_s"] for r in results if r["impl"] == "daik"}
    for r in results:
        r["daik_speedup"] = r["median_s"] / daik[r["problem"]]
    return dict(title=case["title"], op=case["op"], problem=case["problem"], check=case["check"],
                results=results)


def fmt_seconds(t: float) -> str:
    if t >= 1:
        return f"{t:.2f} s"
    if t >= 1e-3:
        return f"{t * 1e3:.2f} ms"
    return f"{t * 1e6:.1f} µs"


def cell(case: dict, impl: str) -> str:
    rows = [r for r in case["results"] if r["impl"] == impl]
    if not rows:
        return "–"
    r = next((x for x in rows if x["problem"] == case["problem"]), rows[0])
    if impl == "daik":
        return fmt_seconds(r["median_s"])
    text = f"{fmt_seconds(r['median_s'])} ({r['daik_speedup']:.1f}x)"
    return text if r["problem"] == case["problem"] else f"{text} at {r['problem']}"


def markdown(report: dict) -> str:
    meta = report["meta"]
    impls = [i for i in IMPLS if any(r["impl"] == i for c in report["cases"] for r in c["results"])]
    lines = [
        "## Geometric ops (`tools/bench_ops.py`)",
        "",
        f"`{meta['command']}` on {meta['device_name']} (torch threads: {meta['torch_threads']}), "
        f"torch {meta['torch']}, shapely {meta['shapely']}, {meta['date']}, commit `{meta['commit']}`, "
        f"load average {meta['load_average_start']:.1f} at the start and "
        f"{meta['load_average_end']:.1f} at the end (the machine's cores are shared).",
        "",
        "Median of repeated runs after a warm-up. `(Nx)`: that column's time over daik's on the "
        "same problem (daik is N times faster); `at RxM`: the peer was timed on that smaller "
        "problem, and so was daik for its ratio. float32 boxes; shapely gets the same corners in "
        "float64. Shapely is single-threaded; the torch references use the same torch threads as "
        "daik. When other work keeps the cores busy, every multi-threaded torch region can stall "
        "for milliseconds (the references, made of many small ops, suffer most): on such a "
        "machine run with `--threads 1`.",
        "",
        "| case | " + " | ".join(impls) + " |",
        "|---" * (len(impls) + 1) + "|",
    ]
    for c in report["cases"]:
        lines.append(f"| {c['title']} | " + " | ".join(cell(c, i) for i in impls) + " |")
    lines += ["", "Checks in the same run:", ""]
    for c in report["cases"]:
        checks = [f"{k} = {v:.3g}" if isinstance(v, float) else f"{k} = {v}" for k, v in c["check"].items()]
        checks += [f"one polygon against 8 per call: {fmt_seconds(r['median_s'])}"
                   for r in c["results"] if r["problem"] == "1x8"]
        lines += [f"- {c['title']}: " + ", ".join(checks)] if checks else []
    t = report["target"]
    one = f"; single-threaded {t['speedup_1thread']:.0f}x" if t and meta["torch_threads"] > 1 else ""
    lines += ["", f"Target: compiled `box_iou_rotated` {t['problem']} on CPU at least 50x faster than "
                  f"shapely vectorised (all pairs): **{t['speedup']:.0f}x** "
                  f"({'met' if t['speedup'] >= 50 else 'NOT met'}){one}." if t else ""]
    lines += ["", f"![speed-ups]({os.path.basename(report['plot'])})" if report.get("plot") else ""]
    return "\n".join(lines).rstrip() + "\n"




def plot(report: dict, path: str) -> None:
    """Bars of daik's speed-up over each peer (log scale), one group per case."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    peers = [i for i in IMPLS[1:] if any(r["impl"] == i for c in report["cases"] for r in c["results"])]
    cases = report["cases"]
    fig, ax = plt.subplots(figsize=(11, 1.5 + 0.2 * len(cases) * len(peers)))
    height = 0.8 / len(peers)
    for k, impl in enumerate(peers):
        ys, xs = [], []
        for i, c in enumerate(cases):
            r = next((x for x in c["results"] if x["impl"] == impl and x["problem"] != "1x8"), None)
            if r is not None:
                ys.append(i + k * height)
                xs.append(r["daik_speedup"])
        ax.barh(ys, xs, height=height, label=impl)
    ax.set_xscale("log")
    ax.axvline(1.0, color="k", lw=0.8)
    ax.set_yticks([i + 0.4 - height / 2 for i in range(len(cases))], [c["title"] for c in cases], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("peer time / daik time (same problem), log scale")
    ax.set_title(f"daik geometric ops on {report['meta']['device_name']}")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def meta(args) -> dict:
    """What the numbers were measured on (the load average tells how busy the machine was)."""
    import sys

    cpus = ([l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")]
            if os.path.exists("/proc/cpuinfo") else [])
    name = (torch.cuda.get_device_name() if args.device == "cuda"
            else f"{cpus[0]} x{len(cpus)}" if cpus else platform.machine())
    return dict(command=" ".join(["python tools/bench_ops.py"] + sys.argv[1:]), device=args.device,
                device_name=name, torch=torch.__version__, shapely=shapely.__version__,
                torch_threads=torch.get_num_threads(), quick=args.quick, commit=git_commit(),
                date=datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), load_average_start=os.getloadavg()[0])


def target(cases: list, device: str):
    """The speed target: pairwise box IoU against shapely, all pairs vectorised (CPU only)."""
    if device != "cpu":
        return None
    c = cases[0]
    get = lambda impl: next(r for r in c["results"] if r["impl"] == impl and r["problem"] == c["problem"])  # noqa: E731
    shp = get("shapely (all pairs)")["median_s"]
    one = get("daik (1 thread)") if torch.get_num_threads() > 1 else get("daik")
    return dict(problem=c["problem"], speedup=shp / get("daik")["median_s"],
                speedup_1thread=shp / one["median_s"])


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smaller problems and fewer repeats")
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    ap.add_argument("--threads", type=int, default=0,
                    help="torch threads for every implementation (0: torch's default); with more "
                         "than one, daik is also timed on one thread")
    ap.add_argument("--out", default="benchmarks/ops.json", help="JSON; the plot goes next to it (.png)")
    ap.add_argument("--readme", default=None, help="markdown to update (default: README.md next to --out)")
    args = ap.parse_args(argv)
    if args.device == "cuda" and not torch.cuda.is_available():
        ap.error("--device cuda needs a CUDA device")
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    s = SIZES["quick" if args.quick else "full"]
    mmcv = try_mmcv()
    specs = [
        lambda: case_iou_pairwise(f"box_iou_rotated, {s['pair']}x{s['pair']} boxes in a 1024 px scene",
                                  scene_boxes, s["pair"], s, args.device, mmcv),
        lambda: case_iou_pairwise(f"box_iou_rotated, {s['dense']}x{s['dense']} piled-up boxes (dense)",
                                  dense_boxes, s["dense"], s, args.device, mmcv),
        lambda: case_iou_aligned(s["aligned"], s, args.device, mmcv),
        lambda: case_iou_backward(s["aligned"], s, args.device),
        lambda: case_nms(s["nms"], s, args.device, mmcv),
        lambda: case_merge(s["merge"], s),
        lambda: case_poly(s["poly"], s),
    ]
    info = meta(args)
    cases = [run_case(spec(), args.device) for spec in specs]
    info["load_average_end"] = os.getloadavg()[0]
    out_dir = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    report = dict(meta=info, cases=cases, target=target(cases, args.device),
                  plot=os.path.splitext(args.out)[0] + ".png")
    with open(args.out, "w") as f:
        json.dump(report, f, indent=1)
    plot(report, report["plot"])
    replace_section(args.readme or os.path.join(out_dir, "README.md"), "ops", markdown(report))
    if report["target"]:
        print(f"box_iou_rotated vs shapely (all pairs): {report['target']['speedup']:.0f}x")
    return report


if __name__ == "__main__":
    main()
