"""daik.bench is a floor of its own, above the library: nothing in daik outside it imports it,
and the benchmark tools in tools/ are shims over its suites."""
import ast
import os
import os.path as osp

import pytest

from .conftest import ROOT

PACKAGE = osp.join(ROOT, "daik")
# the command line sits above every floor, as tools/ does: it runs the suites by name
COMMAND_LINE = {osp.join(PACKAGE, "cli.py"), osp.join(PACKAGE, "__main__.py")}
SHIMS = {"bench_ops.py": "ops", "bench_eval.py": "eval", "bench_infer.py": "infer", "bench_export.py": "export",
         "bench_kd.py": "kd", "bench_train.py": "train", "bench_synthetic.py": "synthetic",
         "report_teachers.py": "teachers", "demo.py": "demo"}


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
    files = [p for p in library_files() if p not in COMMAND_LINE]
    assert len(files) > 50 and osp.join(PACKAGE, "engine", "runner.py") in files
    offenders = {osp.relpath(p, ROOT): sorted({m for m in imported_modules(p) if m == "daik.bench"
                                               or m.startswith("daik.bench.")}) for p in files}
    assert not {k: v for k, v in offenders.items() if v}


@pytest.mark.parametrize("tool", sorted(SHIMS))
def test_benchmark_tools_are_shims_over_their_suite(tool):
    tree = ast.parse(open(osp.join(ROOT, "tools", tool)).read())
    assert not [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))], f"{tool} defines code"
    froms = [(n.module, [a.name for a in n.names]) for n in tree.body if isinstance(n, ast.ImportFrom)]
    assert (f"daik.bench.{SHIMS[tool]}", ["main"]) in froms
    assert len(open(osp.join(ROOT, "tools", tool)).read().splitlines()) <= 15
