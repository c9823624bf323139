"""Speed of the synthetic data generator: N scenes of S x S pixels written as PNG + labelTxt
(``daik bench synthetic``, :mod:`daik.bench.synthetic`).

    python tools/bench_synthetic.py [--num-images 1000] [--size 512] [--nproc 2]
"""
import sys

from daik.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", "synthetic", *sys.argv[1:]]))
