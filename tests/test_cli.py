"""The ``daik`` command: every subcommand listed and handed to its module's ``main`` (same
options, same work as the ``tools/`` shim), unknown subcommands refused with the list,
``python -m daik``."""
import ast
import importlib
import inspect
import os
import re
import subprocess
import sys

import pytest

from daik.cli import BENCHMARKS, COMMANDS, main
from daik.data.synthetic import make_config, write_dataset
from tests.threads import one_thread_fixture

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOLS_DIR = os.path.join(ROOT, "tools")
CONFIG = os.path.join(ROOT, "configs", "demo", "teacher_n.py")
CKPT = os.path.join(ROOT, "checkpoints", "demo_teacher_n.pth")
TOOLS = {name: tool for name, (tool, _) in COMMANDS.items() if tool}
TOOLS.update({f"bench {name}": tool for name, (tool, _) in BENCHMARKS.items()})

_one_thread = one_thread_fixture()


def test_help_lists_every_subcommand_and_benchmark(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    for name in ("train", "test", "infer", "export", "split", "synth", "bench"):
        assert re.search(rf"^  {name}\s+\S", out, re.M), f"{name} not listed with a description"
    with pytest.raises(SystemExit) as e:
        main(["bench", "--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    for name in ("ops", "eval", "infer", "export", "kd", "train", "synthetic"):
        assert re.search(rf"^  {name}\s+\S", out, re.M), f"bench {name} not listed with a description"


def test_every_module_of_the_command_table_has_main_and_every_tool_is_a_shim():
    """The table names importable modules with a ``main(argv)``; every ``tools/*.py`` is a shim
    of a few lines that hands its command line to ``daik.cli.main`` (no work of its own)."""
    for name, module in TOOLS.items():
        main_fn = getattr(importlib.import_module(module), "main", None)
        assert main_fn is not None and list(inspect.signature(main_fn).parameters) == ["argv"], module
    for tool in sorted(os.listdir(TOOLS_DIR)):
        if not tool.endswith(".py"):
            continue
        text = open(os.path.join(TOOLS_DIR, tool)).read()
        tree = ast.parse(text)
        defs = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
        assert not defs and len(text.splitlines()) <= 30, f"tools/{tool} is more than a shim"
        call = re.search(r"main\(\[([^\]]*)\*sys\.argv\[1:\]\]\)", text)
        assert call, f"tools/{tool} does not call daik.cli.main"
        words = re.findall(r'"([^"]+)"', call.group(1))
        assert (words[0] in COMMANDS and words[0] != "bench") or (words[0] == "bench" and words[1] in BENCHMARKS), tool


@pytest.mark.parametrize("command", sorted(TOOLS))
def test_subcommand_help_is_the_tools_own(command, capsys):
    """``daik X --help`` prints the module's parser (its options and docstring), named ``daik X``."""
    with pytest.raises(SystemExit) as e:
        main(command.split() + ["--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: daik {command} ")
    first_doc_line = inspect.getdoc(importlib.import_module(TOOLS[command])).split("\n")[0]
    assert " ".join(first_doc_line.split()[:6]) in " ".join(out.split())


@pytest.mark.parametrize("argv", [["frobnicate"], ["bench", "nope"], []])
def test_unknown_or_missing_subcommand_exits_2_with_the_list(argv, capsys):
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err
    names = BENCHMARKS if argv[:1] == ["bench"] else COMMANDS
    for name in names:
        assert f"'{name}'" in err or re.search(rf"^  {name}\s", err, re.M), f"{name} missing from: {err}"


def test_synth_writes_what_make_synthetic_writes(tmp_path):
    """``daik synth`` is tools/make_synthetic.py: same options, byte-identical files."""
    opts = ["--num-images", "1", "--size", "64", "--seed", "3", "--preset", "quick", "--nproc", "1"]
    assert main(["synth", str(tmp_path / "cli")] + opts) == 0
    subprocess.run([sys.executable, os.path.join(TOOLS_DIR, "make_synthetic.py"), str(tmp_path / "tool")] + opts,
                   check=True, capture_output=True, env={**os.environ, "PYTHONPATH": ROOT})
    for sub, name in (("images", "S00000.png"), ("labelTxt", "S00000.txt")):
        made = (tmp_path / "cli" / sub / name).read_bytes()
        assert made and made == (tmp_path / "tool" / sub / name).read_bytes()
    import cv2

    assert cv2.imread(str(tmp_path / "cli" / "images" / "S00000.png")).shape == (64, 64, 3)


def test_test_on_one_image_prints_the_map_line(tmp_path, capsys):
    data = tmp_path / "one"
    write_dataset(str(data), 1, make_config("quick"), seed=4, progress=False)
    out = tmp_path / "out"
    assert main(["test", CONFIG, CKPT, "--out-dir", str(out), "--work-dir", str(tmp_path / "work"),
                 "--cfg-options", f"test_dataloader.dataset.data_root={data}/", "test_dataloader.num_workers=0",
                 "test_dataloader.persistent_workers=False", "test_dataloader.batch_size=1"]) == 0
    printed = re.search(r"^mAP\s+(\d\.\d{4})$", capsys.readouterr().out, re.M)
    assert printed, "no mAP line"
    import json

    metrics = json.loads((out / "metrics.json").read_text())
    assert float(printed.group(1)) == pytest.approx(metrics["dota/mAP"], abs=5e-5)


def test_errors_are_one_line(tmp_path):
    with pytest.raises(SystemExit) as e:
        main(["test", CONFIG, str(tmp_path / "missing.pth")])
    assert str(e.value.code).startswith("daik: error: ") and "missing.pth" in str(e.value.code)
    with pytest.raises(SystemExit) as e:
        main(["test", CONFIG, CKPT, "--cfg-options", "model.test_cfg.score_tresh=0.3"])
    assert str(e.value.code).startswith("daik: error: ") and "score_tresh" in str(e.value.code)


def test_python_m_daik_runs_the_command():
    done = subprocess.run([sys.executable, "-m", "daik", "bench", "nope"], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": ROOT}, cwd=ROOT)
    assert done.returncode == 2 and "usage: daik bench BENCHMARK" in done.stderr
    assert "invalid choice: 'nope'" in done.stderr and "'kd'" in done.stderr
