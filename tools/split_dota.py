"""``python tools/split_dota.py ARGS`` is ``daik split ARGS``: the options and the work are those of
:mod:`daik.cli.split` (``daik split --help``)."""
import sys

from daik.cli import main

if __name__ == "__main__":
    sys.exit(main(["split", *sys.argv[1:]]))
