"""Write daik's synthetic aerial data set (DOTA layout) or GeoTIFF scenes.

    daik synth OUT --num-images N --size S --seed K
    daik synth data/synthetic_quick/train --preset quick --num-images 2000 --seed 0
    daik synth OUT --tile --size 4096 --seed 3        # one GeoTIFF + labels

Writes ``OUT/images/S00000.png ...`` and ``OUT/labelTxt/S00000.txt ...`` (``imagesource`` and
``gsd`` header lines, then ``x1 y1 ... x4 y4 class difficult``); the same seed gives the same
bytes. With ``--tile`` each scene is a GeoTIFF ``OUT/images/T00000.tif`` with a CRS and a
geotransform, labels in pixel coordinates. OUT must be new or empty (``--overwrite`` deletes
its ``images/`` and ``labelTxt/`` first), so that two data sets are never mixed.
"""
import argparse
import json
import os
import time

from daik.data.synthetic import PRESETS, make_config, prepare_output_folder, write_dataset, write_tile


def parse_classes(text):
    """``plane,ship`` (default weights) or ``plane=2,ship=1``."""
    if text is None:
        return None
    items = [t.strip() for t in text.split(",") if t.strip()]
    if all("=" in t for t in items):
        return {k: float(v) for k, v in (t.split("=", 1) for t in items)}
    return items


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out", help="output folder")
    p.add_argument("--num-images", type=int, default=100, help="number of scenes (with --tile: of GeoTIFFs)")
    p.add_argument("--size", type=int, default=None, help="scene width (and height) in pixels; preset default")
    p.add_argument("--height", type=int, default=None, help="scene height when it differs from --size")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--preset", default="dota", choices=sorted(PRESETS))
    p.add_argument("--classes", default=None, help="subset 'plane,ship' or weights 'plane=2,ship=1'")
    p.add_argument("--density", type=float, default=None, help="multiplier on clusters and objects")
    p.add_argument("--min-size", type=float, default=None, help="smallest object long side, pixels")
    p.add_argument("--max-size", type=float, default=None, help="largest object long side, pixels")
    p.add_argument("--gsd", type=float, nargs=2, default=None, metavar=("LO", "HI"), help="metres per pixel range")
    p.add_argument("--clutter", type=float, default=None, help="multiplier on buildings and trees")
    p.add_argument("--noise", type=float, default=None, help="multiplier on blur, haze and noise")
    p.add_argument("--nproc", type=int, default=min(2, os.cpu_count() or 1))
    p.add_argument("--tile", action="store_true", help="write GeoTIFF scenes (default --size 4096)")
    p.add_argument("--overwrite", action="store_true",
                   help="OUT is not empty: delete its images/ and labelTxt/ first (default: refuse)")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    size = args.size if args.size is not None or not args.tile else 4096
    size_range = None
    if args.min_size is not None or args.max_size is not None:
        base = make_config(args.preset).obj_size_range
        size_range = (args.min_size or base[0], args.max_size or base[1])
    cfg = make_config(args.preset, size=size, height=args.height, classes=parse_classes(args.classes),
                      density=args.density, obj_size_range=size_range,
                      gsd_range=tuple(args.gsd) if args.gsd else None, clutter=args.clutter, noise=args.noise)
    try:
        prepare_output_folder(args.out, overwrite=args.overwrite)
    except (FileExistsError, NotADirectoryError) as e:
        raise SystemExit(f"make_synthetic: {e}") from None
    t0 = time.perf_counter()
    if args.tile:
        paths = [write_tile(args.out, cfg, seed=args.seed, index=i) for i in range(args.num_images)]
        print("\n".join(paths))
    else:
        summary = write_dataset(args.out, args.num_images, cfg, seed=args.seed, nproc=args.nproc)
        print()
        print(json.dumps(summary))
    print(f"done in {time.perf_counter() - t0:.1f} s")
