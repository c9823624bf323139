"""Benchmark suites (daik.bench) in miniature: one torch thread, the engine tests' tiny data set."""
import os.path as osp

import pytest
import torch

from ..engine.conftest import tiny_set  # noqa: F401  (the six-scene DOTA-layout folder)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.fixture(autouse=True)
def _one_thread():
    """On a loaded 2-core machine two threads are far slower."""
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)
