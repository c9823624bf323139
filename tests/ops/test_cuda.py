"""CUDA kernels == CPU kernels (skipped without a GPU), and a compile check of the .cu sources
with nvcc that needs no GPU (slow: only with DAIK_FULL_TESTS=1 and nvcc on the PATH)."""
import glob
import os
import shutil
import subprocess
import sysconfig

import pytest
import torch

from daik.ops import batched_nms_rotated, box_iou_rotated, nms_rotated

from .helpers import random_rboxes

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
requires_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


@requires_cuda
@pytest.mark.parametrize("dtype,tol", [(torch.float32, 1e-5), (torch.float64, 1e-12)])
@pytest.mark.parametrize("mode", ["iou", "iof"])
def test_iou_forward_cuda_equals_cpu(dtype, tol, mode):
    b1 = random_rboxes(300, seed=60, spread=60.0, dtype=dtype)
    b2 = random_rboxes(200, seed=61, spread=60.0, dtype=dtype)
    b2[5, 0] = float("nan")
    b2[6, 2] = 0.0
    for aligned, (x, y) in ((False, (b1, b2)), (True, (b1[:200], b2))):
        cpu = box_iou_rotated(x, y, mode, aligned)
        gpu = box_iou_rotated(x.cuda(), y.cuda(), mode, aligned)
        assert gpu.device.type == "cuda" and gpu.shape == cpu.shape
        torch.testing.assert_close(gpu.cpu(), cpu, atol=tol, rtol=0, equal_nan=True)


@requires_cuda
@pytest.mark.parametrize("aligned", [False, True])
def test_iou_backward_cuda_equals_cpu(aligned):
    b1 = random_rboxes(80, seed=62, spread=30.0)
    b2 = random_rboxes(80, seed=63, spread=30.0)
    grads = {}
    for device in ("cpu", "cuda"):
        x = b1.to(device).requires_grad_(True)
        y = b2.to(device).requires_grad_(True)
        iou = box_iou_rotated(x, y, "iou", aligned)
        (iou * torch.linspace(0.5, 1.5, iou.numel(), dtype=iou.dtype, device=device).reshape(iou.shape)).sum().backward()
        grads[device] = (x.grad.cpu(), y.grad.cpu())
    for g_gpu, g_cpu in zip(grads["cuda"], grads["cpu"]):
        torch.testing.assert_close(g_gpu, g_cpu, atol=1e-10, rtol=1e-9)


@requires_cuda
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_nms_cuda_equals_cpu(dtype):
    g = torch.Generator().manual_seed(64)
    boxes = random_rboxes(3000, seed=64, spread=400.0, size=(10.0, 60.0), dtype=dtype)
    scores = torch.rand(3000, generator=g, dtype=dtype)
    scores[::7] = 0.5  # ties
    labels = torch.randint(0, 5, (3000,), generator=g)
    for thr in (0.1, 0.5):
        cpu = nms_rotated(boxes, scores, thr)
        gpu = nms_rotated(boxes.cuda(), scores.cuda(), thr)
        assert gpu.device.type == "cuda" and torch.equal(gpu.cpu(), cpu)
        cpu = batched_nms_rotated(boxes, scores, labels, thr)
        gpu = batched_nms_rotated(boxes.cuda(), scores.cuda(), labels.cuda(), thr)
        assert torch.equal(gpu.cpu(), cpu)


@requires_cuda
def test_cuda_empty_inputs():
    e = torch.zeros(0, 5, device="cuda")
    b = random_rboxes(3, seed=65, dtype=torch.float32).cuda()
    assert box_iou_rotated(e, b).shape == (0, 3)
    assert box_iou_rotated(b, e).shape == (3, 0)
    assert nms_rotated(e, torch.zeros(0, device="cuda"), 0.5).shape == (0,)


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("DAIK_FULL_TESTS", "0") != "1" or shutil.which("nvcc") is None,
                    reason="compile check of csrc/cuda runs with DAIK_FULL_TESTS=1 and nvcc")
@pytest.mark.parametrize("source", sorted(glob.glob(os.path.join(REPO, "csrc", "cuda", "*.cu"))),
                         ids=os.path.basename)
def test_cuda_sources_compile(source, tmp_path):
    from torch.utils.cpp_extension import include_paths

    cmd = ["nvcc", "-std=c++20", "-c", source, "-o", str(tmp_path / "k.o"), "--expt-relaxed-constexpr",
           "-DWITH_CUDA", f"-I{os.path.join(REPO, 'csrc')}", f"-I{sysconfig.get_paths()['include']}"]
    cmd += [f"-I{p}" for p in include_paths()]
    # CPU-only torch wheels lack this generated header (it only matters for Windows exports).
    if not any(os.path.exists(os.path.join(p, "c10/cuda/impl/cuda_cmake_macros.h")) for p in include_paths()):
        cmd.append("-DC10_CUDA_NO_CMAKE_CONFIGURE_FILE")
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-4000:]
