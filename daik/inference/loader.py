"""The patches of a scene: their plan (from :func:`daik.data.windows.sliding_windows`) and a
background thread that reads them in batches.

GDAL releases the GIL while it reads and decompresses, so the reader thread fills the next
batches while the model runs on the current one; a bounded queue keeps at most ``prefetch``
batches in memory. Each patch is read straight into its slot of the batch array (no copy
to stack them). The thread opens its own :class:`~daik.inference.raster.RasterSource`
(rasterio datasets must not be shared between threads).
"""
import queue
import threading
from dataclasses import dataclass, field
from typing import Callable, Iterator, List, Optional, Sequence

import numpy as np

from daik.data.windows import sliding_windows

from .raster import RasterSource


@dataclass(frozen=True)
class PatchJob:
    """One window: ``index`` in the scene's plan, ``rate`` of the rescaled scene it is cut
    from, top-left ``(x, y)`` in that rescaled scene, ``size`` pixels square."""

    index: int
    rate: float
    x: int
    y: int
    size: int


def plan_patches(width: int, height: int, size: int = 1024, gap: int = 200,
                 rates: Sequence[float] = (1.0,)) -> List[PatchJob]:
    """Every window of every rate, rate by rate, each rate's windows in
    :func:`~daik.data.windows.sliding_windows` order."""
    jobs = []
    for rate in rates:
        for x1, y1, _, _ in sliding_windows(width, height, size=size, gap=gap, rate=float(rate)).tolist():
            jobs.append(PatchJob(len(jobs), float(rate), int(x1), int(y1), int(size)))
    return jobs


@dataclass
class PatchBatch:
    """Patches read together.

    Attributes:
        jobs: the windows of ``images``.
        images: ``(B, S, S, 3)`` uint8 RGB.
        valid: ``(B, S, S)`` bool, False on nodata and padding.
        skipped: windows met since the previous batch that hold no data at all (not in ``jobs``).
    """

    jobs: List[PatchJob]
    images: np.ndarray
    valid: np.ndarray
    skipped: List[PatchJob] = field(default_factory=list)


_DONE = object()


class PatchReader:
    """Iterate :class:`PatchBatch` es of ``jobs`` read on a background thread.

    Windows without a single valid pixel are not returned as patches; they are reported in
    the next batch's ``skipped`` (a final batch may hold no patches, only skipped windows).

    Args:
        open_source: makes the thread's own :class:`RasterSource`.
        jobs: the windows to read, in order.
        batch_size: patches per batch.
        prefetch: batches the queue holds at most.
    """

    def __init__(self, open_source: Callable[[], RasterSource], jobs: Sequence[PatchJob], batch_size: int = 4,
                 prefetch: int = 2):
        if batch_size < 1 or prefetch < 1:
            raise ValueError(f"batch_size and prefetch must be >= 1, got {batch_size} and {prefetch}")
        self.open_source, self.jobs = open_source, list(jobs)
        self.batch_size, self.prefetch = int(batch_size), int(prefetch)
        self._queue: "queue.Queue" = queue.Queue(maxsize=self.prefetch)
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def _put(self, item) -> bool:
        """Queue ``item`` unless the consumer has gone; False when it has."""
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        try:
            with self.open_source() as src:
                size = self.jobs[0].size if self.jobs else 0
                new_slots = lambda: (np.zeros((self.batch_size, size, size, 3), np.uint8),  # noqa: E731
                                     np.zeros((self.batch_size, size, size), bool))
                images, valid = new_slots()
                jobs, skipped = [], []
                for job in self.jobs:  # each patch read straight into its slot of the batch
                    k = len(jobs)
                    src.read_patch(job.x, job.y, job.size, job.rate, out=(images[k], valid[k]))
                    if not valid[k].any():
                        images[k] = 0
                        skipped.append(job)
                        continue
                    jobs.append(job)
                    if len(jobs) == self.batch_size:
                        if not self._put(PatchBatch(jobs, images, valid, skipped)):
                            return
                        (images, valid), jobs, skipped = new_slots(), [], []
                last = PatchBatch(jobs, images[:len(jobs)], valid[:len(jobs)], skipped)
                if (jobs or skipped) and not self._put(last):
                    return
            self._put(_DONE)
        except BaseException as e:  # noqa: BLE001 - handed to the consumer, which re-raises it
            self._put(e)

    def __iter__(self) -> Iterator[PatchBatch]:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="daik-patch-reader", daemon=True)
        self._thread.start()
        try:
            while True:
                item = self._queue.get()
                if item is _DONE:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            self.close()

    def close(self) -> None:
        """Stop the thread (also when the consumer stops early) and wait for it."""
        self._stop.set()
        if self._thread is not None:
            while self._thread.is_alive():
                try:  # unblock a pending put
                    self._queue.get_nowait()
                except queue.Empty:
                    pass
                self._thread.join(timeout=0.05)
            self._thread = None
        self._queue = queue.Queue(maxsize=self.prefetch)
