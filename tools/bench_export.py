"""The export matrix measured: every runtime x precision against PyTorch, in one run
(``daik bench export``, :mod:`daik.bench.export`).

    python tools/bench_export.py [--config configs/demo/teacher_n.py --checkpoint checkpoints/demo_teacher_n.pth]
        [--sizes 160 1024] [--threads 1] [--backends onnxruntime openvino]
"""
import sys

from daik.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", "export", *sys.argv[1:]]))
