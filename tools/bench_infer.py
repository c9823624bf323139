"""Tiled inference over a whole synthetic scene: wall time against the bare model, peak memory
(:mod:`daik.bench.infer`; also ``daik bench infer``).

    python tools/bench_infer.py [--checkpoint CKPT] [--size 10000] [--threads 1] [--batch-size 2]
"""
from daik.bench.infer import main

if __name__ == "__main__":
    main()
