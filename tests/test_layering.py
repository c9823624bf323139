"""The package's floors: checkpoint IO sits below the models and the distillers, the distillers
below the engine that drives them, and the detector knows nothing of distillation."""
import os
import os.path as osp

import pytest

from tests.bench.test_layering import PACKAGE, imported_modules


def _files(sub: str):
    path = osp.join(PACKAGE, sub)
    if path.endswith(".py"):
        yield path
        return
    for root, dirs, files in os.walk(path):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        yield from (osp.join(root, f) for f in files if f.endswith(".py"))


@pytest.mark.parametrize("floor, above", [
    ("checkpoint.py", ("daik.models", "daik.distill", "daik.engine", "daik.cli", "daik.apis", "daik.bench")),
    ("models", ("daik.distill", "daik.engine", "daik.cli", "daik.apis", "daik.bench")),
    ("distill", ("daik.engine", "daik.cli", "daik.apis", "daik.bench")),
])
def test_a_floor_imports_nothing_above_it(floor, above):
    files = list(_files(floor))
    assert files
    offenders = {osp.relpath(p, PACKAGE): sorted({m for m in imported_modules(p) if m.startswith(above)})
                 for p in files}
    assert not {k: v for k, v in offenders.items() if v}


def test_the_detector_does_not_know_the_distillers_key_prefix():
    for path in _files("models"):
        text = open(path).read()
        assert '"distill."' not in text and "'distill.'" not in text, path


def test_no_test_loads_a_file_by_path():
    """Tests import the library (daik.cli, daik.bench, ...) as users do, never tools/*.py by path."""
    tests = osp.dirname(osp.abspath(__file__))
    for root, dirs, files in os.walk(tests):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for f in files:
            if f.endswith(".py") and f != "test_layering.py":
                text = open(osp.join(root, f)).read()
                assert "spec_from_file_location" not in text and "sys.path.insert" not in text, f
