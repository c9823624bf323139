"""Training throughput of the YOLOv6-R sizes, side by side in one run
(``daik bench train``, :mod:`daik.bench.train`).

    python tools/bench_train.py --data data/synthetic_quick --sizes n s m --iters 30 --threads 1
"""
import sys

from daik.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", "train", *sys.argv[1:]]))
