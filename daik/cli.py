"""The ``daik`` command: every tool of the repository as a subcommand.

    daik train CONFIG [--work-dir D] [--resume] ...
    daik test CONFIG CKPT [--out-dir D] ...
    daik infer CONFIG CKPT RASTER --out OUT.geojson [--patch 1024 --gap 200] ...
    daik export CONFIG CKPT --out model.onnx ...
    daik split ... | daik synth OUT --num-images N ... | daik bench ops|eval|infer|export|kd|train|synthetic ...

Each subcommand hands the rest of the command line to the ``main(argv)`` of its tool in the
repository's ``tools/`` folder (``daik test`` is ``python tools/test.py``), so both take the
same options, give the same help and do the same work: there is one argument parser per job.
``daik COMMAND --help`` prints the tool's own help. The tools live beside the package in a
source checkout, which is how daik is installed (``pip install -e .``, ``make test``).
"""
import argparse
import contextlib
import importlib.util
import os
import sys
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

TOOLS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools")

# subcommand: (tool file in tools/, one-line description)
COMMANDS: Dict[str, Tuple[Optional[str], str]] = {
    "train": ("train.py", "train a detector, or distil one (a distillation config is an ordinary config)"),
    "test": ("test.py", "evaluate a checkpoint: per-class AP and mAP (DOTA Task1), Task1 files"),
    "infer": ("infer_large.py", "detect objects in a whole scene window by window, write GeoJSON"),
    "export": ("export_onnx.py", "export a detector to ONNX (reparameterised, decoding inside the graph)"),
    "split": ("split_dota.py", "split DOTA-style scenes into fixed-size patches with their labels"),
    "synth": ("make_synthetic.py", "write daik's synthetic aerial data set (DOTA layout) or GeoTIFF scenes"),
    "bench": (None, "run a benchmark: daik bench ops|eval|infer|export|kd|train|synthetic ..."),
}
BENCHMARKS: Dict[str, Tuple[str, str]] = {
    "ops": ("bench_ops.py", "compiled geometric ops against shapely 2 and the pure-torch references"),
    "eval": ("bench_eval.py", "DOTA Task1 evaluation against a pure shapely implementation"),
    "infer": ("bench_infer.py", "tiled inference over a whole synthetic scene: wall time, peak memory"),
    "export": ("bench_export.py", "the ONNX export on onnxruntime against PyTorch eager: latency and mAP"),
    "kd": ("bench_kd.py", "distillation: teacher, student alone and student + each distiller over seeds"),
    "train": ("bench_train.py", "training throughput of the YOLOv6-R sizes"),
    "synthetic": ("bench_synthetic.py", "speed of the synthetic data generator"),
}


def _listing(table: Dict[str, Tuple[Any, str]]) -> str:
    width = max(len(name) for name in table)
    return "\n".join(f"  {name:<{width}}  {text}" for name, (_, text) in table.items())


def _parser(prog: str, table: Dict[str, Tuple[Any, str]], what: str, description: str) -> argparse.ArgumentParser:
    epilog = f"{what.lower()}s:\n{_listing(table)}\n\n'{prog} {what} --help' shows its options."
    p = argparse.ArgumentParser(prog=prog, description=description, usage=f"{prog} {what} [ARGS ...]", epilog=epilog,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument(what.lower(), metavar=what, choices=list(table), help=f"one of: {', '.join(table)}")
    p.add_argument("args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    return p


def load_tool(filename: str):
    """The module ``tools/<filename>``, imported once (as the module ``daik_tool_<stem>``).

    Raises:
        SystemExit: the file is not there (daik installed without its source checkout).
    """
    path = os.path.join(TOOLS_DIR, filename)
    name = "daik_tool_" + os.path.splitext(filename)[0]
    if name in sys.modules:
        return sys.modules[name]
    if not os.path.isfile(path):
        raise SystemExit(f"daik: {path} not found; the daik command runs the tools of a source checkout "
                         "(install daik from it with pip install -e .)")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


@contextlib.contextmanager
def _program_name(prog: str) -> Iterator[None]:
    """``sys.argv[0]`` set to ``prog`` meanwhile: the tool's argparse names itself by it."""
    old = sys.argv[0] if sys.argv else None
    if sys.argv:
        sys.argv[0] = prog
    else:
        sys.argv.append(prog)
    try:
        yield
    finally:
        if old is None:
            sys.argv.pop(0)
        else:
            sys.argv[0] = old


def _parse(parser: argparse.ArgumentParser, argv: Sequence[str]) -> argparse.Namespace:
    """``parser.parse_args``; with nothing to parse, the whole help on stderr and status 2."""
    if not argv:
        parser.print_help(sys.stderr)
        raise SystemExit(2)
    return parser.parse_args(list(argv))


def resolve(argv: Sequence[str]) -> Tuple[str, str, List[str]]:
    """``(program name, tool file, the tool's argv)`` of a ``daik`` command line.

    Raises:
        SystemExit: ``--help`` (status 0), or no / an unknown subcommand (status 2, the list
            of subcommands printed).
    """
    top = _parser("daik", COMMANDS, "COMMAND", "daik: distil large rotated-box detectors into small ones for "
                                               "remote-sensing imagery.")
    from daik import __version__

    top.add_argument("--version", action="version", version=f"daik {__version__}")
    args = _parse(top, argv)
    if args.command != "bench":
        return f"daik {args.command}", COMMANDS[args.command][0], list(args.args)
    bench = _parser("daik bench", BENCHMARKS, "BENCHMARK", "Run one of daik's benchmarks (each writes its JSON "
                                                          "and its section of benchmarks/README.md).")
    sub = _parse(bench, args.args)
    return f"daik bench {sub.benchmark}", BENCHMARKS[sub.benchmark][0], list(sub.args)


def run(argv: Optional[Sequence[str]] = None) -> Any:
    """Run a ``daik`` command line and return what the tool's ``main`` returns (``daik test``:
    its metrics dict; ``daik infer``: the scene result). Errors propagate as exceptions."""
    prog, filename, rest = resolve(sys.argv[1:] if argv is None else argv)
    tool = load_tool(filename)
    with _program_name(prog):
        return tool.main(rest)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """The console script: :func:`run`, with a checkpoint or ``--cfg-options`` error (as
    ``tools/train.py`` and ``tools/test.py`` report them) or a missing file reported in one
    line, and status 0 on success."""
    from daik.engine.cfg_options import ConfigOptionError
    from daik.engine.checkpoint import CheckpointError

    try:
        run(argv)
    except (CheckpointError, ConfigOptionError, FileNotFoundError) as e:  # the message says it all
        raise SystemExit(f"daik: error: {e}") from None
    return 0
