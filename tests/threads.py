"""One torch thread for the tests of tiny models: on a loaded 2-core machine two threads are far
slower, and one leaves the other core to whatever else runs. A folder's conftest (or a test module)
turns it on with ``_one_thread = one_thread_fixture()``."""
import pytest
import torch


def _one_torch_thread():
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


def one_thread_fixture():
    """An autouse fixture running each test with one torch thread (the old count restored)."""
    return pytest.fixture(autouse=True, name="_one_thread")(_one_torch_thread)
