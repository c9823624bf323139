"""The export matrix measured: every runtime x precision against PyTorch, in one run
(:mod:`daik.bench.export`; also ``daik bench export``).

    python tools/bench_export.py [--config configs/demo/teacher_n.py --checkpoint checkpoints/demo_teacher_n.pth]
        [--sizes 160 1024] [--threads 1] [--backends onnxruntime openvino]
"""
from daik.bench.export import main

if __name__ == "__main__":
    main()
