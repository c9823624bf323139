"""Process pools for the data tools (split, synthetic generation).

A process forked after OpenCV or torch have started their thread pools can deadlock in its
first parallel call, so pools here never fork the caller: they start from a fork server
(Linux) that has imported only the modules named in ``preload``, or are spawned.
"""
import multiprocessing as mp
from typing import Callable, Optional, Sequence


def worker_pool(nproc: int, initializer: Optional[Callable[[], None]] = None, preload: Sequence[str] = ()):
    """A ``multiprocessing.Pool`` of ``nproc`` workers started by ``forkserver`` (else ``spawn``)."""
    method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
    ctx = mp.get_context(method)
    if method == "forkserver" and preload:
        ctx.set_forkserver_preload(list(preload))
    return ctx.Pool(nproc, initializer=initializer)


def single_thread_cv2() -> None:
    """Pool initializer: one OpenCV thread per worker (the workers already run in parallel)."""
    import cv2

    cv2.setNumThreads(1)
