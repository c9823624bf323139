"""Held-out accuracy of trained teachers, side by side: a table, a plot of mAP per epoch
(:mod:`daik.bench.teachers`).

    python tools/report_teachers.py work_dirs/demo_teacher_n work_dirs/demo_teacher_s [--out benchmarks/teachers.json]
"""
from daik.bench.teachers import main

if __name__ == "__main__":
    main()
