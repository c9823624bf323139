"""Time daik's compiled geometric ops against shapely 2 and the pure-torch references.

    daik bench ops [--quick] [--device cpu|cuda] [--threads N] [--out benchmarks/ops.json]

Every timing is the median of several repeats after a warm-up call, all in one run, so the
ratios compare implementations under the same machine load. Slow peers are timed on a
smaller problem where the full one would take minutes or gigabytes; their ratio is then
taken against daik timed on that same smaller problem (the table says which size). Writes
the JSON, a plot next to it (.png) and the section between ``<!-- ops:begin -->`` and
``<!-- ops:end -->`` of ``benchmarks/README.md``. An ``mmcv`` column appears only when
``mmcv.ops`` happens to be importable.
"""
import argparse
import os

import numpy as np
import shapely
import torch

from daik.bench.common import (argv_of, beside, cpu_name, git_commit, load_average, median_time, now,
                               replace_section, tool_command, write_json)
from daik.bench.ops_report import fmt_seconds, markdown, plot
from daik.bench.references import shapely_iou, shapely_iou_strtree, shapely_nms
from daik.ops import box_iou_rotated, nms_rotated, poly_iou
from daik.ops.reference import box_iou_rotated_ref, nms_rotated_ref, poly_iou_ref
from daik.structures import rbox2poly

# Problem sizes. The dense case is smaller because shapely needs ~75 µs per overlapping pair;
# ref_* are the smaller problems on which the (slow, memory-hungry) references are timed.
SIZES = {
    "full": dict(pair=1000, dense=300, aligned=10000, nms=5000, merge=40000, poly=1000, ref_rows=100,
                 ref_nms=500, ref_poly_rows=5, repeats=7, slow_repeats=3),
    "quick": dict(pair=300, dense=100, aligned=3000, nms=1500, merge=8000, poly=300, ref_rows=30,
                  ref_nms=200, ref_poly_rows=2, repeats=3, slow_repeats=1),
}
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


def single_thread(fn):
    """``fn`` run with one torch thread (the thread count restored after)."""
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
    sync = torch.cuda.synchronize if device == "cuda" else None
    for impl, problem, fn, repeats in entries:
        m = median_time(fn, repeats, sync)
        print(f"  {impl:<20} {problem:>10}  {fmt_seconds(m['median_s'])}", flush=True)
        results.append(dict(impl=impl, problem=problem, repeats=repeats, **m))
    daik = {r["problem"]: r["median_s"] for r in results if r["impl"] == "daik"}
    for r in results:
        r["daik_speedup"] = r["median_s"] / daik[r["problem"]]
    return dict(title=case["title"], op=case["op"], problem=case["problem"], check=case["check"],
                results=results)


def meta(args) -> dict:
    """What the numbers were measured on (the load average tells how busy the machine was)."""
    name = torch.cuda.get_device_name() if args.device == "cuda" else cpu_name()
    return dict(command=tool_command("bench_ops.py", args.argv), device=args.device,
                device_name=name, torch=torch.__version__, shapely=shapely.__version__,
                torch_threads=torch.get_num_threads(), quick=args.quick, commit=git_commit(),
                date=now(), load_average_start=load_average())


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


def parse_args(argv=None):
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
    args.argv = argv_of(argv)
    return args


def main(argv=None) -> dict:
    args = parse_args(argv)
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
    info["load_average_end"] = load_average()
    report = dict(meta=info, cases=cases, target=target(cases, args.device), plot=beside(args.out, ".png"))
    write_json(args.out, report, indent=1)
    plot(report, report["plot"])
    readme = args.readme or os.path.join(os.path.dirname(os.path.abspath(args.out)), "README.md")
    replace_section(readme, "ops", markdown(report))
    if report["target"]:
        print(f"box_iou_rotated vs shapely (all pairs): {report['target']['speedup']:.0f}x")
    return report


if __name__ == "__main__":
    main()
