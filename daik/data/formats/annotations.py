"""Label-file contents before and after conversion to daik's instance arrays.

A parser returns :class:`RawAnnotations` (polygons and class *names* as written, with the
line each came from); :func:`to_instances` maps names to labels and polygons to regularised
le90 rboxes, applying the hostile-input rules shared by every loader:

- an unknown class name is an :class:`AnnotationError` naming file, line and the class list
  in use, or (``skip_unknown=True``) a counted skip;
- a box with a non-finite coordinate, or whose minimum-area rectangle has a short side below
  :data:`MIN_SIDE` pixels (zero area), is dropped with a warning and counted;
- given the image size, a box with no overlap with the image (e.g. a coordinate of 1e9: ground
  truth nothing can match) is dropped with a warning and counted as ``outside_image``.

Counts go to a :class:`LoadStats` so that a data set can report what it skipped.
"""
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.logging import print_log

from daik.structures import poly2rbox

MIN_SIDE = 1e-3  # pixels; a box thinner than this has zero area for every purpose here

# Keys of the instance arrays in a data-list entry (see daik.data.datasets.base).
INSTANCE_KEYS = ("gt_rboxes", "gt_labels", "gt_difficult", "gt_polys")


class AnnotationError(ValueError):
    """A label file that cannot be read as written. The message names the file and line."""


class LoadStats(Counter):
    """What a loader read and what it skipped, by reason (a ``collections.Counter``).

    Keys: ``images``, ``instances``, ``malformed_lines``, ``unknown_class``,
    ``invalid_boxes``, ``outside_image``, ``images_without_labels``, ``empty_images_filtered``.
    """

    def summary(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in sorted(self.items()))


@dataclass
class RawAnnotations:
    """Objects of one label file as written.

    Attributes:
        source: path of the label file.
        polys: ``(N, 8)`` float64 polygons ``x1 y1 ... x4 y4``.
        names: ``N`` class names.
        difficulty: ``(N,)`` int64 (DOTA: 0, 1, or 2 for objects cut by a split).
        lines: ``(N,)`` int64 1-based line numbers (for XML: the line of the ``<object>``).
        meta: header values, e.g. ``{"imagesource": "GoogleEarth", "gsd": 0.146}``.
    """

    source: str
    polys: np.ndarray = field(default_factory=lambda: np.zeros((0, 8), np.float64))
    names: List[str] = field(default_factory=list)
    difficulty: np.ndarray = field(default_factory=lambda: np.zeros((0,), np.int64))
    lines: np.ndarray = field(default_factory=lambda: np.zeros((0,), np.int64))
    meta: Dict[str, object] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.names)


def empty_instances() -> Dict[str, np.ndarray]:
    """Instance arrays of an image without objects."""
    return dict(gt_rboxes=np.zeros((0, 5), np.float32), gt_labels=np.zeros((0,), np.int64),
                gt_difficult=np.zeros((0,), bool), gt_polys=np.zeros((0, 8), np.float32))


def _map_labels(raw: RawAnnotations, classes: Sequence[str], lookup: Dict[str, int],
                skip_unknown: bool, stats: LoadStats, list_name: str) -> np.ndarray:
    """Label per object, -1 for a skipped unknown class."""
    labels = np.full(len(raw), -1, dtype=np.int64)
    for i, name in enumerate(raw.names):
        label = lookup.get(name)
        if label is None:
            if not skip_unknown:
                raise AnnotationError(
                    f"{raw.source}:{raw.lines[i]}: unknown class {name!r}; the class list in use "
                    f"({list_name}, {len(classes)} classes) is {tuple(classes)}")
            stats["unknown_class"] += 1
            continue
        labels[i] = label
    return labels


def _valid_boxes(raw: RawAnnotations, rboxes: np.ndarray, stats: LoadStats, known: np.ndarray) -> np.ndarray:
    """Mask of boxes that are finite and have non-zero area; warns about (and counts) the
    others among the ``known`` ones (objects already skipped for their class are not counted twice)."""
    finite = np.isfinite(raw.polys).all(axis=1) & np.isfinite(rboxes).all(axis=1)
    valid = finite & (np.nan_to_num(rboxes[:, 3], nan=0.0) >= MIN_SIDE)
    _count_dropped(raw, np.nonzero(~valid & known)[0], stats, "invalid_boxes", "with NaN/inf coordinates or zero area")
    return valid


def _count_dropped(raw: RawAnnotations, bad: np.ndarray, stats: LoadStats, key: str, why: str) -> None:
    """Count the dropped boxes ``bad`` under ``stats[key]`` and warn once, naming their lines."""
    if len(bad):
        stats[key] += len(bad)
        where = ", ".join(str(int(raw.lines[i])) for i in bad[:10]) + (" ..." if len(bad) > 10 else "")
        print_log(f"{raw.source}: dropped {len(bad)} box(es) {why} (line {where})", logger="current", level=30)


def _inside_image(raw: RawAnnotations, image_size: Tuple[int, int], stats: LoadStats, check: np.ndarray) -> np.ndarray:
    """Mask of boxes that overlap the ``(width, height)`` image; warns about (and counts) the
    others among the ``check`` ones."""
    from ..geometry import polys_iof_windows

    w, h = image_size
    iof = polys_iof_windows(np.nan_to_num(raw.polys, nan=0.0, posinf=0.0, neginf=0.0),
                            np.array([[0.0, 0.0, float(w), float(h)]]))[:, 0]  # (N,)
    inside = iof > 0
    _count_dropped(raw, np.nonzero(~inside & check)[0], stats, "outside_image", f"with no overlap with the {w} x {h} image")
    return inside | ~check


def to_instances(raw: RawAnnotations, classes: Sequence[str], stats: Optional[LoadStats] = None,
                 skip_unknown: bool = False, lookup: Optional[Dict[str, int]] = None,
                 list_name: str = "explicit list", image_size: Optional[Tuple[int, int]] = None
                 ) -> Dict[str, np.ndarray]:
    """Instance arrays of one label file.

    Args:
        raw: parsed file.
        classes: the class list labels index into.
        stats: counters to update (a fresh one if None).
        skip_unknown: skip (and count) objects whose class is not in ``classes``.
        lookup: ``{name: label}``, default exact names of ``classes``.
        list_name: how the class list is called in error messages.
        image_size: ``(width, height)``; when given, boxes with no overlap with the image are
            dropped (warned, counted as ``outside_image``).

    Returns:
        ``gt_rboxes`` ``(N, 5)`` float32 regularised le90, ``gt_labels`` ``(N,)`` int64,
        ``gt_difficult`` ``(N,)`` bool (difficulty >= 1), ``gt_polys`` ``(N, 8)`` float32 (the
        polygons as written).
    """
    stats = LoadStats() if stats is None else stats
    if len(raw) == 0:
        return empty_instances()
    lookup = {c: i for i, c in enumerate(classes)} if lookup is None else lookup
    labels = _map_labels(raw, classes, lookup, skip_unknown, stats, list_name)
    with np.errstate(invalid="ignore"):
        rboxes = poly2rbox(np.nan_to_num(raw.polys, nan=0.0, posinf=0.0, neginf=0.0))  # (N, 5) float64
    keep = (labels >= 0) & _valid_boxes(raw, rboxes, stats, labels >= 0)
    if image_size is not None:
        keep &= _inside_image(raw, image_size, stats, keep)
    stats["instances"] += int(keep.sum())
    return dict(gt_rboxes=rboxes[keep].astype(np.float32), gt_labels=labels[keep],
                gt_difficult=raw.difficulty[keep] >= 1, gt_polys=raw.polys[keep].astype(np.float32))
