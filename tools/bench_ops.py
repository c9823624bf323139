"""Time daik's compiled geometric ops against shapely 2 and the pure-torch references
(``daik bench ops``, :mod:`daik.bench.ops`).

    python tools/bench_ops.py [--quick] [--device cpu|cuda] [--threads N] [--out benchmarks/ops.json]
"""
import sys

from daik.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", "ops", *sys.argv[1:]]))
