"""Checks made before a long run reads its first window: every output can be written, none is
an input or another output of the same run, and the user hears what the raster lacks.

An hours-long tiled inference must not fail at the end on an output it could have checked at
the start, nor overwrite the scene it read (``--out scene.tif``).
"""
import os
import tempfile
from typing import Dict, Optional, Sequence

IMAGE_OUTPUT_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp")


class OutputPathError(ValueError):
    """An output location that cannot or must not be written; the message says which and why."""


def _same(a: str, b: str) -> bool:
    if os.path.exists(a) and os.path.exists(b):
        return os.path.samefile(a, b)
    return os.path.realpath(a) == os.path.realpath(b)


def _probe_folder(folder: str, what: str) -> None:
    """Create ``folder`` if needed and write (then remove) a file in it: the one test of
    writability that also holds for root and for read-only mounts."""
    try:
        os.makedirs(folder, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".daik_probe_"):
            pass
    except OSError as e:
        raise OutputPathError(f"{what}: cannot write in {folder} ({e.strerror or e})") from None


def check_outputs(inputs: Sequence[str], files: Dict[str, Optional[str]], folders: Dict[str, Optional[str]],
                  image_files: Sequence[str] = ()) -> None:
    """Stop before any work when an output cannot or must not be written.

    Args:
        inputs: files the run reads (raster, config, checkpoint).
        files: ``{option: path}`` of output files (None: not asked for).
        folders: ``{option: path}`` of output folders (None: not asked for).
        image_files: options among ``files`` that are images (their suffix must be one OpenCV writes).

    Raises:
        OutputPathError: an output is an input or another output, a file output is a folder,
            an image output has a suffix nothing can write, or a location is not writable.
    """
    outs = {k: v for k, v in {**files, **folders}.items() if v}
    for key, path in outs.items():
        for src in inputs:
            if _same(path, src):
                raise OutputPathError(f"{key} {path} is an input of this run ({src}); it would be overwritten. "
                                      "Give another path.")
    keys = list(outs)
    for i, a in enumerate(keys):
        for b in keys[i + 1:]:
            if _same(outs[a], outs[b]):
                raise OutputPathError(f"{a} and {b} both name {outs[a]}; each output needs its own path")
    for key, path in ((k, v) for k, v in files.items() if v):
        if os.path.isdir(path):
            raise OutputPathError(f"{key} {path} is a folder; give a file name")
        if key in image_files and os.path.splitext(path)[1].lower() not in IMAGE_OUTPUT_SUFFIXES:
            raise OutputPathError(f"{key} {path}: an image needs one of the suffixes {IMAGE_OUTPUT_SUFFIXES}")
        _probe_folder(os.path.dirname(os.path.abspath(path)), key)
        if os.path.exists(path) and not os.access(path, os.W_OK):
            raise OutputPathError(f"{key} {path} exists and is not writable")
    for key, path in ((k, v) for k, v in folders.items() if v):
        if os.path.exists(path) and not os.path.isdir(path):
            raise OutputPathError(f"{key} {path} is a file, not a folder")
        _probe_folder(path, key)


def crs_notice(raster: str) -> Optional[str]:
    """What to tell the user when ``raster`` has no CRS (a plain image), else None."""
    import warnings

    import rasterio
    from rasterio.errors import NotGeoreferencedWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with rasterio.open(raster) as ds:
            if ds.crs is not None:
                return None
    return (f"note: {raster} has no CRS (a plain image, not georeferenced): the GeoJSON will hold pixel "
            "coordinates (x right, y down) and crs: null, which GIS software will not place on a map")
