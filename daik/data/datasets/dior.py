"""DIOR-R: JPEG images, one XML per image, splits listed in ``ImageSets/Main/*.txt``."""
import os
from typing import Dict, List

from mmengine.fileio import list_from_file

from daik.registry import DATASETS

from ..formats import empty_instances, parse_dior_xml, to_instances
from ..image_io import image_size
from .base import RotatedDetDataset, data_entry, list_images


class _CaseFallback(dict):
    """A dict whose ``get`` tries the key as written, then in lower case."""

    def get(self, key, default=None):
        if key in self:
            return self[key]
        return super().get(key.lower(), default)


def name_lookup(classes) -> Dict[str, int]:
    """``{name: label}`` matching names exactly, then case-insensitively where unambiguous.

    DIOR-R's files and tools disagree on the case of the two expressway classes
    (``Expressway-Service-area`` in the XML, lower case in mmrotate); both map to the same label.
    """
    lookup = _CaseFallback((c, i) for i, c in enumerate(classes))
    lower: Dict[str, List[int]] = {}
    for c, i in lookup.items():
        lower.setdefault(c.lower(), []).append(i)
    for k, ids in lower.items():
        if len(ids) == 1:
            lookup.setdefault(k, ids[0])
    return lookup


@DATASETS.register_module()
class DIORRDataset(RotatedDetDataset):
    """DIOR-R as released::

        data_root/
          JPEGImages-trainval/00001.jpg ...   JPEGImages-test/11726.jpg ...
          Annotations/Oriented Bounding Boxes/00001.xml ...
          ImageSets/Main/{train,val,trainval,test}.txt   (one image id a line)

    ``ann_file`` is the id list (relative to ``data_root``); empty means every image of the
    image folder. ``data_prefix`` has ``img_path`` (default ``JPEGImages-trainval``) and
    ``ann_path`` (default ``Annotations/Oriented Bounding Boxes``). Class names are matched
    exactly, then case-insensitively (see :func:`name_lookup`). A listed id whose image is
    missing is an error; so is a missing XML unless ``allow_missing_labels``. See
    :class:`~daik.data.datasets.base.RotatedDetDataset` for the other arguments and the keys.
    """

    METAINFO = dict(classes="dior-r")

    def __init__(self, data_prefix: dict = None, img_suffix: str = ".jpg", **kwargs):
        prefix = dict(img_path="JPEGImages-trainval", ann_path="Annotations/Oriented Bounding Boxes")
        prefix.update(data_prefix or {})
        self.img_suffix = img_suffix
        super().__init__(data_prefix=prefix, **kwargs)

    def _image_ids(self, img_dir: str) -> List[str]:
        if not self.ann_file:
            return list(list_images(img_dir, (self.img_suffix,)))
        if not os.path.isfile(self.ann_file):
            raise FileNotFoundError(f"image-id list not found: {self.ann_file}")
        return [s.strip() for s in list_from_file(self.ann_file) if s.strip()]

    def load_data_list(self) -> List[dict]:
        img_dir, ann_dir = self.data_prefix["img_path"], self.data_prefix["ann_path"]
        classes = self.metainfo["classes"]
        lookup = name_lookup(classes)
        data_list = []
        for img_id in self._image_ids(img_dir):
            img_path = os.path.join(img_dir, img_id + self.img_suffix)
            if not os.path.isfile(img_path):
                raise FileNotFoundError(f"image {img_path} listed in {self.ann_file or img_dir} does not exist")
            xml_path = os.path.join(ann_dir, img_id + ".xml")
            if not os.path.isfile(xml_path):
                if not self.allow_missing_labels:
                    raise FileNotFoundError(f"annotation file not found: {xml_path} (pass "
                                            "allow_missing_labels=True to load unlabelled images)")
                self.load_stats["images_without_labels"] += 1
                data_list.append(data_entry(img_path, None, empty_instances()))
                continue
            raw = parse_dior_xml(xml_path, skip_invalid=self.skip_invalid, stats=self.load_stats)
            inst = to_instances(raw, classes, self.load_stats, skip_unknown=self.skip_unknown_classes,
                                lookup=lookup, list_name=self.class_list_name,
                                image_size=image_size(img_path) if len(raw) else None)
            data_list.append(data_entry(img_path, xml_path, inst))
        self.load_stats["images"] += len(data_list)
        return data_list
