"""Writing synthetic data sets (DOTA layout) and GeoTIFF tiles.

Scene ``i`` of seed ``s`` is rendered from ``numpy.random.default_rng(SeedSequence([s, i, 0]))``
alone, so the files of a seed are the same bytes however many processes write them and in
whatever order.
"""
import os
import shutil
from functools import partial
from typing import Dict, Optional, Tuple

import numpy as np
from mmengine.utils import ProgressBar

from ..formats import format_dota_lines
from ..image_io import write_bytes_atomic, write_image_rgb
from ..parallel import single_thread_cv2, worker_pool
from .config import SynthConfig
from .scene import Scene, generate_scene


def scene_rng(seed: int, index: int, stream: int = 0) -> np.random.Generator:
    """The generator of scene ``index`` of ``seed``; ``stream`` 0 for data-set scenes, 1 for
    GeoTIFF tiles (so a tile does not share its first draws with the data set's scene)."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), int(index), int(stream)]))


def image_name(index: int, prefix: str = "S") -> str:
    """File stem of scene ``index``: ``S00000``, ``S00001``, ..."""
    return f"{prefix}{index:05d}"


def label_text(scene: Scene) -> str:
    """labelTxt of a scene, with ``imagesource`` and ``gsd`` header lines."""
    meta = {"imagesource": "daik-synthetic", "gsd": f"{scene.gsd:.6f}"}
    return format_dota_lines(scene.polys, scene.names, scene.difficult.astype(int), meta=meta, decimals=2)


def _write_one(index: int, out_dir: str, seed: int, cfg: SynthConfig) -> Tuple[int, Dict[str, int]]:
    scene = generate_scene(scene_rng(seed, index), cfg)
    name = image_name(index)
    write_bytes_atomic(os.path.join(out_dir, "labelTxt", name + ".txt"), label_text(scene).encode("utf-8"))
    write_image_rgb(os.path.join(out_dir, "images", name + ".png"), scene.img)
    counts: Dict[str, int] = {}
    for n in scene.names:
        counts[n] = counts.get(n, 0) + 1
    return len(scene.names), counts


def prepare_output_folder(out_dir: str, overwrite: bool = False) -> None:
    """Refuse to write a data set into a folder that holds anything (same-named files would be
    replaced and two data sets mixed); with ``overwrite`` delete its ``images/`` and
    ``labelTxt/`` first (other files stay).

    Raises:
        FileExistsError: ``out_dir`` is not empty and ``overwrite`` is False.
        NotADirectoryError: ``out_dir`` is a file.
    """
    if not os.path.exists(out_dir):
        return
    if not os.path.isdir(out_dir):
        raise NotADirectoryError(f"{out_dir} is a file, not a folder")
    entries = sorted(os.listdir(out_dir))
    if not entries:
        return
    if not overwrite:
        raise FileExistsError(
            f"{out_dir} is not empty ({', '.join(entries[:5])}{', ...' if len(entries) > 5 else ''}): writing a data set "
            "there would replace same-named files and mix two data sets. Give a new or empty folder, or "
            "--overwrite to delete its images/ and labelTxt/ first.")
    for sub in ("images", "labelTxt"):
        if os.path.isdir(os.path.join(out_dir, sub)):
            shutil.rmtree(os.path.join(out_dir, sub))


def write_dataset(out_dir: str, num_images: int, cfg: SynthConfig = SynthConfig(), seed: int = 0,
                  nproc: int = 1, progress: bool = True) -> Dict[str, object]:
    """Write ``out_dir/images/S*.png`` and ``out_dir/labelTxt/S*.txt`` for ``num_images`` scenes.

    Returns:
        ``{"images": n, "objects": total, "per_class": {name: count}}``.
    """
    os.makedirs(os.path.join(out_dir, "images"), exist_ok=True)
    os.makedirs(os.path.join(out_dir, "labelTxt"), exist_ok=True)
    work = partial(_write_one, out_dir=out_dir, seed=seed, cfg=cfg)
    bar = ProgressBar(num_images) if progress and num_images else None
    total, per_class = 0, {}

    def collect(res):
        nonlocal total
        total += res[0]
        for k, v in res[1].items():
            per_class[k] = per_class.get(k, 0) + v
        if bar:
            bar.update()

    if nproc > 1 and num_images > 1:
        with worker_pool(nproc, single_thread_cv2, preload=[__name__]) as pool:
            for res in pool.imap_unordered(work, range(num_images), chunksize=4):
                collect(res)
    else:
        for i in range(num_images):
            collect(work(i))
    return {"images": num_images, "objects": total, "per_class": dict(sorted(per_class.items()))}


def write_tile(out_dir: str, cfg: SynthConfig, seed: int = 0, index: int = 0, crs: str = "EPSG:32633",
               origin: Optional[Tuple[float, float]] = None) -> str:
    """One scene of ``cfg.width x cfg.height`` as a GeoTIFF with a CRS and a north-up
    geotransform (pixel size = the scene's gsd), plus its labels in pixel coordinates.

    Writes ``out_dir/images/T<index>.tif`` (RGB, tiled 512 x 512, deflate) and
    ``out_dir/labelTxt/T<index>.txt``; ``origin`` is the upper-left corner in CRS units
    (default: a point in UTM zone 33N derived from the seed). Returns the GeoTIFF's path.
    """
    import rasterio
    from rasterio.transform import Affine

    scene = generate_scene(scene_rng(seed, index, stream=1), cfg)
    if origin is None:
        origin = (400000.0 + 1000.0 * (seed % 97), 4600000.0 - 1000.0 * (seed % 89))
    name = image_name(index, "T")
    for sub in ("images", "labelTxt"):
        os.makedirs(os.path.join(out_dir, sub), exist_ok=True)
    path = os.path.join(out_dir, "images", name + ".tif")
    h, w = scene.img.shape[:2]
    profile = dict(driver="GTiff", width=w, height=h, count=3, dtype="uint8", crs=crs,
                   transform=Affine(scene.gsd, 0.0, origin[0], 0.0, -scene.gsd, origin[1]), photometric="RGB",
                   tiled=True, blockxsize=512, blockysize=512, compress="deflate")
    tmp = path + ".tmp.tif"
    with rasterio.open(tmp, "w", **profile) as dst:
        dst.write(np.moveaxis(scene.img, -1, 0))
    os.replace(tmp, path)
    write_bytes_atomic(os.path.join(out_dir, "labelTxt", name + ".txt"), label_text(scene).encode("utf-8"))
    return path
