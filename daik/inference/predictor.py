"""Tiled prediction over whole scenes.

:class:`TiledPredictor` plans the windows of a raster (:mod:`daik.data.windows`, every rate
of a multi-scale run), reads them in batches on a background thread, hands each batch to a
*patch function* and merges the patch detections with
:func:`daik.evaluation.merge.merge_patch_results` (rotated NMS across overlaps).

The patch function is the only place a model is called, so tests swap in an oracle::

    patch_fn(images, jobs)   # (B, S, S, 3) uint8 RGB, B PatchJobs -> [(bboxes (K, 5), scores (K,), labels (K,))] * B

boxes in the patch's pixels (a model ignores ``jobs``, the windows the patches come from).
:class:`DetectorPatchFn` wraps any model with the detector's ``test_step`` / ``predict``
interface (``pred_instances`` with ``bboxes``, ``scores``, ``labels``). A patch function may
also come in two stages, ``run_model(images, jobs) -> raw`` and ``postprocess(raw) -> [...]``
(``DetectorPatchFn`` does: the convolutions, then decoding and NMS); the predictor then
post-processes each batch on a worker thread while the model runs the next.
"""
import os
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Deque, Dict, List, Optional, Sequence, Tuple

import numpy as np

from daik.evaluation.merge import Detections, merge_patch_results
from daik.evaluation.patch_names import patch_name

from .distributed import broadcast_from_main, dist_info, gather_to_main
from .loader import PatchBatch, PatchJob, PatchReader, plan_patches
from .progress import PatchProgress
from .raster import RasterSource

PatchDetections = Tuple[np.ndarray, np.ndarray, np.ndarray]
PatchFn = Callable[[np.ndarray, Sequence[PatchJob]], Sequence[PatchDetections]]


class DetectorPatchFn:
    """A patch function around a detector (``model.test_step`` on uint8 patches).

    Args:
        model: an mmengine model whose ``test_step`` returns data samples with
            ``pred_instances`` (``RotatedYOLO``, a distiller's student...), in eval mode.
        fuse: run a reparameterised copy (:func:`daik.models.reparameterize`: RepVGG branches
            and batch norms folded; the caller's model is left as it is). Same detections up to
            float rounding, and faster (``daik bench infer`` measures it).
    """

    def __init__(self, model, fuse: bool = True):
        if fuse:
            import copy

            from daik.models import reparameterize

            model = reparameterize(copy.deepcopy(model))
        self.model = model.eval()

    def __call__(self, images: np.ndarray, jobs: Optional[Sequence[PatchJob]] = None) -> List[PatchDetections]:
        return self.postprocess(self.run_model(images, jobs))

    def _split(self) -> bool:
        """Whether the model's head can run its maps and its post-process apart."""
        return hasattr(self.model, "extract_feat") and hasattr(getattr(self.model, "head", None), "predict_from_maps")

    def run_model(self, images: np.ndarray, jobs: Optional[Sequence[PatchJob]] = None):
        """The first stage: normalisation, backbone, neck and the head's convolutions (the whole
        ``test_step`` for a model without ``head.predict_from_maps``). Returns what
        :meth:`postprocess` takes."""
        import torch

        from daik.structures import DetDataSample

        h, w = images.shape[1:3]
        meta = dict(img_shape=(h, w), ori_shape=(h, w), scale_factor=(1.0, 1.0))
        inputs = list(torch.from_numpy(images).permute(0, 3, 1, 2))  # B x (3, S, S) uint8
        samples = [DetDataSample(metainfo=dict(meta)) for _ in range(len(inputs))]
        with torch.no_grad():
            if not self._split():
                return "samples", self.model.test_step({"inputs": inputs, "data_samples": samples})
            data = self.model.data_preprocessor({"inputs": inputs, "data_samples": samples}, False)
            return "maps", (self.model.head.predict_maps(self.model.extract_feat(data["inputs"])),
                            [ds.metainfo for ds in data["data_samples"]])

    def postprocess(self, raw) -> List[PatchDetections]:
        """The second stage: decoding and per-patch NMS of :meth:`run_model`'s output, as numpy
        ``(bboxes (K, 5) float64, scores (K,) float64, labels (K,) int64)`` per patch. Thread-safe
        (a tiled predictor runs it beside the next batch's :meth:`run_model`)."""
        import torch

        kind, value = raw
        with torch.no_grad():  # grad mode is per thread
            preds = ([o.pred_instances for o in value] if kind == "samples"
                     else self.model.head.predict_from_maps(*value, rescale=True))
        return [(p.bboxes.detach().cpu().double().numpy(), p.scores.detach().cpu().double().numpy(),
                 p.labels.detach().cpu().long().numpy()) for p in preds]


@dataclass
class SceneResult:
    """Detections of one scene.

    Attributes:
        detections: merged detections, boxes ``(K, 5)`` in the scene's pixels.
        scene_id: the raster's file stem.
        width: scene width in pixels.
        height: scene height in pixels.
        crs: the raster's ``rasterio.crs.CRS`` (None for plain images).
        transform: the raster's pixel-to-map ``affine.Affine``.
        stats: windows, skipped windows, timings (see :meth:`TiledPredictor.predict`).
        norm: the normalisation every patch was read with (``RasterSource`` keyword arguments).
    """

    detections: Detections
    scene_id: str
    width: int
    height: int
    crs: Any
    transform: Any
    stats: Dict[str, float] = field(default_factory=dict)
    norm: Dict[str, Any] = field(default_factory=dict)


def centres_on_data(bboxes: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Bool ``(K,)``: whether each box's centre falls on a valid pixel of its patch.

    Args:
        bboxes: ``(K, 5)`` in patch pixels.
        valid: ``(S, S)`` validity mask of the patch.
    """
    if valid.all() or len(bboxes) == 0:
        return np.ones(len(bboxes), dtype=bool)
    h, w = valid.shape
    xi = np.clip(np.floor(bboxes[:, 0]), 0, w - 1).astype(np.int64)
    yi = np.clip(np.floor(bboxes[:, 1]), 0, h - 1).astype(np.int64)
    return valid[yi, xi]


def _as_arrays(res: PatchDetections) -> PatchDetections:
    b, s, lab = res
    b = np.asarray(b, dtype=np.float64).reshape(-1, 5)
    return b, np.asarray(s, dtype=np.float64).reshape(len(b)), np.asarray(lab, dtype=np.int64).reshape(len(b))


class TiledPredictor:
    """Detect objects in a raster of any size, one window at a time.

    Args:
        patch_fn: the per-patch model call (see the module docstring).
        patch_size: window side in pixels (of the scene rescaled by each rate).
        gap: minimum overlap of neighbouring windows.
        rates: scales of a multi-scale run (1.0: the scene as it is).
        batch_size: patches per model call.
        prefetch: batches the reader thread may read ahead.
        merge_iou_thr: rotated NMS threshold of the merge across overlaps.
        drop_on_nodata: drop detections centred on nodata (or padding) pixels.
        progress: show a progress bar (rank 0).
        pipeline: with a two-stage patch function (``run_model`` / ``postprocess``, as
            :class:`DetectorPatchFn` has), post-process each batch on a worker thread while
            the model runs the next one.
        source_kwargs: normalisation options of :class:`~daik.inference.raster.RasterSource`
            (``bands``, ``stretch``, ``percentiles``, ``lo``, ``hi``, ``overview_side``).
    """

    def __init__(self, patch_fn: PatchFn, patch_size: int = 1024, gap: int = 200, rates: Sequence[float] = (1.0,),
                 batch_size: int = 4, prefetch: int = 2, merge_iou_thr: float = 0.1, drop_on_nodata: bool = True,
                 progress: bool = True, pipeline: bool = True, **source_kwargs):
        if not rates or any(r <= 0 for r in rates):
            raise ValueError(f"rates must be positive, got {rates}")
        self.patch_fn, self.patch_size, self.gap = patch_fn, int(patch_size), int(gap)
        self.rates = tuple(float(r) for r in rates)
        self.batch_size, self.prefetch = int(batch_size), int(prefetch)
        self.merge_iou_thr, self.drop_on_nodata, self.progress = merge_iou_thr, drop_on_nodata, progress
        self.pipeline = bool(pipeline)
        self.source_kwargs = source_kwargs

    def plan(self, width: int, height: int) -> List[PatchJob]:
        """The windows of a ``width x height`` scene (all rates)."""
        return plan_patches(width, height, self.patch_size, self.gap, self.rates)

    def predict(self, path: str) -> Optional[SceneResult]:
        """Detections of the raster at ``path``.

        Under a process group every rank predicts its share of the windows
        (``plan[rank::world]``) and rank 0 merges; the other ranks get None.

        ``stats``: ``windows`` (all ranks), ``patches`` (run through the model),
        ``skipped_nodata``, ``raw_detections`` (before the merge), ``detections``, and on
        rank 0's share ``seconds`` (reading + model, wall), ``seconds_model`` (the patch
        function, or its ``run_model`` stage when pipelined), ``seconds_postprocess_thread``
        (the pipelined ``postprocess`` stage, on its thread), ``seconds_waiting`` (the model
        waiting for the reader), ``seconds_merge``, ``patches_per_s``.
        """
        rank, world = dist_info()
        info = None
        if rank == 0:
            with RasterSource(path, **self.source_kwargs) as src:
                info = dict(norm=src.norm_params(), width=src.width, height=src.height, crs=src.crs,
                            transform=src.transform)
        info = broadcast_from_main(info)
        jobs = self.plan(info["width"], info["height"])
        parts, stats = self.run_patches(path, info["norm"], jobs[rank::world], show=self.progress and rank == 0)
        gathered = gather_to_main((parts, stats))
        if rank != 0:
            return None
        parts = sorted((p for g in gathered for p in g[0]), key=lambda p: p[0].index)
        stats = dict(stats, windows=len(jobs), patches=sum(g[1]["patches"] for g in gathered),
                     skipped_nodata=sum(g[1]["skipped_nodata"] for g in gathered),
                     raw_detections=sum(len(p[2]) for p in parts), ranks=world)
        scene_id = os.path.splitext(os.path.basename(path))[0]
        t0 = time.perf_counter()
        dets = self.merge(parts, scene_id)
        stats.update(seconds_merge=time.perf_counter() - t0, detections=len(dets.scores))
        return SceneResult(dets, scene_id, info["width"], info["height"], info["crs"], info["transform"], stats,
                           info["norm"])

    def run_patches(self, path: str, norm: dict, jobs: Sequence[PatchJob],
                    show: bool = False) -> Tuple[List[Tuple[PatchJob, np.ndarray, np.ndarray, np.ndarray]], dict]:
        """Read and predict ``jobs``; patch detections (patch pixels) and this rank's stats.

        A patch function with ``run_model`` and ``postprocess`` stages (:class:`DetectorPatchFn`)
        is pipelined when ``pipeline`` is on: a worker thread decodes batch k while the model
        runs batch k+1 (at most two batches' outputs held)."""
        staged = self.pipeline and all(hasattr(self.patch_fn, a) for a in ("run_model", "postprocess"))
        reader = PatchReader(lambda: RasterSource(path, **norm), jobs, self.batch_size, self.prefetch)
        pool = ThreadPoolExecutor(1, thread_name_prefix="daik-postprocess") if staged else None
        pending: Deque = deque()
        parts, skipped, t_model, t_wait, t_post = [], 0, 0.0, 0.0, 0.0
        t0 = t_get = time.perf_counter()
        try:
            with PatchProgress(len(jobs), enabled=show) as bar:
                for batch in reader:
                    t_wait += time.perf_counter() - t_get
                    skipped += len(batch.skipped)
                    if batch.jobs:
                        t1 = time.perf_counter()
                        if staged:
                            raw = self.patch_fn.run_model(batch.images, batch.jobs)
                            pending.append(pool.submit(self._postprocess, batch, raw))
                        else:
                            parts.extend(self._keep(batch, self.patch_fn(batch.images, batch.jobs)))
                        t_model += time.perf_counter() - t1
                    while len(pending) > 1:  # the previous batch's post-process is done or nearly
                        new, seconds = pending.popleft().result()
                        parts.extend(new)
                        t_post += seconds
                    bar.advance(len(batch.jobs), len(batch.skipped))
                    t_get = time.perf_counter()
                while pending:
                    new, seconds = pending.popleft().result()
                    parts.extend(new)
                    t_post += seconds
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
        seconds = time.perf_counter() - t0
        stats = dict(patches=len(parts), skipped_nodata=skipped, seconds=seconds, seconds_model=t_model,
                     seconds_waiting=t_wait, seconds_postprocess_thread=t_post,
                     patches_per_s=len(parts) / max(seconds, 1e-9))
        return parts, stats

    def _postprocess(self, batch: PatchBatch, raw) -> Tuple[list, float]:
        """The worker thread's task: a batch's detections and the seconds it took."""
        t0 = time.perf_counter()
        parts = self._keep(batch, self.patch_fn.postprocess(raw))
        return parts, time.perf_counter() - t0

    def _keep(self, batch: PatchBatch, results) -> list:
        """``[(job, bboxes, scores, labels)]`` of a batch, without detections centred on nodata."""
        if len(results) != len(batch.jobs):
            raise RuntimeError(f"the patch function returned {len(results)} results for {len(batch.jobs)} patches")
        parts = []
        for job, valid, res in zip(batch.jobs, batch.valid, results):
            b, s, lab = _as_arrays(res)
            keep = centres_on_data(b, valid) if self.drop_on_nodata else slice(None)
            parts.append((job, b[keep], s[keep], lab[keep]))
        return parts

    def merge(self, parts, scene_id: str) -> Detections:
        """Merge patch detections ``[(job, bboxes, scores, labels)]`` into scene detections."""
        named = ((patch_name(scene_id, job.rate, job.x, job.y), b, s, lab) for job, b, s, lab in parts)
        merged = merge_patch_results(named, iou_thr=self.merge_iou_thr)
        if scene_id not in merged:
            return Detections(np.zeros((0, 5)), np.zeros(0), np.zeros(0, dtype=np.int64))
        return merged[scene_id]
