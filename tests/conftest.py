"""Shared test settings. `make test` runs slow end-to-end tests in a reduced form;
DAIK_FULL_TESTS=1 (`make test-full`) runs them at full size."""
import os

import pytest
import torch

FULL = os.environ.get("DAIK_FULL_TESTS", "0") == "1"

requires_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


@pytest.fixture(scope="session")
def full_tests() -> bool:
    """True when the slow tests should run at full size."""
    return FULL
