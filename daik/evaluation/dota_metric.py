"""``DOTAMetric``: DOTA Task1 evaluation inside mmengine's validation and test loops."""
import logging
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log
from mmengine.structures import BaseDataElement

from daik.registry import METRICS
from daik.structures import rbox2poly

from .dota_io import ImageAnnotation, write_task1_files, zip_task1_files
from .merge import Detections, merge_patch_results, scene_id, to_class_detections
from .rbbox_map import COCO_IOU_THRS, match_all, range_label, read_annotations, summarize
from .report import ap_table_markdown, plot_pr_curves


def _np(x, dtype) -> np.ndarray:
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    return np.asarray(x, dtype=dtype)


@METRICS.register_module()
class DOTAMetric(BaseMetric):
    """DOTA Task1 mAP of rotated-box predictions, by DOTA_devkit's rules.

    ``process`` takes the model's outputs: :class:`~daik.structures.DetDataSample` (or their
    ``to_dict()``, as mmengine's Evaluator passes them) with ``pred_instances`` (``bboxes``
    ``(K, 5)``, ``scores``, ``labels``; original image coordinates), ``gt_instances``
    (``bboxes``, ``labels``, ``difficult``; optional ``polys`` ``(N, 8)``, used instead of
    the boxes' corners when present) and metainfo ``img_id``. Predictions with a non-finite
    number are dropped and counted in a warning.

    Args:
        iou_thr: IoU threshold of the main mAP (a hit needs IoU > it).
        use_07_metric: VOC07 11-point AP (DOTA's) or the VOC area form.
        coco_style: also report mAP50:95 (devkit matching at each of ``iou_thrs``, COCO's
            101-point AP; see :func:`daik.evaluation.eval_coco_style`).
        iou_thrs: thresholds of the COCO-style mean (default 0.50:0.05:0.95); its key is
            ``mAP<first>:<last>`` in percent.
        ann_dir: DOTA ``labelTxt`` folder; when given, ground truth is read from it for the
            processed images (exactly what ``eval_dota_task1`` sees) instead of ``gt_instances``.
        outfile_prefix: folder for ``Task1_<class>.txt`` files (and ``<prefix>.zip`` of them).
        merge_patches: image ids are patch names (``parse_patch_name``; a plain id is a whole
            image); predictions are merged into their scenes (rotated NMS at ``merge_iou_thr``)
            before writing or evaluating. Evaluating merged scenes needs ``ann_dir`` (patch
            ground truth does not apply).
        merge_iou_thr: NMS threshold of the merge (mmrotate uses 0.1 for DOTA).
        format_only: only write the submission files (needs ``outfile_prefix``).
        plot_pr: write ``pr_curves.png`` next to the Task1 files (needs ``outfile_prefix``).
    """

    default_prefix = "dota"

    def __init__(self, iou_thr: float = 0.5, use_07_metric: bool = True, coco_style: bool = True,
                 iou_thrs: Sequence[float] = COCO_IOU_THRS, ann_dir: Optional[str] = None,
                 outfile_prefix: Optional[str] = None, merge_patches: bool = False,
                 merge_iou_thr: float = 0.1, format_only: bool = False, plot_pr: bool = False,
                 collect_device: str = "cpu", prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if (format_only or plot_pr) and outfile_prefix is None:
            raise ValueError("format_only and plot_pr need outfile_prefix")
        if merge_patches and not format_only and ann_dir is None:
            raise ValueError("merge_patches evaluates whole scenes: give ann_dir (their labelTxt) or format_only=True")
        self.iou_thr = float(iou_thr)
        self.use_07_metric = use_07_metric
        self.coco_style = coco_style
        self.iou_thrs = tuple(float(t) for t in iou_thrs)
        self.ann_dir = ann_dir
        self.outfile_prefix = outfile_prefix
        self.merge_patches = merge_patches
        self.merge_iou_thr = float(merge_iou_thr)
        self.format_only = format_only
        self.plot_pr = plot_pr

    def process(self, data_batch: Any, data_samples: Sequence) -> None:
        """Keep, per image, its id, predictions and (unless read from files) ground truth."""
        for sample in data_samples:
            s = sample.to_dict() if isinstance(sample, BaseDataElement) else sample
            if "img_id" not in s:
                raise KeyError("DOTAMetric needs metainfo 'img_id' in every data sample")
            pred = s["pred_instances"]
            bboxes = _np(pred["bboxes"], np.float64).reshape(-1, 5)
            scores = _np(pred["scores"], np.float64).reshape(-1)
            labels = _np(pred["labels"], np.int64).reshape(-1)
            ok = np.isfinite(bboxes).all(1) & np.isfinite(scores)
            result = dict(img_id=str(s["img_id"]), bboxes=bboxes[ok], scores=scores[ok], labels=labels[ok],
                          dropped=int((~ok).sum()))
            if self.ann_dir is None and not self.format_only:
                result.update(self._gt(s))
            self.results.append(result)

    @staticmethod
    def _gt(s: dict) -> dict:
        if "gt_instances" not in s:
            raise KeyError(f"image {s['img_id']!r} has no gt_instances (give ann_dir or format_only=True)")
        gt = s["gt_instances"]
        if "polys" in gt:
            polys = _np(gt["polys"], np.float64).reshape(-1, 8)
        else:
            polys = rbox2poly(_np(gt["bboxes"], np.float64).reshape(-1, 5)).reshape(-1, 8)
        n = len(polys)
        difficult = _np(gt["difficult"], bool).reshape(n) if "difficult" in gt else np.zeros(n, bool)
        return dict(gt_polys=polys, gt_labels=_np(gt["labels"], np.int64).reshape(n), gt_difficult=difficult)

    def _classes(self) -> List[str]:
        if not self.dataset_meta or "classes" not in self.dataset_meta:
            raise ValueError("DOTAMetric needs dataset_meta['classes'] (set by the Runner from the dataset)")
        return [str(c) for c in self.dataset_meta["classes"]]

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Write files if asked, then ``mAP`` (at ``iou_thr``), ``mAP50:95`` and ``AP_<class>``
        (at ``iou_thr``)."""
        classes = self._classes()
        for r in results:
            bad = r["labels"][(r["labels"] < 0) | (r["labels"] >= len(classes))]
            if len(bad):
                raise ValueError(f"image {r['img_id']!r}: prediction label {bad[0]} outside the {len(classes)} classes")
        dropped = sum(r["dropped"] for r in results)
        if dropped:
            print_log(f"DOTAMetric dropped {dropped} predictions with NaN/inf", logger="current", level=logging.WARNING)
        dets, image_ids = self._detections(results, classes)
        if self.outfile_prefix is not None:
            paths = write_task1_files(dets, self.outfile_prefix, classes)
            zip_task1_files(paths, str(self.outfile_prefix).rstrip("/") + ".zip")
            print_log(f"Task1 files written to {self.outfile_prefix}", logger="current")
        if self.format_only:
            return {}
        annotations = self._annotations(results, classes, image_ids)
        return self._evaluate(dets, annotations, classes, image_ids)

    def _detections(self, results: List[dict], classes: List[str]):
        if self.merge_patches:
            merged = merge_patch_results(((r["img_id"], r["bboxes"], r["scores"], r["labels"]) for r in results),
                                         self.merge_iou_thr)
            image_ids = list(dict.fromkeys(scene_id(r["img_id"]) for r in results))
            return to_class_detections(merged, classes), image_ids
        image_ids = [r["img_id"] for r in results]
        if len(set(image_ids)) != len(image_ids):
            dup = next(i for i in image_ids if image_ids.count(i) > 1)
            raise ValueError(f"image {dup!r} was processed twice (img_id must be unique per image)")
        per_image = {r["img_id"]: Detections(r["bboxes"], r["scores"], r["labels"]) for r in results}
        return to_class_detections(per_image, classes), image_ids

    def _annotations(self, results, classes, image_ids) -> Dict[str, ImageAnnotation]:
        if self.ann_dir is not None:
            return read_annotations(self.ann_dir, image_ids)
        names = np.array(classes, dtype=str)
        out = {}
        for r in results:
            labels = r["gt_labels"]
            if ((labels < 0) | (labels >= len(classes))).any():
                raise ValueError(f"image {r['img_id']!r}: ground-truth label outside the {len(classes)} classes")
            if not np.isfinite(r["gt_polys"]).all():
                raise ValueError(f"image {r['img_id']!r}: ground-truth box with NaN or inf")
            out[r["img_id"]] = ImageAnnotation(r["gt_polys"], names[labels], r["gt_difficult"])
        return out

    def _evaluate(self, dets, annotations, classes, image_ids) -> Dict[str, float]:
        matches = match_all(dets, annotations, classes, image_ids)
        main = summarize(classes, matches, (self.iou_thr,), "voc07" if self.use_07_metric else "area")
        coco = summarize(classes, matches, self.iou_thrs, "coco101", warn=False) if self.coco_style else None
        print_log("\n" + ap_table_markdown(main, coco), logger="current")
        if self.plot_pr:
            plot_pr_curves(main, Path(self.outfile_prefix) / "pr_curves.png")
        metrics = {"mAP": main.mean_ap()}
        if coco is not None:
            metrics[f"mAP{range_label(coco.iou_thrs)}"] = coco.mean_ap_over_thrs()
        metrics.update({f"AP_{c.name}": float(c.ap[0]) for c in main.classes})
        return metrics
