"""``python tools/kd_diagnostics.py ARGS`` is ``daik diagnose ARGS``: the options and the work are those of
:mod:`daik.cli.diagnose` (``daik diagnose --help``)."""
import sys

from daik.cli import main

if __name__ == "__main__":
    sys.exit(main(["diagnose", *sys.argv[1:]]))
