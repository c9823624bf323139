"""The ``daik`` command: ``daik train|test|infer|export|split|synth|info|publish|diagnose|errors|bench``.

    daik train CONFIG [--work-dir D] [--resume] ...
    daik test CONFIG CKPT [--out-dir D] ...
    daik infer CONFIG CKPT RASTER --out OUT.geojson [--patch 1024 --gap 200] ...
    daik export CONFIG CKPT --out model.onnx ...
    daik split ... | daik synth OUT --num-images N ... | daik bench ops|eval|infer|export|kd|train|synthetic ...

Each subcommand is a module of this package (``daik.cli.<command>``, benchmarks
``daik.bench.<suite>``) with ``parse_args(argv)`` and ``main(argv)``: one argument parser per
job. The mmrotate-style scripts in ``tools/`` (``python tools/train.py ...``) are shims that call
:func:`main` with their subcommand, so both take the same options and do the same work.
"""
import argparse
import contextlib
import importlib
import sys
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

# subcommand: (module, one-line description)
COMMANDS: Dict[str, Tuple[Optional[str], str]] = {
    "train": ("daik.cli.train", "train a detector, or distil one (a distillation config is an ordinary config)"),
    "test": ("daik.cli.test", "evaluate a checkpoint: per-class AP and mAP (DOTA Task1), Task1 files"),
    "infer": ("daik.cli.infer", "detect objects in a whole scene window by window, write GeoJSON"),
    "export": ("daik.cli.export", "export a detector to ONNX (reparameterised, decoding inside the graph)"),
    "split": ("daik.cli.split", "split DOTA-style scenes into fixed-size patches with their labels"),
    "synth": ("daik.cli.synth", "write daik's synthetic aerial data set (DOTA layout) or GeoTIFF scenes"),
    "info": ("daik.cli.info", "parameters and FLOPs of the YOLOv6-R sizes beside YOLOv6 v3.0's published figures"),
    "publish": ("daik.cli.publish", "strip a training checkpoint to its (EMA) weights for shipping"),
    "diagnose": ("daik.cli.diagnose", "look into a distillation: target conflicts, angle errors, step cost"),
    "errors": ("daik.cli.errors", "where detectors' boxes miss: recall, IoU, angle, centre and side errors per class"),
    "bench": (None, "run a benchmark: daik bench ops|eval|infer|export|kd|train|synthetic|teachers|demo ..."),
}
BENCHMARKS: Dict[str, Tuple[str, str]] = {
    "ops": ("daik.bench.ops", "compiled geometric ops against shapely 2 and the pure-torch references"),
    "eval": ("daik.bench.eval", "DOTA Task1 evaluation against a pure shapely implementation"),
    "infer": ("daik.bench.infer", "tiled inference over a whole synthetic scene: wall time, peak memory"),
    "export": ("daik.bench.export", "the ONNX export on onnxruntime against PyTorch eager: latency and mAP"),
    "kd": ("daik.bench.kd", "distillation: teacher, student alone and student + each distiller over seeds"),
    "train": ("daik.bench.train", "training throughput of the YOLOv6-R sizes"),
    "synthetic": ("daik.bench.synthetic", "speed of the synthetic data generator"),
    "teachers": ("daik.bench.teachers", "the shipped teachers' accuracy table"),
    "demo": ("daik.bench.demo", "the demo: a teacher, a student alone and distilled, in minutes"),
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


def load_command(module: str):
    """The module of a subcommand (imported on demand: ``daik test`` does not import the exporters)."""
    return importlib.import_module(module)


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
    """``(program name, module, the command's argv)`` of a ``daik`` command line.

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
    """Run a ``daik`` command line and return what the command's ``main`` returns (``daik test``:
    its metrics dict; ``daik infer``: the scene result). Errors propagate as exceptions."""
    prog, module, rest = resolve(sys.argv[1:] if argv is None else argv)
    command = load_command(module)
    with _program_name(prog):
        return command.main(rest)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """The console script: :func:`run`, with a checkpoint or ``--cfg-options`` error (as
    ``daik train`` and ``daik test`` report them) or a missing file reported in one
    line, and status 0 on success."""
    from daik.engine.cfg_options import ConfigOptionError
    from daik.checkpoint import CheckpointError

    try:
        run(argv)
    except (CheckpointError, ConfigOptionError, FileNotFoundError) as e:  # the message says it all
        raise SystemExit(f"daik: error: {e}") from None
    return 0
