// CUDA kernels of box_iou_rotated and its backward. Geometry: common/rbox.h (the same
// functions the CPU kernels call). One thread per pair; the backward accumulates with atomics
// (so its float sums are not bit-reproducible run to run).
#include <ATen/ATen.h>
#include <ATen/Dispatch.h>
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <torch/library.h>

#include <algorithm>
#include <string>
#include <tuple>

#include "checks.h"
#include "common/rbox.h"

namespace daik {
namespace {

constexpr int kThreads = 256;

// Blocks for a grid-stride loop over `work` items on the current device.
inline int grid_for(int64_t work) {
  int sms = 0;
  C10_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount,
                                        c10::cuda::current_device()));
  const int64_t cap = (int64_t)sms * 32;
  return (int)std::max<int64_t>(1, std::min<int64_t>((work + kThreads - 1) / kThreads, cap));
}

// out[i, j] (or out[i] when aligned) for idx over n * m (or n) pairs.
template <typename T>
__global__ void iou_kernel(const T* __restrict__ boxes1, const T* __restrict__ boxes2, int64_t n,
                           int64_t m, bool aligned, bool iof, T* __restrict__ out) {
  const int64_t total = aligned ? n : n * m;
  for (int64_t idx = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; idx < total;
       idx += (int64_t)gridDim.x * blockDim.x) {
    const int64_t i = aligned ? idx : idx / m;
    const int64_t j = aligned ? idx : idx % m;
    out[idx] = geom::box_iou(boxes1 + 5 * i, boxes2 + 5 * j, iof);
  }
}

template <typename T>
__global__ void iou_backward_kernel(const T* __restrict__ grad, const T* __restrict__ boxes1,
                                    const T* __restrict__ boxes2, int64_t n, int64_t m,
                                    bool aligned, bool iof, T* grad1, T* grad2) {
  const int64_t total = aligned ? n : n * m;
  for (int64_t idx = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; idx < total;
       idx += (int64_t)gridDim.x * blockDim.x) {
    const T g = grad[idx];
    if (g == T(0)) continue;
    const int64_t i = aligned ? idx : idx / m;
    const int64_t j = aligned ? idx : idx % m;
    T ga[5], gb[5];
    geom::box_iou_grad(geom::make_box_geom(boxes1 + 5 * i), geom::make_box_geom(boxes2 + 5 * j),
                       iof, g, ga, gb);
    for (int k = 0; k < 5; ++k) {
      if (aligned) {
        grad1[5 * i + k] = ga[k];
        grad2[5 * j + k] = gb[k];
      } else {
        atomicAdd(grad1 + 5 * i + k, ga[k]);
        atomicAdd(grad2 + 5 * j + k, gb[k]);
      }
    }
  }
}

at::Tensor box_iou_rotated_cuda(const at::Tensor& boxes1, const at::Tensor& boxes2,
                                c10::string_view mode, bool aligned) {
  check_pair(boxes1, boxes2, aligned);
  const bool iof = parse_mode(std::string(mode.data(), mode.size()));
  const c10::cuda::CUDAGuard guard(boxes1.device());
  const int64_t n = boxes1.size(0), m = boxes2.size(0);
  at::Tensor out = aligned ? at::empty({n}, boxes1.options()) : at::empty({n, m}, boxes1.options());
  if (out.numel() == 0) return out;
  const at::Tensor b1 = boxes1.contiguous(), b2 = boxes2.contiguous();
  const cudaStream_t stream = c10::cuda::getCurrentCUDAStream();
  AT_DISPATCH_FLOATING_TYPES(b1.scalar_type(), "box_iou_rotated_cuda", [&] {
    iou_kernel<scalar_t><<<grid_for(out.numel()), kThreads, 0, stream>>>(
        b1.data_ptr<scalar_t>(), b2.data_ptr<scalar_t>(), n, m, aligned, iof,
        out.data_ptr<scalar_t>());
  });
  C10_CUDA_KERNEL_LAUNCH_CHECK();
  return out;
}

std::tuple<at::Tensor, at::Tensor> box_iou_rotated_backward_cuda(const at::Tensor& grad,
                                                                 const at::Tensor& boxes1,
                                                                 const at::Tensor& boxes2,
                                                                 c10::string_view mode,
                                                                 bool aligned) {
  check_pair(boxes1, boxes2, aligned);
  check_grad(grad, boxes1, boxes2, aligned);
  const bool iof = parse_mode(std::string(mode.data(), mode.size()));
  const c10::cuda::CUDAGuard guard(boxes1.device());
  at::Tensor grad1 = at::zeros_like(boxes1, at::MemoryFormat::Contiguous);
  at::Tensor grad2 = at::zeros_like(boxes2, at::MemoryFormat::Contiguous);
  if (grad.numel() == 0) return {grad1, grad2};
  const at::Tensor b1 = boxes1.contiguous(), b2 = boxes2.contiguous();
  const at::Tensor g = grad.to(boxes1.scalar_type()).contiguous();
  const cudaStream_t stream = c10::cuda::getCurrentCUDAStream();
  AT_DISPATCH_FLOATING_TYPES(b1.scalar_type(), "box_iou_rotated_backward_cuda", [&] {
    iou_backward_kernel<scalar_t><<<grid_for(g.numel()), kThreads, 0, stream>>>(
        g.data_ptr<scalar_t>(), b1.data_ptr<scalar_t>(), b2.data_ptr<scalar_t>(), b1.size(0),
        b2.size(0), aligned, iof, grad1.data_ptr<scalar_t>(), grad2.data_ptr<scalar_t>());
  });
  C10_CUDA_KERNEL_LAUNCH_CHECK();
  return {grad1, grad2};
}

}  // namespace

TORCH_LIBRARY_IMPL(daik, CUDA, m) {
  m.impl("box_iou_rotated", &box_iou_rotated_cuda);
  m.impl("box_iou_rotated_backward", &box_iou_rotated_backward_cuda);
}

}  // namespace daik
