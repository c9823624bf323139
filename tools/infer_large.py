"""``python tools/infer_large.py ARGS`` is ``daik infer ARGS``: the options and the work are those of
:mod:`daik.cli.infer` (``daik infer --help``)."""
import sys

from daik.cli import main

if __name__ == "__main__":
    sys.exit(main(["infer", *sys.argv[1:]]))
