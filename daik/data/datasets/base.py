"""Common base of daik's rotated-box data sets (an mmengine ``BaseDataset``).

Every data-list entry (what ``get_data_info`` returns and the pipeline receives) holds:

- ``img_path`` (str), ``img_id`` (file stem), ``ann_path`` (label file, or None);
- ``gt_rboxes`` ``(N, 5)`` float32: rotated boxes in daik's regularised le90 convention
  (:mod:`daik.structures`), in the image's pixel coordinates;
- ``gt_labels`` ``(N,)`` int64: indices into ``metainfo['classes']``;
- ``gt_difficult`` ``(N,)`` bool: DOTA difficulty >= 1 (2 marks an object a split cut);
- ``gt_polys`` ``(N, 8)`` float32: the polygons as the label file gives them. Transforms that
  move pixels drop them; while boxes stay in original coordinates (validation) they reach
  ``gt_instances.polys``, which :class:`daik.evaluation.DOTAMetric` scores against, as
  DOTA_devkit scores against the label file;
- ``patch_offset`` ``(x, y)`` when ``img_id`` is a patch name (:mod:`daik.evaluation.patch_names`);
- ``gsd`` (metres per pixel) when the label file gives one.

``metainfo['classes']`` is the class tuple, chosen by name (``"dota1.0"``, see
:mod:`daik.classes`) or given explicitly. Loading statistics (what was skipped and why) are in
``dataset.load_stats`` and logged once loading ends.
"""
import os
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.logging import print_log

from daik.classes import get_classes
from daik.evaluation.patch_names import parse_patch_name
from daik.registry import TRANSFORMS

from ..formats import LoadStats
from ..image_io import IMAGE_SUFFIXES


def list_images(img_dir: str, suffixes: Sequence[str] = IMAGE_SUFFIXES) -> Dict[str, str]:
    """``{stem: path}`` of the images in a folder (suffixes compared case-insensitively).

    Raises:
        FileNotFoundError: the folder does not exist.
        ValueError: two images share a stem.
    """
    if not os.path.isdir(img_dir):
        raise FileNotFoundError(f"image folder not found: {img_dir}")
    suffixes = tuple(s.lower() for s in suffixes)
    out: Dict[str, str] = {}
    for entry in sorted(os.scandir(img_dir), key=lambda e: e.name):
        stem, ext = os.path.splitext(entry.name)
        if ext.lower() in suffixes and entry.is_file():
            if stem in out:
                raise ValueError(f"two images named {stem!r} in {img_dir}: {os.path.basename(out[stem])}, {entry.name}")
            out[stem] = entry.path
    return out


def data_entry(img_path: str, ann_path: Optional[str], instances: Dict[str, np.ndarray],
               meta: Optional[dict] = None) -> dict:
    """A data-list entry with the keys of the module docstring."""
    img_id = os.path.splitext(os.path.basename(img_path))[0]
    entry = dict(img_path=img_path, img_id=img_id, ann_path=ann_path, **instances)
    try:
        p = parse_patch_name(img_id)
        entry["patch_offset"] = (p.x, p.y)
    except ValueError:
        pass
    if meta and meta.get("gsd") is not None:
        entry["gsd"] = float(meta["gsd"])
    return entry


class RotatedDetDataset(BaseDataset):
    """Base class: class-list choice, pipeline built from daik's registry, empty-image filter.

    Args:
        classes: a class-list name of :data:`daik.classes.CLASS_LISTS` or an explicit
            sequence; default the subclass's ``METAINFO['classes']``.
        skip_invalid: skip (log and count) malformed label lines instead of raising.
        skip_unknown_classes: skip (count) objects of classes outside the list instead of raising.
        allow_missing_labels: images without a label file load with no objects instead of
            raising (test sets).
        filter_cfg: ``dict(filter_empty_gt=True)`` drops images without objects (ignored in
            ``test_mode``).
        **kwargs: the rest of ``mmengine.dataset.BaseDataset``'s arguments (``ann_file``,
            ``data_root``, ``data_prefix``, ``pipeline``, ``test_mode``, ...).
    """

    METAINFO: dict = dict(classes=())

    def __init__(self, classes: Union[str, Sequence[str], None] = None, skip_invalid: bool = False,
                 skip_unknown_classes: bool = False, allow_missing_labels: bool = False,
                 pipeline: Sequence = (), metainfo: Optional[dict] = None, **kwargs):
        metainfo = dict(metainfo or {})
        chosen = classes if classes is not None else metainfo.get("classes", self.METAINFO.get("classes"))
        if chosen is None or len(chosen) == 0:
            raise ValueError(f"{type(self).__name__} needs a class list (classes='dota1.0' or a sequence)")
        self.class_list_name = chosen if isinstance(chosen, str) else "explicit list"
        metainfo["classes"] = get_classes(chosen)
        self.skip_invalid = skip_invalid
        self.skip_unknown_classes = skip_unknown_classes
        self.allow_missing_labels = allow_missing_labels
        self.load_stats = LoadStats()
        # Built here with daik's registry, so no default scope is needed outside a Runner.
        pipeline = [TRANSFORMS.build(t) if isinstance(t, dict) else t for t in pipeline]
        super().__init__(metainfo=metainfo, pipeline=pipeline, **kwargs)

    def full_init(self):
        if self._fully_initialized:
            return
        super().full_init()
        print_log(f"{type(self).__name__}: {len(self)} images; {self.load_stats.summary()}", logger="current")

    def filter_data(self) -> List[dict]:
        """Drop images without objects when ``filter_cfg['filter_empty_gt']`` (never in test mode).

        Raises:
            ValueError: filtering would leave nothing (no image has an object); the message
                says how many images were read and what was skipped why. Without the filter
                such a set only gets a warning.
        """
        filtering = not self.test_mode and (self.filter_cfg or {}).get("filter_empty_gt", False)
        if not self.test_mode and self.data_list and not any(len(d["gt_labels"]) for d in self.data_list):
            skipped = {k: v for k, v in self.load_stats.items() if k not in ("images", "instances") and v}
            why = (f"the objects read were dropped: {LoadStats(skipped).summary()}" if skipped
                   else "their label files hold no object lines")
            where = f"{type(self).__name__} ({self.ann_file or self.data_prefix})"
            if filtering:
                raise ValueError(f"{where}: none of its {len(self.data_list)} images has an object to train on, so "
                                 f"filter_empty_gt would filter out all {len(self.data_list)} - {why}")
            print_log(f"{where}: none of its {len(self.data_list)} images has an object - {why}",
                      logger="current", level=30)
        if not filtering:
            return self.data_list
        kept = [d for d in self.data_list if len(d["gt_labels"]) > 0]
        self.load_stats["empty_images_filtered"] += len(self.data_list) - len(kept)
        return kept

    def get_cat_ids(self, idx: int) -> List[int]:
        """Distinct labels of image ``idx`` (for ``ClassBalancedDataset``)."""
        return sorted(set(self.get_data_info(idx)["gt_labels"].tolist()))
