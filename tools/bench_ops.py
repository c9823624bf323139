"""Time daik's compiled geometric ops against shapely 2 and the pure-torch references
(:mod:`daik.bench.ops`; also ``daik bench ops``).

    python tools/bench_ops.py [--quick] [--device cpu|cuda] [--threads N] [--out benchmarks/ops.json]
"""
from daik.bench.ops import main

if __name__ == "__main__":
    main()
