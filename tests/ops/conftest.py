"""tests/ops checks the compiled ops themselves: DAIK_USE_REFERENCE_OPS is switched off here,
and a missing build fails these tests (with the build instructions) instead of skipping."""
import pytest


@pytest.fixture(autouse=True)
def _compiled_ops(monkeypatch):
    monkeypatch.delenv("DAIK_USE_REFERENCE_OPS", raising=False)
