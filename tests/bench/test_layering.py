"""daik.bench is a floor of its own, above the library: nothing in daik outside it imports it
(``daik bench`` runs its suites by module name; tests/test_cli.py holds the tools/ shims)."""
import ast
import os
import os.path as osp

from .conftest import ROOT

PACKAGE = osp.join(ROOT, "daik")


def imported_modules(path: str, as_path: str = None):
    """Absolute names of every module an ``import`` / ``from ... import`` of the file ``path`` names
    (``from a import b`` gives ``a`` and ``a.b``; relative imports resolved as if the file were at
    ``as_path``, default ``path``)."""
    package = osp.relpath(osp.dirname(as_path or path), ROOT).replace(os.sep, ".").split(".")
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[:len(package) - node.level + 1] + ([base] if base else []))
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def library_files():
    """Every source file of the package but daik/bench's."""
    for root, dirs, files in os.walk(PACKAGE):
        dirs[:] = [d for d in dirs if d not in ("bench", "__pycache__")]
        yield from (osp.join(root, f) for f in files if f.endswith(".py"))


def test_the_check_sees_every_way_of_importing_the_package(tmp_path):
    as_path = osp.join(PACKAGE, "engine", "probe.py")  # read as daik.engine.probe
    cases = {"import daik.bench.kd": "daik.bench.kd", "from daik import bench": "daik.bench",
             "from .. import bench": "daik.bench", "from ..bench.kd_cache import run_settings": "daik.bench.kd_cache",
             "def f():\n    from daik.bench.common import ROOT": "daik.bench.common"}
    for code, name in cases.items():
        probe = tmp_path / "probe.py"
        probe.write_text(code + "\n")
        assert name in set(imported_modules(str(probe), as_path)), code


def test_nothing_in_the_library_imports_daik_bench():
    files = list(library_files())
    assert len(files) > 50 and osp.join(PACKAGE, "engine", "runner.py") in files
    offenders = {osp.relpath(p, ROOT): sorted({m for m in imported_modules(p) if m == "daik.bench"
                                               or m.startswith("daik.bench.")}) for p in files}
    assert not {k: v for k, v in offenders.items() if v}
