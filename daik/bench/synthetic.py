"""Speed of the synthetic data generator: N scenes of S x S pixels written as PNG + labelTxt.

    daik bench synthetic                       # 1000 x 512 px on 2 processes
    daik bench synthetic --num-images 200 --nproc 1

Target: 1,000 scenes of 512 x 512 in under 2 minutes on this 2-core machine. The peer in the
same run is the I/O floor: writing the same number of same-size PNGs of noisy pixels (PNG
encoding plus disk, no scene drawing) over the same processes; the ratio says how much the
drawing itself costs. Writes ``benchmarks/synthetic.json``, ``benchmarks/synthetic.md`` and
``benchmarks/synthetic.png``.
"""
import argparse
import json
import os
import platform
import shutil
import tempfile
import time
from multiprocessing import Pool

import numpy as np

from daik.bench.common import ROOT, md_table, pyplot, save_figure, write_json, write_text
from daik.data.image_io import write_image_rgb
from daik.data.synthetic import make_config, write_dataset


def _write_noise_png(args):
    i, out, size = args
    rng = np.random.default_rng(i)
    base = rng.integers(60, 200, 3).astype(np.int16)
    img = np.clip(base + rng.normal(0, 4, (size, size, 3)), 0, 255).astype(np.uint8)  # as noisy as a scene
    write_image_rgb(os.path.join(out, f"N{i:05d}.png"), img)


def png_floor(n: int, size: int, nproc: int, out: str) -> float:
    """Seconds to write ``n`` noisy ``size`` px PNGs into ``out`` over ``nproc`` processes."""
    os.makedirs(out, exist_ok=True)
    jobs = [(i, out, size) for i in range(n)]
    t0 = time.perf_counter()
    if nproc > 1:
        with Pool(nproc) as pool:
            list(pool.imap_unordered(_write_noise_png, jobs, chunksize=8))
    else:
        list(map(_write_noise_png, jobs))
    return time.perf_counter() - t0


def plot(result: dict, path: str) -> None:
    """The generator's time against the PNG floor's, with the target."""
    fig, ax = pyplot().subplots(figsize=(6, 2.6))
    labels = ["synthetic scenes", "PNG write floor"]
    values = [result["generator_s"], result["png_floor_s"]]
    ax.barh(labels, values, color=["tab:blue", "tab:gray"])
    ax.axvline(120, color="tab:red", ls="--", label="target: 120 s")
    ax.set_xlabel(f"seconds for {result['num_images']} images of {result['size']} px ({result['nproc']} processes)")
    ax.legend(loc="lower right")
    save_figure(fig, path, dpi=120)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--num-images", type=int, default=1000)
    p.add_argument("--size", type=int, default=512)
    p.add_argument("--nproc", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out-dir", default=os.path.join(ROOT, "benchmarks"))
    return p.parse_args(argv)


def markdown(result: dict, gen: float, floor: float, load_before) -> str:
    """``synthetic.md``: the run's figures in one row (``gen``, ``floor``: seconds, unrounded)."""
    n = result["num_images"]
    row = [n, result["size"], result["nproc"], f"{gen:.1f}", f"{n / gen:.1f}", f"{floor:.1f}", f"{gen / floor:.2f}",
           "yes" if gen < 120 else "no"]
    table = md_table(["images", "size", "processes", "generator (s)", "images/s", "PNG floor (s)", "ratio",
                      "target < 120 s"], [row], "l" * 8)
    return ("# Synthetic data generator speed\n\n`python tools/bench_synthetic.py` "
            f"(load average before: {', '.join(f'{v:.2f}' for v in load_before)})\n\n" + "\n".join(table) + "\n")


def main(argv=None) -> dict:
    args = parse_args(argv)
    tmp = tempfile.mkdtemp(prefix="daik_bench_syn_")
    try:
        load_before = os.getloadavg()
        t0 = time.perf_counter()
        summary = write_dataset(os.path.join(tmp, "syn"), args.num_images, make_config("dota", size=args.size),
                                seed=args.seed, nproc=args.nproc, progress=False)
        gen = time.perf_counter() - t0
        floor = png_floor(args.num_images, args.size, args.nproc, os.path.join(tmp, "floor"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    result = dict(num_images=args.num_images, size=args.size, nproc=args.nproc, seed=args.seed,
                  generator_s=round(gen, 2), images_per_s=round(args.num_images / gen, 2),
                  png_floor_s=round(floor, 2), ratio_to_png_floor=round(gen / floor, 2),
                  target_s=120.0, meets_target=gen < 120.0, objects=summary["objects"],
                  per_class=summary["per_class"], cpu_count=os.cpu_count(), load_avg_before=load_before,
                  python=platform.python_version())
    write_json(os.path.join(args.out_dir, "synthetic.json"), result)
    write_text(os.path.join(args.out_dir, "synthetic.md"), markdown(result, gen, floor, load_before))
    plot(result, os.path.join(args.out_dir, "synthetic.png"))
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
