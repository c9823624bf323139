"""daik end to end on a CPU (`make demo`)
(``daik bench demo``, :mod:`daik.bench.demo`).

    python tools/demo.py [--work-dir work_dirs/demo] [--epochs 8] [--threads 2]
"""
import sys

from daik.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", "demo", *sys.argv[1:]]))
