"""Detect objects in a whole satellite scene, window by window.

    daik infer CONFIG CKPT RASTER --out OUT.geojson [--patch 1024 --gap 200]
        [--rates 1.0 0.5] [--batch-size 4] [--task1-dir D] [--quicklook Q.png] [--threads N]
    torchrun --nproc_per_node 2 -m daik infer CONFIG CKPT RASTER --out OUT.geojson

Reads any raster rasterio opens (GeoTIFF incl. tiled / BigTIFF, PNG, JPEG) by windows, never
the whole scene. Writes GeoJSON polygons in the raster's CRS (class, score and the pixel
polygon as properties), optionally DOTA Task1 files and a quick-look PNG (a decimated scene
with the boxes drawn). Under ``torchrun`` the ranks share the windows (gloo) and rank 0
merges and writes. Defaults for the windowing and normalisation come from the config's
``infer_cfg`` dict when it has one (keys: patch, gap, rates, batch_size, bands, stretch,
percentiles); options given here override them.

Before the model is loaded every output is checked: writable, not a folder, not the input
raster (or config / checkpoint), not another output of the run; a raster without a CRS is
reported on the console (its GeoJSON holds pixel coordinates).
"""
import argparse
import json
import os
import sys
from typing import Optional, Sequence

from daik.engine.runner import DictAction
from daik.utils import retain_freed_memory

def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("config")
    p.add_argument("checkpoint")
    p.add_argument("raster", help="GeoTIFF / PNG / JPEG / anything rasterio opens")
    p.add_argument("--out", required=True, help="GeoJSON output")
    p.add_argument("--patch", type=int, help="window side in pixels (default 1024)")
    p.add_argument("--gap", type=int, help="overlap of neighbouring windows (default 200)")
    p.add_argument("--rates", type=float, nargs="+", help="scales of a multi-scale run (default 1.0)")
    p.add_argument("--batch-size", type=int, help="patches per model call (default 4)")
    p.add_argument("--prefetch", type=int, default=2, help="batches read ahead by the reader thread")
    p.add_argument("--bands", type=int, nargs=3, help="0-based bands used as R G B")
    p.add_argument("--stretch", choices=["percentile", "scale"], help="16-bit / float to 8-bit")
    p.add_argument("--percentiles", type=float, nargs=2, help="low/high percentile of the stretch (2 98)")
    p.add_argument("--score-thr", type=float, help="override the config's test_cfg.score_thr")
    p.add_argument("--iou-thr", type=float, default=0.1, help="rotated NMS threshold of the merge")
    p.add_argument("--keep-nodata", action="store_true", help="keep detections centred on nodata")
    p.add_argument("--task1-dir", help="also write DOTA Task1_<class>.txt files here")
    p.add_argument("--quicklook", help="also write a decimated scene with the boxes drawn (PNG)")
    p.add_argument("--quicklook-side", type=int, default=2048, help="longest side of the quick-look")
    p.add_argument("--quicklook-score-thr", type=float, default=0.3, help="draw boxes scoring at least this")
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, help="torch threads (default: torch's choice)")
    p.add_argument("--no-progress", action="store_true")
    p.add_argument("--malloc-default", action="store_true",
                   help="leave glibc's malloc as it is (default: freed blocks up to 32 MiB are kept for reuse, "
                        "see daik.utils.retain_freed_memory; faster on CPU)")
    p.add_argument("--cfg-options", nargs="+", action=DictAction, help="override config entries, key=value")
    p.add_argument("--local-rank", "--local_rank", type=int, default=0, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def write_quicklook(path: str, raster: str, result, class_names: Sequence[str], max_side: int = 2048,
                    score_thr: float = 0.3, norm: Optional[dict] = None) -> str:
    """The scene decimated to ``max_side`` pixels with the detections scoring >= ``score_thr``."""
    import numpy as np

    from daik.data.image_io import write_image_rgb
    from daik.engine.visualization import draw_rboxes
    from daik.inference import RasterSource

    with RasterSource(raster, **(norm or {})) as src:
        img, _ = src.overview(max_side)
    scale = img.shape[1] / result.width
    d = result.detections
    keep = d.scores >= score_thr
    boxes = np.array(d.bboxes[keep], dtype=np.float64).reshape(-1, 5)
    boxes[:, :4] *= scale
    img = draw_rboxes(img, boxes, d.labels[keep], d.scores[keep], class_names, thickness=1,
                      show_text=len(boxes) <= 200)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    write_image_rgb(path, img)
    return path


def main(argv=None):
    args = parse_args(argv)
    import torch

    from daik.apis import infer_scene, init_detector
    from daik.engine.runner import close_distributed
    from daik.inference import init_distributed, write_task1
    from daik.inference.preflight import check_outputs, crs_notice

    if args.threads:
        torch.set_num_threads(args.threads)
    if not args.malloc_default:
        retain_freed_memory()
    rank, world = init_distributed("gloo")
    # before any model, window or hour is spent (every rank, so that none waits on a failed one)
    check_outputs([args.raster, args.config, args.checkpoint], files={"--out": args.out, "--quicklook": args.quicklook},
                  folders={"--task1-dir": args.task1_dir}, image_files=["--quicklook"])
    notice = crs_notice(args.raster) if rank == 0 else None
    if notice:
        print(notice, file=sys.stderr)
    model = init_detector(args.config, args.checkpoint, device=args.device, cfg_options=args.cfg_options)
    names = model.dataset_meta["classes"]
    given = {k: getattr(args, k) for k in ("bands", "stretch", "percentiles") if getattr(args, k) is not None}
    result = infer_scene(model, args.raster, out=args.out, patch=args.patch, gap=args.gap, rates=args.rates,
                         batch_size=args.batch_size, prefetch=args.prefetch, score_thr=args.score_thr,
                         iou_thr=args.iou_thr, keep_nodata=args.keep_nodata, progress=not args.no_progress, **given)
    close_distributed()  # the last collective is behind us (see its docstring)
    if rank != 0:
        return None
    if args.task1_dir:
        write_task1(args.task1_dir, result, names)
    if args.quicklook:
        write_quicklook(args.quicklook, args.raster, result, names, args.quicklook_side, args.quicklook_score_thr,
                        result.norm)
    s = result.stats
    print(f"{s['detections']} detections from {s['patches']} patches ({s['skipped_nodata']} nodata windows "
          f"skipped, {world} rank(s)) in {s['seconds']:.1f} s, {s['patches_per_s']:.2f} patches/s on rank 0 "
          f"-> {args.out}")
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in s.items()}))
    return result
