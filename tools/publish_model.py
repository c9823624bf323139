"""``python tools/publish_model.py ARGS`` is ``daik publish ARGS``: the options and the work are those of
:mod:`daik.cli.publish` (``daik publish --help``)."""
import sys

from daik.cli import main

if __name__ == "__main__":
    sys.exit(main(["publish", *sys.argv[1:]]))
