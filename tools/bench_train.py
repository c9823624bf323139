"""Training throughput of the YOLOv6-R sizes, side by side in one run
(:mod:`daik.bench.train`; also ``daik bench train``).

    python tools/bench_train.py --data data/synthetic_quick --sizes n s m --iters 30 --threads 1
"""
from daik.bench.train import main

if __name__ == "__main__":
    main()
