"""``python tools/model_info.py ARGS`` is ``daik info ARGS``: the options and the work are those of
:mod:`daik.cli.info` (``daik info --help``)."""
import sys

from daik.cli import main

if __name__ == "__main__":
    sys.exit(main(["info", *sys.argv[1:]]))
