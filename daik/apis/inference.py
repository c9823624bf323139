"""Detections of images (:func:`inference_detector`) and whole scenes (:func:`infer_scene`)."""
import copy
import os
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
import torch

ImageLike = Union[np.ndarray, str, os.PathLike]


@dataclass
class DetectionResult:
    """Detections of one image.

    Attributes:
        rboxes: float64 ``(N, 5)`` ``(cx, cy, w, h, theta)``, regularised le90, in the pixels of
            the image as given.
        scores: float64 ``(N,)`` in [0, 1].
        labels: int64 ``(N,)``, indices into ``class_names``.
        class_names: the model's classes.
        ori_shape: ``(H, W)`` of the image.
        img_path: the file, or None for an array.
    """

    rboxes: np.ndarray
    scores: np.ndarray
    labels: np.ndarray
    class_names: Tuple[str, ...]
    ori_shape: Tuple[int, int]
    img_path: Optional[str] = None

    def __len__(self) -> int:
        return len(self.scores)

    @property
    def polys(self) -> np.ndarray:
        """float64 ``(N, 8)`` corners ``x1 y1 ... x4 y4`` (DOTA's polygon form)."""
        from daik.structures import rbox2poly

        return np.asarray(rbox2poly(self.rboxes), dtype=np.float64).reshape(-1, 8)

    def to_dict(self) -> dict:
        """``{"rboxes", "scores", "labels", "class_names", "ori_shape", "img_path"}``."""
        return dict(rboxes=self.rboxes, scores=self.scores, labels=self.labels, class_names=self.class_names,
                    ori_shape=self.ori_shape, img_path=self.img_path)


def config_test_pipeline(cfg) -> List[dict]:
    """The transforms ``daik test`` applies to each image: the pipeline of the config's test
    (else val) data set, looking through data-set wrappers; ``cfg.test_pipeline`` when no data
    loader names one.

    Raises:
        KeyError: the config has no test pipeline.
    """
    for key in ("test_dataloader", "val_dataloader"):
        ds = (cfg.get(key) or {}).get("dataset")
        while ds is not None and "pipeline" not in ds and "dataset" in ds:  # wrappers
            ds = ds["dataset"]
        if ds and ds.get("pipeline"):
            return copy.deepcopy([dict(t) for t in ds["pipeline"]])
    if cfg.get("test_pipeline"):
        return copy.deepcopy([dict(t) for t in cfg["test_pipeline"]])
    raise KeyError("the config has no test pipeline (test_dataloader.dataset.pipeline or test_pipeline)")


def _build_pipelines(cfg):
    """``(for files, for arrays)``: the test pipeline as it is, and with its first step,
    ``LoadImageFromFile``, replaced by ``LoadImageFromNDArray``."""
    from mmengine.dataset import Compose

    import daik.data  # noqa: F401  (registers the transforms)
    from daik.registry import TRANSFORMS

    steps = config_test_pipeline(cfg)
    if not steps or steps[0].get("type") not in ("LoadImageFromFile", "daik.LoadImageFromFile"):
        raise ValueError(f"the test pipeline must start with LoadImageFromFile, got {steps[:1]}")
    arrays = [dict(type="LoadImageFromNDArray")] + steps[1:]
    return (Compose([TRANSFORMS.build(t) for t in steps]), Compose([TRANSFORMS.build(t) for t in arrays]))


def _pipelines(model):
    """The model's cached pipelines (built once per model from ``model.cfg``)."""
    cache = getattr(model, "_daik_pipelines", None)
    if cache is None:
        cfg = getattr(model, "cfg", None)
        if cfg is None:
            raise ValueError("inference_detector needs a model from init_detector (it reads model.cfg's test pipeline)")
        cache = _build_pipelines(cfg)
        model._daik_pipelines = cache  # a plain attribute (not a submodule)
    return cache


def _class_names(model) -> Tuple[str, ...]:
    names = (getattr(model, "dataset_meta", None) or {}).get("classes")
    if names:
        return tuple(names)
    return tuple(f"class_{i}" for i in range(getattr(getattr(model, "head", None), "num_classes", 0)))


def _prepare(model, image: ImageLike, index: int) -> dict:
    """One image through the test pipeline: ``{"inputs": (3, h, w) uint8, "data_samples": ...}``."""
    for_files, for_arrays = _pipelines(model)
    if isinstance(image, np.ndarray):
        return for_arrays(dict(img=image, img_id=f"array_{index}"))
    if isinstance(image, (str, os.PathLike)):
        path = os.fspath(image)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"image file not found: {path}")
        return for_files(dict(img_path=path, img_id=os.path.splitext(os.path.basename(path))[0]))
    raise TypeError(f"an image is an (H, W, 3) uint8 RGB array or a path, got {type(image).__name__}")


def inference_detector(model: torch.nn.Module, images: Union[ImageLike, Sequence[ImageLike]]
                       ) -> Union[DetectionResult, List[DetectionResult]]:
    """Detect objects in images as ``daik test`` does, one image per forward pass.

    Args:
        model: from :func:`init_detector`.
        images: an ``(H, W, 3)`` uint8 RGB array, an image path (read as the data sets read
            files: :func:`daik.data.image_io.read_image_rgb`), or a list / tuple of either.

    Returns:
        A :class:`DetectionResult` (boxes in the given image's pixels, see the module
        docstring), or a list of them, one per image in order, for a list.

    Raises:
        ValueError: an array that is not ``(H, W, 3)`` uint8.
        FileNotFoundError: a path that is not a file.
    """
    from mmengine.dataset import pseudo_collate

    single = not isinstance(images, (list, tuple))
    names = _class_names(model)
    results = []
    for i, image in enumerate([images] if single else images):
        data = pseudo_collate([_prepare(model, image, i)])
        with torch.no_grad():
            sample = model.test_step(data)[0]
        pred = sample.pred_instances
        results.append(DetectionResult(
            rboxes=pred.bboxes.detach().cpu().double().numpy().reshape(-1, 5),
            scores=pred.scores.detach().cpu().double().numpy().reshape(-1),
            labels=pred.labels.detach().cpu().long().numpy().reshape(-1),
            class_names=names, ori_shape=tuple(int(v) for v in sample.metainfo["ori_shape"]),
            img_path=sample.metainfo.get("img_path")))
    return results[0] if single else results


# the keys of a config's ``infer_cfg`` that ``daik infer`` reads
_INFER_CFG_KEYS = ("patch", "gap", "rates", "batch_size", "bands", "stretch", "percentiles")


def infer_scene(model: torch.nn.Module, raster: Union[str, os.PathLike], out: Optional[str] = None,
                patch: Optional[int] = None, gap: Optional[int] = None, rates: Optional[Sequence[float]] = None,
                batch_size: Optional[int] = None, score_thr: Optional[float] = None, iou_thr: float = 0.1,
                keep_nodata: bool = False, progress: bool = False, prefetch: int = 2, **source_kwargs):
    """Detect objects in a whole scene window by window (the predictor of ``daik infer``).

    Windowing options left at None come from the config's ``infer_cfg`` when it has one, else
    from :class:`~daik.inference.TiledPredictor` (``patch`` 1024, ``gap`` 200, ``rates``
    ``(1.0,)``, ``batch_size`` 4).

    Args:
        model: from :func:`init_detector`.
        raster: any file rasterio opens (GeoTIFF incl. tiled / BigTIFF, PNG, JPEG).
        out: also write the detections as GeoJSON here (polygons in the raster's CRS).
        patch: window side in pixels.
        gap: overlap of neighbouring windows.
        rates: scales of a multi-scale run.
        batch_size: windows per model call.
        score_thr: override the head's ``test_cfg.score_thr`` for this call.
        iou_thr: rotated NMS threshold of the merge across windows.
        keep_nodata: keep detections centred on nodata pixels.
        progress: show a progress bar.
        prefetch: batches of windows read ahead by the reader thread.
        **source_kwargs: normalisation of :class:`~daik.inference.RasterSource` (``bands``,
            ``stretch``, ``percentiles``); the config's ``infer_cfg`` fills those not given.

    Returns:
        A :class:`~daik.inference.SceneResult` (None on ranks other than 0 under ``torchrun``).
    """
    from daik.inference import DetectorPatchFn, TiledPredictor, write_geojson
    from daik.inference.preflight import check_outputs

    raster = os.fspath(raster)
    check_outputs([raster], files={"out": out}, folders={})
    given = dict(patch_size=patch, gap=gap, rates=rates, batch_size=batch_size, **source_kwargs)
    config = dict((getattr(model, "cfg", None) or {}).get("infer_cfg") or {})
    config = {("patch_size" if k == "patch" else k): v for k, v in config.items() if k in _INFER_CFG_KEYS}
    options = {k: v for k, v in config.items() if v is not None}
    options.update((k, v) for k, v in given.items() if v is not None)
    if "percentiles" in options:
        options["percentiles"] = tuple(options["percentiles"])
    test_cfg = model.head.test_cfg
    old = dict(test_cfg)
    if score_thr is not None:
        test_cfg["score_thr"] = score_thr
    try:
        predictor = TiledPredictor(DetectorPatchFn(model), merge_iou_thr=iou_thr, drop_on_nodata=not keep_nodata,
                                   progress=progress, prefetch=prefetch, **options)
        result = predictor.predict(raster)
    finally:
        test_cfg.clear()
        test_cfg.update(old)
    if result is not None:
        result.stats["threads"] = torch.get_num_threads()
    if result is not None and out:
        write_geojson(out, result, _class_names(model))
    return result
