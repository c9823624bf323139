"""Held-out accuracy of trained teachers, side by side: a table, a plot of mAP per epoch
(``daik bench teachers``, :mod:`daik.bench.teachers`).

    python tools/report_teachers.py work_dirs/demo_teacher_n work_dirs/demo_teacher_s [--out benchmarks/teachers.json]
"""
import sys

from daik.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", "teachers", *sys.argv[1:]]))
