"""Benchmark of ``daik.evaluation.eval_dota_task1`` against a pure shapely implementation of
the same metric (``daik bench eval``, :mod:`daik.bench.eval`).

    python tools/bench_eval.py --num-images 1000 --out benchmarks/eval.json
    python tools/bench_eval.py --quick            # 100 images, for a smoke run
"""
import sys

from daik.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", "eval", *sys.argv[1:]]))
