"""``python tools/export_onnx.py ARGS`` is ``daik export ARGS``: the options and the work are those of
:mod:`daik.cli.export` (``daik export --help``)."""
import sys

from daik.cli import main

if __name__ == "__main__":
    sys.exit(main(["export", *sys.argv[1:]]))
