"""daik end to end on a CPU (`make demo`)
(:mod:`daik.bench.demo`).

    python tools/demo.py [--work-dir work_dirs/demo] [--epochs 8] [--threads 2]
"""
from daik.bench.demo import main

if __name__ == "__main__":
    main()
