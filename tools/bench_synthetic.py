"""Speed of the synthetic data generator: N scenes of S x S pixels written as PNG + labelTxt
(:mod:`daik.bench.synthetic`; also ``daik bench synthetic``).

    python tools/bench_synthetic.py [--num-images 1000] [--size 512] [--nproc 2]
"""
from daik.bench.synthetic import main

if __name__ == "__main__":
    main()
