"""Cutting large scenes into fixed-size patches with their labels (DOTA's split).

Windows come from :func:`daik.data.windows.sliding_windows`; patch names from
:func:`daik.evaluation.patch_names.patch_name` (rate and top-left corner in the rescaled scene).

Rules:

- The scene is rescaled by each ``rate`` (``cv2.INTER_CUBIC``, as DOTA_devkit), and so are its
  polygons; windows of ``size`` pixels with overlap ``gap`` are cut from the rescaled scene,
  and a window reaching past the scene is padded (bottom/right, ``pad_val``) to full size.
- Labels (DOTA_devkit's ``ImgSplit`` rule): with ``iof`` the fraction of an object's area
  inside the window, an object with ``iof == 0`` (cut to nothing) is not written; with
  ``0 < iof <= iof_thr`` (0.7) it is written with difficulty ``2``; with ``iof > iof_thr``
  (including wholly inside) it keeps its difficulty. Unlike DOTA_devkit, the polygon is
  written whole, shifted into the patch (as mmrotate's splitter does), not clipped to the
  window: the box keeps describing the object. Polygons with zero area or NaN coordinates
  are dropped and counted; malformed lines raise unless ``skip_invalid``.
- Label files get ``imagesource`` / ``gsd`` header lines when the scene's file has them
  (``gsd`` divided by the rate).
- Resumable: a patch whose image (and label file, when labels exist) is already on disk is
  not written again; a scene whose patches all exist is not even read. Files are written
  through a temporary name and renamed, so a stopped run leaves no half-written patch.
- The split's settings (:class:`SplitConfig`, source folders) are recorded in
  ``OUT/split_settings.json`` before the first patch. A re-run with the same settings resumes;
  one with other settings (or into patches that recorded none) stops with the differences
  listed, unless ``overwrite`` (then the old patches are deleted first).
- Warned about, with file and line, and counted: class names outside the class list (or, with
  none given, outside every list of :mod:`daik.classes`), names that are not valid UTF-8, and
  label files without an image.
"""
import os
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Dict, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmengine.logging import print_log
from mmengine.utils import ProgressBar

from daik.classes import CLASS_LISTS
from daik.evaluation.patch_names import patch_name

from .datasets.base import list_images
from .formats import LoadStats, RawAnnotations, format_dota_lines, parse_dota_txt
from .geometry import polygon_areas, polys_iof_windows
from .image_io import image_size, read_image_rgb, write_bytes_atomic, write_image_rgb
from .parallel import single_thread_cv2, worker_pool
from .split_record import SplitSettingsError, prepare_output, split_settings  # noqa: F401  (re-exported)
from .windows import scaled_size, sliding_windows


@dataclass(frozen=True)
class SplitConfig:
    """How to split (defaults: mmrotate's single-scale 1024/200)."""

    size: int = 1024
    gap: int = 200
    rates: Tuple[float, ...] = (1.0,)
    iof_thr: float = 0.7
    img_rate_thr: float = 0.6
    pad_val: int = 0
    img_ext: str = ".png"
    ann_dirname: str = "annfiles"
    skip_invalid: bool = False
    classes: Optional[Tuple[str, ...]] = None  # names to warn against (None: every list of daik.classes)


# mmrotate's split_configs: ss = single scale 1024/200; ms = 1024/500 at rates 0.5, 1.0, 1.5.
PRESETS: Dict[str, SplitConfig] = {
    "ss": SplitConfig(size=1024, gap=200, rates=(1.0,)),
    "ms": SplitConfig(size=1024, gap=500, rates=(0.5, 1.0, 1.5)),
}


@dataclass
class SplitReport:
    """Counts of one split run."""

    scenes: int = 0
    patches: int = 0
    written: int = 0
    skipped_existing: int = 0
    stats: LoadStats = field(default_factory=LoadStats)

    def add(self, other: "SplitReport") -> None:
        self.scenes += other.scenes
        self.patches += other.patches
        self.written += other.written
        self.skipped_existing += other.skipped_existing
        self.stats.update(other.stats)


def _clean(raw: RawAnnotations, stats: LoadStats) -> RawAnnotations:
    """Drop polygons with non-finite coordinates or zero area (counted as ``invalid_boxes``)."""
    finite = np.isfinite(raw.polys).all(axis=1)
    ok = finite & (polygon_areas(np.nan_to_num(raw.polys)) > 0)
    stats["invalid_boxes"] += int((~ok).sum())
    return RawAnnotations(raw.source, raw.polys[ok], [n for n, k in zip(raw.names, ok) if k],
                          raw.difficulty[ok], raw.lines[ok], raw.meta)


def check_names(raw: RawAnnotations, classes: Optional[Sequence[str]], stats: LoadStats) -> None:
    """Warn (file and line) about class names that are not valid UTF-8 or not in ``classes``
    (None: in no list of :data:`daik.classes.CLASS_LISTS`); count them. They are still written."""
    known = set(classes) if classes is not None else {c for names in CLASS_LISTS.values() for c in names}
    where = "the class list given" if classes is not None else "any of daik's class lists"
    for name, line in zip(raw.names, raw.lines.tolist()):
        if "\ufffd" in name:
            stats["non_utf8_names"] += 1
            print_log(f"{raw.source}:{line}: class name {name!r} is not valid UTF-8 (undecodable bytes shown "
                      "as \ufffd); it is copied into the patches as read", logger="current", level=30)
        elif name not in known:
            stats["unknown_class"] += 1
            print_log(f"{raw.source}:{line}: unknown class {name!r} (not in {where}); it is copied into the "
                      "patches as written", logger="current", level=30)


def patch_labels(raw: RawAnnotations, polys: np.ndarray, iof: np.ndarray, window: np.ndarray, iof_thr: float,
                 meta: Optional[dict] = None) -> str:
    """labelTxt text of one window (rules in the module docstring).

    Args:
        raw: the scene's objects (names and difficulty).
        polys: ``(N, 8)`` polygons in the rescaled scene.
        iof: ``(N,)`` fraction of each object inside the window.
        window: ``(4,)`` ``x1, y1, x2, y2``.
        iof_thr: objects at or below it (and above 0) become difficulty 2.
        meta: header lines.
    """
    sel = np.nonzero(iof > 0)[0]
    shifted = polys[sel] - np.tile(window[:2].astype(np.float64), 4)  # (M, 8)
    diff = np.where(iof[sel] > iof_thr, raw.difficulty[sel], 2)
    return format_dota_lines(shifted, [raw.names[i] for i in sel], diff, meta=meta)


def _done(img_out: str, ann_out: Optional[str]) -> bool:
    return os.path.isfile(img_out) and (ann_out is None or os.path.isfile(ann_out))


def _crop(img: np.ndarray, window: np.ndarray, size: int, pad_val: int) -> np.ndarray:
    x1, y1, x2, y2 = (int(v) for v in window)
    patch = img[y1:y2, x1:x2]
    if patch.shape[:2] != (size, size):
        full = np.full((size, size, 3), pad_val, dtype=np.uint8)
        full[:patch.shape[0], :patch.shape[1]] = patch
        patch = full
    return patch


def split_scene(img_path: str, ann_path: Optional[str], out_dir: str, cfg: SplitConfig = SplitConfig()) -> SplitReport:
    """Split one scene into ``out_dir/images`` and ``out_dir/<cfg.ann_dirname>`` (no labels
    when ``ann_path`` is None). Returns the counts."""
    rep = SplitReport(scenes=1)
    stem = os.path.splitext(os.path.basename(img_path))[0]
    img_dir, ann_dir = os.path.join(out_dir, "images"), os.path.join(out_dir, cfg.ann_dirname)
    w, h = image_size(img_path)
    plan = []  # (rate, window, image out, label out)
    for rate in cfg.rates:
        for win in sliding_windows(w, h, cfg.size, cfg.gap, rate, cfg.img_rate_thr):
            name = patch_name(stem, rate, int(win[0]), int(win[1]))
            ann_out = os.path.join(ann_dir, name + ".txt") if ann_path else None
            plan.append((rate, win, os.path.join(img_dir, name + cfg.img_ext), ann_out))
    rep.patches = len(plan)
    todo = [p for p in plan if not _done(p[2], p[3])]
    rep.skipped_existing = len(plan) - len(todo)
    if not todo:
        return rep
    os.makedirs(img_dir, exist_ok=True)
    if ann_path:
        os.makedirs(ann_dir, exist_ok=True)
    raw = None
    if ann_path:
        raw = _clean(parse_dota_txt(ann_path, skip_invalid=cfg.skip_invalid, stats=rep.stats), rep.stats)
        check_names(raw, cfg.classes, rep.stats)
    img = read_image_rgb(img_path)
    for rate in cfg.rates:
        jobs = [p for p in todo if p[0] == rate]
        if not jobs:
            continue
        scaled = img if rate == 1.0 else cv2.resize(img, scaled_size(w, h, rate), interpolation=cv2.INTER_CUBIC)
        if raw is not None:
            polys = raw.polys * rate
            iofs = polys_iof_windows(polys, np.stack([p[1] for p in jobs]))  # (N, K)
            meta = {k: (v / rate if k == "gsd" else v) for k, v in raw.meta.items() if v is not None}
        for k, (_, win, img_out, ann_out) in enumerate(jobs):
            if ann_out is not None:
                text = patch_labels(raw, polys, iofs[:, k], win, cfg.iof_thr, meta)
                write_bytes_atomic(ann_out, text.encode("utf-8"))
            write_image_rgb(img_out, _crop(scaled, win, cfg.size, cfg.pad_val))
            rep.written += 1
    return rep


def _split_one(item: Tuple[str, Optional[str]], out_dir: str, cfg: SplitConfig) -> SplitReport:
    return split_scene(item[0], item[1], out_dir, cfg)


def _labels_without_image(ann_dir: str, images: Dict[str, str], stats: LoadStats) -> None:
    """Warn about (and count) label files whose stem has no image: they are not split."""
    if not os.path.isdir(ann_dir):
        raise FileNotFoundError(f"label folder not found: {ann_dir}")
    orphans = sorted(e.path for e in os.scandir(ann_dir)
                     if e.name.endswith(".txt") and e.is_file() and os.path.splitext(e.name)[0] not in images)
    if orphans:
        stats["labels_without_image"] += len(orphans)
        shown = ", ".join(orphans[:10]) + (f", ... ({len(orphans) - 10} more)" if len(orphans) > 10 else "")
        print_log(f"{len(orphans)} label file(s) in {ann_dir} have no image and are not split: {shown}",
                  logger="current", level=30)


def split_dataset(img_dir: str, ann_dir: Optional[str], out_dir: str, cfg: SplitConfig = SplitConfig(),
                  nproc: int = 1, allow_missing_labels: bool = False, progress: bool = True,
                  overwrite: bool = False) -> SplitReport:
    """Split every image of ``img_dir`` (with ``ann_dir/<stem>.txt`` labels, or none when
    ``ann_dir`` is None) into ``out_dir``, over ``nproc`` processes, with a progress bar.

    Raises:
        FileNotFoundError: a folder is missing, or an image has no label file (unless
            ``allow_missing_labels``, which splits it as a scene without objects).
        SplitSettingsError: ``out_dir`` holds a split with other settings (``overwrite``
            deletes it instead; see :mod:`daik.data.split_record`).
    """
    images = list_images(img_dir)
    total = SplitReport()
    items = []
    for stem, path in images.items():
        ann = None
        if ann_dir is not None:
            ann = os.path.join(ann_dir, stem + ".txt")
            if not os.path.isfile(ann):
                if not allow_missing_labels:
                    raise FileNotFoundError(f"image {path} has no label file {ann}")
                ann = os.devnull
        items.append((path, ann))
    if ann_dir is not None:
        _labels_without_image(ann_dir, images, total.stats)
    prepare_output(out_dir, split_settings(img_dir, ann_dir, cfg, allow_missing_labels), overwrite)
    os.makedirs(os.path.join(out_dir, "images"), exist_ok=True)
    if ann_dir is not None:
        os.makedirs(os.path.join(out_dir, cfg.ann_dirname), exist_ok=True)
    bar = ProgressBar(len(items)) if progress and items else None
    work = partial(_split_one, out_dir=out_dir, cfg=cfg)
    if nproc > 1 and len(items) > 1:
        with worker_pool(min(nproc, len(items)), single_thread_cv2, preload=[__name__]) as pool:
            for rep in pool.imap_unordered(work, items):
                total.add(rep)
                if bar:
                    bar.update()
    else:
        for item in items:
            total.add(work(item))
            if bar:
                bar.update()
    return total


def config_from(preset: Optional[str] = None, **overrides) -> SplitConfig:
    """A :class:`SplitConfig` from a preset name (``"ss"``, ``"ms"``) with fields overridden
    (None values are ignored)."""
    base = PRESETS[preset] if preset else SplitConfig()
    return replace(base, **{k: v for k, v in overrides.items() if v is not None})
