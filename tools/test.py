"""``python tools/test.py ARGS`` is ``daik test ARGS``: the options and the work are those of
:mod:`daik.cli.test` (``daik test --help``)."""
import sys

from daik.cli import main

if __name__ == "__main__":
    sys.exit(main(["test", *sys.argv[1:]]))
