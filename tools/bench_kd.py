"""Distillation benchmark: teacher, student alone and student + each distiller over seeds, on a
held-out split (``daik bench kd``, :mod:`daik.bench.kd`).

    python tools/bench_kd.py                       # full: fresh synthetic set, every method, 3 seeds
    python tools/bench_kd.py --preset pico         # the table of benchmarks/kd.md
    python tools/bench_kd.py ... --report-only     # summarise what is cached
"""
import sys

from daik.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", "kd", *sys.argv[1:]]))
