"""Sharing a scene's windows between processes started by ``torchrun``.

Each rank predicts the windows ``plan[rank::world]``; rank 0 gathers the patch detections
(``gather_object`` over gloo, on the CPU), merges them and writes the outputs.
"""
import os
from typing import Any, List, Optional, Tuple

import torch.distributed as dist


def launched_by_torchrun() -> bool:
    """True when the environment of ``torchrun`` (``WORLD_SIZE`` > 1, ``RANK``) is set."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1 and "RANK" in os.environ


def init_distributed(backend: str = "gloo") -> Tuple[int, int]:
    """Join the process group ``torchrun`` set up (once); ``(rank, world_size)``.

    Without ``torchrun`` nothing is initialised and the answer is ``(0, 1)``.
    """
    if launched_by_torchrun() and not dist.is_initialized():
        dist.init_process_group(backend=backend)
    return dist_info()


def dist_info() -> Tuple[int, int]:
    """``(rank, world_size)`` of the initialised process group, ``(0, 1)`` without one."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def broadcast_from_main(obj: Any) -> Any:
    """Rank 0's ``obj`` on every rank (the object itself without a process group)."""
    rank, world = dist_info()
    if world == 1:
        return obj
    box = [obj if rank == 0 else None]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def gather_to_main(obj: Any) -> Optional[List[Any]]:
    """Every rank's ``obj``, in rank order, on rank 0; None on the other ranks."""
    rank, world = dist_info()
    if world == 1:
        return [obj]
    out = [None] * world if rank == 0 else None
    dist.gather_object(obj, out, dst=0)
    return out
