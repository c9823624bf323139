"""Benchmark of ``daik.evaluation.eval_dota_task1`` against a pure shapely implementation of
the same metric, in one run, on synthetic DOTA-like ground truth and detections.

    daik bench eval --num-images 1000 --out benchmarks/eval.json
    daik bench eval --quick            # 100 images, for a smoke run

Ground truth (rotated boxes of the 15 DOTA-v1.0 classes, some difficult) and noisy detections
(misses, duplicates, false positives, class confusions, scores with 3 decimals so ties occur)
are synthesised directly, without pixels, and written as ``labelTxt`` and ``Task1_<class>.txt``.
Both implementations read the same files; the tool asserts they give the same APs (VOC07 and
area forms), and writes the timings as JSON and as the ``eval`` section of
``benchmarks/README.md``.
"""
import argparse
import json
import platform
import tempfile
from pathlib import Path

import numpy as np
import shapely

from daik.bench.common import argv_of, best_time, machine, md_table, replace_section, tool_command, write_json
from daik.bench.references import shapely_eval
from daik.classes import DOTA_V1_0
from daik.evaluation import eval_dota_task1
from daik.ops._ext import use_reference_ops
from daik.structures import rbox2poly

# rough DOTA-like class frequencies: vehicles and ships dominate
CLASS_WEIGHTS = np.array([6, 1, 2, 1, 25, 15, 14, 4, 1, 6, 1, 1, 5, 2, 1], dtype=float)


def _objects(rng, n):
    """``(n, 5)`` rboxes in a 1024 x 1024 image and their class indices."""
    long_side = np.exp(rng.uniform(np.log(10), np.log(200), n))
    aspect = rng.uniform(1.0, 4.0, n)
    boxes = np.column_stack([rng.uniform(0, 1024, (n, 2)), long_side, long_side / aspect,
                             rng.uniform(-np.pi / 2, np.pi / 2, n)])
    return boxes, rng.choice(len(DOTA_V1_0), n, p=CLASS_WEIGHTS / CLASS_WEIGHTS.sum())


def _detections(rng, boxes, labels, difficult):
    """Noisy detections of one image: ``(rboxes (D, 5), scores (D,), labels (D,))``."""
    found = rng.random(len(boxes)) < np.where(difficult, 0.5, 0.9)
    dup = found & (rng.random(len(boxes)) < 0.05)
    src = np.concatenate([np.flatnonzero(found), np.flatnonzero(dup)])
    det = boxes[src].copy()
    short = det[:, 3:4]
    det[:, :2] += rng.normal(0, 0.08, (len(src), 2)) * short
    det[:, 2:4] *= np.exp(rng.normal(0, 0.1, (len(src), 2)))
    det[:, 4] += rng.normal(0, 0.08, len(src))
    score = np.clip(0.55 + 0.25 * rng.standard_normal(len(src)), 0.01, 1.0)
    lab = labels[src].copy()
    confuse = rng.random(len(src)) < 0.03
    lab[confuse] = rng.integers(0, len(DOTA_V1_0), confuse.sum())
    n_fp = rng.poisson(0.2 * len(boxes) + 1)
    fp_boxes, fp_labels = _objects(rng, n_fp)
    det = np.concatenate([det, fp_boxes])
    score = np.concatenate([score, np.clip(0.3 * rng.random(n_fp) ** 2, 0.01, 1.0)])
    return det, np.round(score, 3), np.concatenate([lab, fp_labels])


def synthesise(out_dir: Path, num_images: int, seed: int) -> dict:
    """Write ``out_dir/labelTxt/*.txt`` and ``out_dir/det/Task1_*.txt``; return counts."""
    from rich.progress import track

    rng = np.random.default_rng(seed)
    (out_dir / "labelTxt").mkdir(parents=True, exist_ok=True)
    (out_dir / "det").mkdir(parents=True, exist_ok=True)
    det_lines = {c: [] for c in DOTA_V1_0}
    n_gt = n_det = 0
    for k in track(range(num_images), description="synthesising", transient=True):
        img_id = f"P{k:05d}"
        boxes, labels = _objects(rng, int(rng.integers(5, 80)))
        difficult = rng.random(len(boxes)) < 0.08
        polys = rbox2poly(boxes).reshape(-1, 8)
        lines = ["imagesource:GoogleEarth", "gsd:0.146"]
        lines += [" ".join(f"{v:.1f}" for v in p) + f" {DOTA_V1_0[c]} {int(d)}"
                  for p, c, d in zip(polys, labels, difficult)]
        (out_dir / "labelTxt" / f"{img_id}.txt").write_text("\n".join(lines) + "\n")
        det, score, lab = _detections(rng, boxes, labels, difficult)
        for p, s, c in zip(rbox2poly(det).reshape(-1, 8), score, lab):
            det_lines[DOTA_V1_0[c]].append(f"{img_id} {s:.3f} " + " ".join(f"{v:.1f}" for v in p))
        n_gt += len(boxes)
        n_det += len(det)
    for c, lines in det_lines.items():
        (out_dir / "det" / f"Task1_{c}.txt").write_text("".join(ln + "\n" for ln in lines))
    return {"num_gt": n_gt, "num_dets": n_det}


def run(work: Path, num_images: int, seed: int, repeats: int) -> dict:
    """Synthesise, time both implementations (VOC07), check both AP forms agree."""
    counts = synthesise(work, num_images, seed)
    det, ann, classes = work / "det", work / "labelTxt", list(DOTA_V1_0)
    t_daik, ours = best_time(lambda: eval_dota_task1(det, ann, classes, 0.5, True), repeats)
    t_shp, peer = best_time(lambda: shapely_eval(det, ann, classes, 0.5, True), repeats)
    ours_area = eval_dota_task1(det, ann, classes, 0.5, False)
    peer_area = shapely_eval(det, ann, classes, 0.5, False)
    diff = max(abs(ours[k] - peer[k]) for k in ours)
    diff_area = max(abs(ours_area[k] - peer_area[k]) for k in ours_area)
    assert diff < 1e-12 and diff_area < 1e-12, f"APs differ: {diff} (VOC07), {diff_area} (area)"
    return {
        "benchmark": "eval_dota_task1 vs shapely", "num_images": num_images, "seed": seed, **counts,
        "backend": "reference (DAIK_USE_REFERENCE_OPS=1)" if use_reference_ops() else "compiled _polyiou",
        "daik_s": round(t_daik, 4), "shapely_s": round(t_shp, 4), "speedup_vs_shapely": round(t_shp / t_daik, 2),
        "repeats": repeats, "mAP_voc07": ours["mAP"], "mAP_area": ours_area["mAP"],
        "max_abs_ap_diff_voc07": diff, "max_abs_ap_diff_area": diff_area,
        "per_class_ap_voc07": {c: ours[c] for c in classes},
        "python": platform.python_version(), "numpy": np.__version__, "shapely": shapely.__version__,
        "machine": machine(),
    }


def markdown(res: dict, command: str) -> str:
    """The ``eval`` section of benchmarks/README.md."""
    return "\n".join([
        "## Evaluation: `eval_dota_task1` vs a pure shapely implementation",
        "",
        f"`{command}` — {res['num_images']} synthetic images, {res['num_gt']} ground-truth objects, "
        f"{res['num_dets']} detections, 15 DOTA-v1.0 classes; polygon IoU backend: {res['backend']}; "
        f"best of {res['repeats']} runs each ({res['machine']}).",
        *([f"Note: {res['note']}"] if res.get("note") else []),
        "",
        *md_table(["implementation", "time (s)", "mAP (VOC07)", "mAP (area)"], [
            ["daik `eval_dota_task1`", f"{res['daik_s']:.3f}", f"{res['mAP_voc07']:.6f}", f"{res['mAP_area']:.6f}"],
            ["shapely (vectorised IoU per image)", f"{res['shapely_s']:.3f}", "same", "same"]], "lrrr"),
        "",
        f"Speed-up of daik over shapely: **{res['speedup_vs_shapely']:.2f}x**. Largest AP difference: "
        f"{res['max_abs_ap_diff_voc07']:.1e} (VOC07), {res['max_abs_ap_diff_area']:.1e} (area).",
    ])


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--num-images", type=int, default=1000)
    p.add_argument("--quick", action="store_true", help="100 images, one repeat")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--out", default="benchmarks/eval.json")
    p.add_argument("--work-dir", default=None, help="keep the synthetic files here (default: a temp dir)")
    p.add_argument("--note", default="", help="a remark stored with the results (e.g. how the ops were built)")
    args = p.parse_args(argv)
    args.argv = argv_of(argv)
    return args


def main(argv=None) -> dict:
    args = parse_args(argv)
    n, repeats = (100, 1) if args.quick else (args.num_images, args.repeats)
    with tempfile.TemporaryDirectory() as tmp:
        res = run(Path(args.work_dir or tmp), n, args.seed, repeats)
    res["note"] = args.note
    write_json(args.out, res)
    shown = [a for a in args.argv if a != args.note and a != "--note"]
    command = tool_command("bench_eval.py", shown)
    replace_section(str(Path(args.out).parent / "README.md"), "eval", markdown(res, command))
    print(json.dumps({k: v for k, v in res.items() if k != "per_class_ap_voc07"}, indent=2))
    return res


if __name__ == "__main__":
    main()
