"""Benchmark suites (daik.bench) in miniature: one torch thread, the engine tests' tiny data set."""
import os.path as osp

from tests.threads import one_thread_fixture

from ..engine.conftest import tiny_set  # noqa: F401  (the six-scene DOTA-layout folder)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

_one_thread = one_thread_fixture()
