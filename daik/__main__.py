"""``python -m daik ...``: the ``daik`` command (:mod:`daik.cli`)."""
from daik.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
