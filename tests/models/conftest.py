"""The model tests run small convolutions: one thread is fastest for them and leaves the other
core to whatever else runs."""
import pytest
import torch


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
