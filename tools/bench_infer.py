"""Tiled inference over a whole synthetic scene: wall time against the bare model, peak memory
(``daik bench infer``, :mod:`daik.bench.infer`).

    python tools/bench_infer.py [--checkpoint CKPT] [--size 10000] [--threads 1] [--batch-size 2]
"""
import sys

from daik.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", "infer", *sys.argv[1:]]))
