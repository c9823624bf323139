"""Build daik: the ``daik._C`` torch extension (csrc/) and the Cython ``daik.ops._polyiou``.

Install with torch already present and without build isolation, so pip never resolves a
second torch::

    pip install torch==2.13.0
    pip install --no-build-isolation -e .[dev]

CUDA kernels are compiled when torch sees a GPU and CUDA_HOME is set, or when
``FORCE_CUDA=1``.
"""
import glob
import os
import sys

from setuptools import find_packages, setup

try:
    import torch
    from torch.utils.cpp_extension import CUDA_HOME, BuildExtension, CppExtension, CUDAExtension
except ImportError:  # pragma: no cover - build-time message
    sys.exit(
        "daik builds against an installed torch. Install it first, then build without "
        "isolation:\n    pip install torch==2.13.0\n    pip install --no-build-isolation -e .[dev]"
    )

try:
    from Cython.Build import cythonize
except ImportError:  # pragma: no cover - build-time message
    sys.exit("daik needs Cython at build time: pip install cython, then re-run the install.")

HERE = os.path.dirname(os.path.abspath(__file__))


def _want_cuda() -> bool:
    if os.environ.get("FORCE_CUDA", "0") == "1":
        return True
    return torch.cuda.is_available() and CUDA_HOME is not None


def torch_extension():
    """``daik._C``: geometry in csrc/common, one kernel file per device, schema in ops.cpp."""
    # csrc/*.cpp minus the C++ that Cython generates next to a .pyx (csrc/polyiou.cpp).
    sources = [s for s in sorted(glob.glob(os.path.join("csrc", "*.cpp")))
               if not os.path.exists(s[:-len(".cpp")] + ".pyx")]
    sources += sorted(glob.glob(os.path.join("csrc", "cpu", "*.cpp")))
    define_macros = []
    # No -std flag: torch's BuildExtension adds the standard its headers need (C++20 for
    # torch 2.13); forcing C++17 only produces warnings from those headers.
    extra = {"cxx": ["-O3"]}
    ext_cls = CppExtension
    if _want_cuda():
        sources += sorted(glob.glob(os.path.join("csrc", "cuda", "*.cu")))
        define_macros.append(("WITH_CUDA", None))
        extra["nvcc"] = ["-O3", "--expt-relaxed-constexpr"]
        ext_cls = CUDAExtension
    return ext_cls(
        name="daik._C",
        sources=sources,
        include_dirs=[os.path.join(HERE, "csrc")],
        define_macros=define_macros,
        extra_compile_args=extra,
    )


def polyiou_extension():
    from setuptools import Extension

    ext = Extension(
        name="daik.ops._polyiou",
        sources=[os.path.join("csrc", "polyiou.pyx")],
        include_dirs=[os.path.join(HERE, "csrc")],
        extra_compile_args=["-O3"],
        language="c++",
    )
    return cythonize([ext], language_level=3, quiet=True)[0]


setup(
    name="daik",
    version="0.1.0",
    description="Distilling large rotated-box detectors into small ones for remote-sensing imagery",
    packages=find_packages(include=["daik", "daik.*"]),
    python_requires=">=3.10",
    install_requires=[
        # torch is installed first, by hand (see the module docstring); this range is
        # already satisfied then and pulls nothing.
        "torch>=2.1",
        "numpy",
        "mmengine==0.10.7",
        "shapely>=2.0",
        "matplotlib",
        "rasterio",
        "pillow",
        "rich",
    ],
    extras_require={
        "dev": ["pytest", "pytest-xdist", "onnx", "onnxruntime", "psutil", "cython", "ninja"],
        # edge-board runtimes (README "Edge boards"; verified with openvino 2026.4.1, ncnn and pnnx
        # 20261020, ai-edge-litert 2.3.0). pnnx asks for "torch" unpinned: the installed one
        # satisfies it. Not here: LiteRT's converter onnx2tf (it pins tensorflow 2.19, numpy 1.26,
        # onnx 1.19, protobuf 4: its own environment, DAIK_ONNX2TF), rknn-toolkit2 (torch <= 2.4)
        # and TensorRT (it needs an NVIDIA GPU).
        "edge": ["onnx", "onnxruntime", "openvino>=2024.0", "ncnn", "pnnx", "ai-edge-litert"],
    },
    ext_modules=[torch_extension(), polyiou_extension()],
    cmdclass={"build_ext": BuildExtension.with_options(use_ninja=True)},
    entry_points={"console_scripts": ["daik = daik.cli:main"]},
    zip_safe=False,
)
