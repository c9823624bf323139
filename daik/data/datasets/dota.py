"""DOTA (v1.0 / v1.5 / v2.0) and daik's synthetic scenes: images plus ``labelTxt`` files."""
import os
from typing import Dict, List

from daik.classes import SYNTHETIC
from daik.registry import DATASETS

from ..formats import empty_instances, parse_dota_txt, to_instances
from ..image_io import image_size
from .base import RotatedDetDataset, data_entry, list_images


def _list_labels(ann_dir: str) -> Dict[str, str]:
    if not os.path.isdir(ann_dir):
        raise FileNotFoundError(f"label folder not found: {ann_dir}")
    return {os.path.splitext(e.name)[0]: e.path for e in os.scandir(ann_dir)
            if e.name.endswith(".txt") and e.is_file()}


@DATASETS.register_module()
class DOTADataset(RotatedDetDataset):
    """DOTA-style folders: ``<data_prefix.img_path>/*.png`` and ``<ann_file>/*.txt``.

    As in mmrotate, ``ann_file`` is the *folder* of label files (relative to ``data_root``);
    empty means a test set without labels. Images and label files are matched by stem: a
    label file without an image is an error, and so is an image without a label file unless
    ``allow_missing_labels=True`` (then it has no objects). See
    :mod:`daik.data.formats.dota_txt` for the line rules and
    :class:`~daik.data.datasets.base.RotatedDetDataset` for the other arguments and the
    data-list keys.

    Args:
        classes: ``"dota1.0"`` (default), ``"dota1.5"``, ``"dota2.0"`` or a sequence of names.
        img_suffixes: image file suffixes to list.
    """

    METAINFO = dict(classes="dota1.0")

    def __init__(self, img_suffixes=(".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"), **kwargs):
        self.img_suffixes = tuple(img_suffixes)
        super().__init__(**kwargs)

    def load_data_list(self) -> List[dict]:
        img_dir = self.data_prefix.get("img_path", "")
        images = list_images(img_dir, self.img_suffixes)
        labels = _list_labels(self.ann_file) if self.ann_file else {}
        orphans = sorted(set(labels) - set(images))
        if orphans:
            raise FileNotFoundError(
                f"{len(orphans)} label file(s) have no image in {img_dir} (suffixes {self.img_suffixes}), "
                f"e.g. {labels[orphans[0]]}")
        classes = self.metainfo["classes"]
        data_list = []
        for stem, img_path in images.items():
            ann_path = labels.get(stem)
            if ann_path is None:
                if self.ann_file and not self.allow_missing_labels:
                    raise FileNotFoundError(
                        f"image {img_path} has no label file {os.path.join(self.ann_file, stem + '.txt')} "
                        "(pass allow_missing_labels=True to load unlabelled images with no objects)")
                self.load_stats["images_without_labels"] += 1
                data_list.append(data_entry(img_path, None, empty_instances()))
                continue
            raw = parse_dota_txt(ann_path, skip_invalid=self.skip_invalid, stats=self.load_stats)
            inst = to_instances(raw, classes, self.load_stats, skip_unknown=self.skip_unknown_classes,
                                list_name=self.class_list_name, image_size=image_size(img_path) if len(raw) else None)
            data_list.append(data_entry(img_path, ann_path, inst, raw.meta))
        self.load_stats["images"] += len(data_list)
        return data_list


@DATASETS.register_module()
class SyntheticDataset(DOTADataset):
    """daik's synthetic aerial scenes (``daik synth``): a DOTA layout with
    ``images/`` and ``labelTxt/`` under ``data_root`` and the classes of
    :data:`daik.classes.SYNTHETIC`."""

    METAINFO = dict(classes=SYNTHETIC)

    def __init__(self, ann_file: str = "labelTxt", data_prefix: dict = None, **kwargs):
        super().__init__(ann_file=ann_file, data_prefix=data_prefix or dict(img_path="images"), **kwargs)
