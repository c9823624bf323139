"""Rotated-box mAP exactly as DOTA_devkit's ``dota_evaluation_task1.py`` computes it.

One core, :func:`evaluate`, serves in-memory results (:func:`eval_rbbox_map`, the metric)
and DOTA's files (:func:`eval_dota_task1`). The devkit's rules, all kept:

- detections are sorted with the devkit's own call, ``np.argsort(-scores)``, over the
  detections in file order, so ties in score fall the same way;
- a detection's candidates are the ground truth of its image and class whose horizontal boxes
  overlap (VOC ``+1`` pixel form); its overlap is the best polygon IoU among them
  (``daik.ops.poly_iou``), its match the first ground truth reaching it;
- a hit needs IoU > threshold, strictly; a hit on a difficult ground truth is neither TP
  nor FP, and difficult ground truth is not counted in the number of positives; a second
  hit on an already matched ground truth is FP;
- AP is VOC07's 11-point form on the grid ``np.arange(0., 1.1, 0.1)`` or the VOC area form
  (see :mod:`daik.evaluation.ap`); mAP is the plain mean over the given classes, summed in
  class order.

Where the devkit crashes or gives NaN, daik decides (and documents) instead:

- a class with no detections (missing or empty file) gets AP 0 (a missing folder is an error);
- a class with no non-difficult ground truth gets AP 0 and a warning; it still counts in
  mAP (the devkit's VOC07 value is also 0; its area form would give NaN from 0/0, and the
  DOTA server averages over all classes too); ground truth of classes not in
  ``class_names`` is ignored, with a warning naming them (often a wrong class list);
- a detection on an image outside the evaluated set raises ``ValueError`` when the set is
  all annotated images (the usual cause: patch results not merged back to full images) and
  is dropped when ``image_set`` was given explicitly (that is what restricting means).
"""
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from .ap import AP_FORMS, average_precision
from .dota_io import ClassDetections, ImageAnnotation, read_dota_label, read_task1_dir
from .matching import ClassMatches, match_class, precision_recall, tp_fp

COCO_IOU_THRS: Tuple[float, ...] = tuple(np.round(0.5 + 0.05 * np.arange(10), 2).tolist())


@dataclass
class ClassResult:
    """Evaluation of one class at each IoU threshold.

    Attributes:
        name: class name.
        npos: non-difficult ground truth.
        ndet: detections evaluated.
        ap: float64 ``(T,)`` AP per threshold.
        recall, precision: per threshold, float64 ``(D,)`` after each detection in score
            order (empty when ``npos == 0``).
        scores: float64 ``(D,)`` detection scores in that order.
    """

    name: str
    npos: int
    ndet: int
    ap: np.ndarray
    recall: List[np.ndarray] = field(default_factory=list)
    precision: List[np.ndarray] = field(default_factory=list)
    scores: np.ndarray = field(default_factory=lambda: np.zeros(0))


@dataclass
class MapResult:
    """Per-class results over IoU thresholds ``iou_thrs`` with one AP form."""

    classes: List[ClassResult]
    iou_thrs: Tuple[float, ...]
    ap_form: str

    def mean_ap(self, t: int = 0) -> float:
        """Mean AP over classes at threshold index ``t`` (summed in class order, as the devkit)."""
        total = 0.0
        for c in self.classes:
            total = total + c.ap[t]
        return float(total / len(self.classes))

    def mean_ap_over_thrs(self) -> float:
        """mAP averaged over all thresholds (e.g. mAP50:95)."""
        return float(np.mean([self.mean_ap(t) for t in range(len(self.iou_thrs))]))

    def as_dict(self, t: int = 0) -> Dict[str, float]:
        """``{class: AP, ..., "mAP": mAP}`` at threshold index ``t``."""
        out = {c.name: float(c.ap[t]) for c in self.classes}
        out["mAP"] = self.mean_ap(t)
        return out


def range_label(iou_thrs: Sequence[float]) -> str:
    """``"50:95"`` for thresholds 0.50 ... 0.95 (``"50"`` for a single one)."""
    lo, hi = round(100 * iou_thrs[0]), round(100 * iou_thrs[-1])
    return f"{lo}" if len(iou_thrs) == 1 else f"{lo}:{hi}"


def _check_classes(class_names: Sequence[str]) -> List[str]:
    names = [str(n) for n in class_names]
    if not names:
        raise ValueError("class_names is empty")
    if len(set(names)) != len(names):
        raise ValueError(f"class_names has duplicates: {names}")
    return names


def _check_thrs(iou_thrs: Iterable[float]) -> Tuple[float, ...]:
    thrs = tuple(float(t) for t in iou_thrs)
    if not thrs or not all(0.0 <= t < 1.0 for t in thrs):
        raise ValueError(f"IoU thresholds must lie in [0, 1), got {thrs}")
    return thrs


def _restrict(dets: ClassDetections, images: set, explicit: bool, name: str) -> ClassDetections:
    known = np.isin(dets.img_ids, np.array(sorted(images), dtype=str))
    if known.all():
        return dets
    if explicit:
        return dets.select(known)
    unknown = sorted(set(dets.img_ids[~known].tolist()))
    hint = " (patch names: merge patch results back to full images first)" if "__" in unknown[0] else ""
    raise ValueError(f"{(~known).sum()} detections of class {name!r} are on {len(unknown)} images without "
                     f"ground truth, e.g. {unknown[:3]}{hint}")


def _class_gts(annotations: Mapping[str, ImageAnnotation], image_ids: Sequence[str],
               names: Sequence[str]) -> Dict[str, Dict[str, Tuple[np.ndarray, np.ndarray]]]:
    """``{class: {img_id: (polys (M, 8), difficult (M,))}}`` over ``image_ids``."""
    out = {n: {} for n in names}
    for img_id in image_ids:
        ann = annotations[img_id]
        for n in names:
            sel = ann.names == n
            out[n][img_id] = (ann.polys[sel], ann.difficult[sel])
    return out


def _warn_unevaluated(annotations: Mapping[str, ImageAnnotation], image_ids: Sequence[str],
                      names: Sequence[str]) -> None:
    """Warn about ground truth whose class is not evaluated (often a wrong class list)."""
    found = set()
    for img_id in image_ids:
        found.update(annotations[img_id].names.tolist())
    other = sorted(found - set(names))
    if other:
        warnings.warn(f"ground truth of classes outside class_names is not evaluated: {other}", stacklevel=4)


def _class_result(name: str, m: ClassMatches, thrs: Tuple[float, ...], form: str) -> ClassResult:
    res = ClassResult(name, m.npos, len(m.scores), np.zeros(len(thrs)), scores=m.scores)
    for k, thr in enumerate(thrs):
        if m.npos == 0:
            res.recall.append(np.zeros(0))
            res.precision.append(np.zeros(0))
            continue
        rec, prec = precision_recall(*tp_fp(m, thr), m.npos)
        res.recall.append(rec)
        res.precision.append(prec)
        res.ap[k] = average_precision(rec, prec, form)
    return res


def match_all(dets: Mapping[str, Optional[ClassDetections]], annotations: Mapping[str, ImageAnnotation],
              class_names: Sequence[str], image_set: Optional[Iterable[str]] = None) -> List[ClassMatches]:
    """Best matches of every class (the costly, threshold-free part of :func:`evaluate`).

    Args:
        dets: ``{class: ClassDetections}``; a missing class or ``None`` means no detections.
        annotations: ``{img_id: ImageAnnotation}``.
        class_names: classes evaluated, in report order.
        image_set: image ids evaluated; default all of ``annotations``.

    Returns:
        One :class:`ClassMatches` per class of ``class_names``.
    """
    names = _check_classes(class_names)
    explicit = image_set is not None
    image_ids = list(dict.fromkeys(image_set)) if explicit else list(annotations)
    missing = [i for i in image_ids if i not in annotations]
    if missing:
        raise KeyError(f"{len(missing)} images of image_set have no annotation, e.g. {missing[:3]}")
    gts = _class_gts(annotations, image_ids, names)
    _warn_unevaluated(annotations, image_ids, names)
    images = set(image_ids)
    matches = []
    for n in names:
        d = dets.get(n)
        d = _restrict(d, images, explicit, n) if d is not None and len(d) else ClassDetections.empty()
        matches.append(match_class(d, gts[n]))
    return matches


def summarize(class_names: Sequence[str], matches: Sequence[ClassMatches], iou_thrs: Iterable[float] = (0.5,),
              ap_form: str = "voc07", warn: bool = True) -> MapResult:
    """Per-class AP at each IoU threshold from :func:`match_all`'s matches."""
    names = _check_classes(class_names)
    thrs = _check_thrs(iou_thrs)
    if ap_form not in AP_FORMS:
        raise ValueError(f"ap_form must be one of {AP_FORMS}, got {ap_form!r}")
    results = [_class_result(n, m, thrs, ap_form) for n, m in zip(names, matches)]
    no_gt = [r.name for r in results if r.npos == 0]
    if no_gt and warn:
        warnings.warn(f"classes without (non-difficult) ground truth get AP 0 and still count in mAP: {no_gt}",
                      stacklevel=4)
    return MapResult(results, thrs, ap_form)


def evaluate(dets: Mapping[str, Optional[ClassDetections]], annotations: Mapping[str, ImageAnnotation],
             class_names: Sequence[str], iou_thrs: Iterable[float] = (0.5,), ap_form: str = "voc07",
             image_set: Optional[Iterable[str]] = None) -> MapResult:
    """The evaluation core: per-class AP at each IoU threshold.

    Args:
        dets: ``{class: ClassDetections}``; a missing class or ``None`` means no detections.
        annotations: ``{img_id: ImageAnnotation}``.
        class_names: classes evaluated (and averaged over), in report order.
        iou_thrs: thresholds; a hit needs IoU > threshold.
        ap_form: ``"voc07"``, ``"area"`` or ``"coco101"`` (:mod:`daik.evaluation.ap`).
        image_set: image ids evaluated; default all of ``annotations``.

    Returns:
        :class:`MapResult`.
    """
    _check_thrs(iou_thrs)
    return summarize(class_names, match_all(dets, annotations, class_names, image_set), iou_thrs, ap_form)


def eval_coco_style(dets: Mapping[str, Optional[ClassDetections]], annotations: Mapping[str, ImageAnnotation],
                    class_names: Sequence[str], image_set: Optional[Iterable[str]] = None,
                    iou_thrs: Iterable[float] = COCO_IOU_THRS, ap_form: str = "coco101") -> Dict[str, float]:
    """COCO-style mAP50:95: ``{class: AP averaged over thresholds, ..., "mAP50:95": float}``
    (the key follows the thresholds: ``"mAP<first>:<last>"`` in percent).

    Matching follows the devkit's rules at each threshold of ``0.50, 0.55, ..., 0.95`` (hit
    when IoU > threshold, best ground truth even if already taken, difficult ignored); AP is
    COCO's 101-point interpolation (``ap_form``); the result is the mean over thresholds of
    the mean over classes.
    """
    res = evaluate(dets, annotations, class_names, iou_thrs, ap_form, image_set)
    out = {c.name: float(np.mean(c.ap)) for c in res.classes}
    out[f"mAP{range_label(res.iou_thrs)}"] = res.mean_ap_over_thrs()
    return out


def eval_rbbox_map(dets: Mapping[str, Optional[ClassDetections]], annotations: Mapping[str, ImageAnnotation],
                   class_names: Sequence[str], iou_thr: float = 0.5, use_07_metric: bool = True,
                   image_set: Optional[Iterable[str]] = None) -> Dict[str, float]:
    """In-memory twin of :func:`eval_dota_task1`: ``{class: AP, ..., "mAP": mAP}``."""
    form = "voc07" if use_07_metric else "area"
    return evaluate(dets, annotations, class_names, (iou_thr,), form, image_set).as_dict()


def read_image_set(image_set: Union[str, os.PathLike, Iterable[str], None]) -> Optional[List[str]]:
    """Image ids from a list, or from a text file with one id a line (the devkit's imagesetfile)."""
    if image_set is None:
        return None
    if isinstance(image_set, (str, os.PathLike)):
        with open(image_set, "r", encoding="utf-8") as f:
            return [ln.strip() for ln in f if ln.strip()]
    return [str(i) for i in image_set]


def read_annotations(ann_dir: Union[str, os.PathLike], image_ids: Optional[Sequence[str]] = None
                     ) -> Dict[str, ImageAnnotation]:
    """``{img_id: ImageAnnotation}`` from ``ann_dir/<img_id>.txt`` (default: every ``*.txt``)."""
    ann_dir = Path(ann_dir)
    if not ann_dir.is_dir():
        raise FileNotFoundError(f"annotation folder {ann_dir} does not exist")
    if image_ids is None:
        image_ids = sorted(p.stem for p in ann_dir.glob("*.txt"))
        if not image_ids:
            raise FileNotFoundError(f"no labelTxt files (*.txt) in {ann_dir}")
    out = {}
    for img_id in image_ids:
        path = ann_dir / f"{img_id}.txt"
        if not path.is_file():
            raise FileNotFoundError(f"no annotation file {path} for image {img_id!r} of the image set")
        out[img_id] = read_dota_label(path)
    return out


def eval_dota_task1(det_dir, ann_dir, class_names: Sequence[str], iou_thr: float = 0.5,
                    use_07_metric: bool = True, image_set=None) -> Dict[str, float]:
    """DOTA Task1 (oriented boxes) mAP from submission files, identical to DOTA_devkit.

    Args:
        det_dir: folder of ``Task1_<class>.txt`` (``img_id score x1 y1 ... x4 y4`` a line).
        ann_dir: DOTA ``labelTxt`` folder (``<img_id>.txt``).
        class_names: classes evaluated; mAP is their mean.
        iou_thr: a hit needs polygon IoU > ``iou_thr``.
        use_07_metric: VOC07 11-point AP (DOTA's) or, if False, the VOC area form.
        image_set: image ids (a list, or a text file with one a line); default every
            ``*.txt`` of ``ann_dir``.

    Returns:
        ``{class: AP, ..., "mAP": mAP}``. See the module docstring for missing files, classes
        without ground truth and detections on other images.
    """
    names = _check_classes(class_names)
    if not Path(det_dir).is_dir():
        raise FileNotFoundError(f"detection folder {det_dir} does not exist")
    ids = read_image_set(image_set)
    annotations = read_annotations(ann_dir, ids)
    dets = read_task1_dir(det_dir, names)
    return eval_rbbox_map(dets, annotations, names, iou_thr, use_07_metric, ids)
