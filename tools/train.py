"""``python tools/train.py ARGS`` is ``daik train ARGS``: the options and the work are those of
:mod:`daik.cli.train` (``daik train --help``)."""
import sys

from daik.cli import main

if __name__ == "__main__":
    sys.exit(main(["train", *sys.argv[1:]]))
