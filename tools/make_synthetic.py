"""``python tools/make_synthetic.py ARGS`` is ``daik synth ARGS``: the options and the work are those of
:mod:`daik.cli.synth` (``daik synth --help``)."""
import sys

from daik.cli import main

if __name__ == "__main__":
    sys.exit(main(["synth", *sys.argv[1:]]))
