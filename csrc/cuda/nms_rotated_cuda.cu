// CUDA kernel of nms_rotated: a bitmask of "box j (later in score order) has IoU above the
// threshold with box i" in 64-box tiles, then the greedy pass over the mask on the host.
#include <ATen/ATen.h>
#include <ATen/Dispatch.h>
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <torch/library.h>

#include <algorithm>
#include <vector>

#include "checks.h"
#include "common/rbox.h"

namespace daik {
namespace {

constexpr int kTile = 64;  // boxes per tile = bits per mask word

// boxes, labels: sorted by descending score (labels may be null). mask: (n, tiles) words;
// bit k of word (i, t) is set when box t*64+k comes after box i and box i would suppress it.
template <typename T>
__global__ void nms_mask_kernel(const T* __restrict__ boxes, const int64_t* __restrict__ labels,
                                int64_t n, int64_t tiles, T threshold,
                                unsigned long long* __restrict__ mask) {
  const int64_t row_tile = blockIdx.y, col_tile = blockIdx.x;
  if (row_tile > col_tile) return;
  const int row_size = (int)min((int64_t)kTile, n - row_tile * kTile);
  const int col_size = (int)min((int64_t)kTile, n - col_tile * kTile);
  __shared__ T col_boxes[kTile * 5];
  __shared__ int64_t col_labels[kTile];
  if (threadIdx.x < col_size) {
    const int64_t c = col_tile * kTile + threadIdx.x;
    for (int k = 0; k < 5; ++k) col_boxes[threadIdx.x * 5 + k] = boxes[c * 5 + k];
    col_labels[threadIdx.x] = labels != nullptr ? labels[c] : 0;
  }
  __syncthreads();
  if (threadIdx.x >= row_size) return;
  const int64_t row = row_tile * kTile + threadIdx.x;
  const geom::BoxGeom<T> a = geom::make_box_geom(boxes + row * 5);
  const int64_t row_label = labels != nullptr ? labels[row] : 0;
  unsigned long long bits = 0;
  const int start = row_tile == col_tile ? threadIdx.x + 1 : 0;
  for (int k = start; k < col_size; ++k) {
    if (col_labels[k] != row_label) continue;
    if (geom::box_iou(a, geom::make_box_geom(col_boxes + k * 5), false) > threshold)
      bits |= 1ULL << k;
  }
  mask[row * tiles + col_tile] = bits;
}

// Greedy pass over the mask (host): returns positions (in sorted order) of kept boxes.
std::vector<int64_t> reduce_mask(const at::Tensor& mask_cpu, int64_t n, int64_t tiles) {
  const unsigned long long* mask = (const unsigned long long*)mask_cpu.data_ptr<int64_t>();
  std::vector<unsigned long long> removed(tiles, 0);
  std::vector<int64_t> keep;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t t = i / kTile;
    if (removed[t] & (1ULL << (i % kTile))) continue;
    keep.push_back(i);
    const unsigned long long* row = mask + i * tiles;
    for (int64_t u = t; u < tiles; ++u) removed[u] |= row[u];
  }
  return keep;
}

at::Tensor nms_rotated_cuda(const at::Tensor& boxes, const at::Tensor& scores,
                            double iou_threshold, const c10::optional<at::Tensor>& labels) {
  check_nms(boxes, scores, labels);
  const int64_t n = boxes.size(0);
  if (n == 0) return at::empty({0}, boxes.options().dtype(at::kLong));
  const c10::cuda::CUDAGuard guard(boxes.device());
  const int64_t tiles = (n + kTile - 1) / kTile;
  TORCH_CHECK(tiles <= 65535, "nms_rotated on CUDA takes at most ", 65535 * kTile, " boxes, got ", n);
  const at::Tensor order =
      std::get<1>(scores.sort(/*stable=*/true, /*dim=*/0, /*descending=*/true));
  const at::Tensor sorted = boxes.index_select(0, order).contiguous();
  at::Tensor sorted_labels;
  if (labels.has_value()) sorted_labels = labels->to(at::kLong).index_select(0, order).contiguous();
  at::Tensor mask = at::empty({n, tiles}, boxes.options().dtype(at::kLong));
  const dim3 grid(tiles, tiles);
  const cudaStream_t stream = c10::cuda::getCurrentCUDAStream();
  AT_DISPATCH_FLOATING_TYPES(sorted.scalar_type(), "nms_rotated_cuda", [&] {
    nms_mask_kernel<scalar_t><<<grid, kTile, 0, stream>>>(
        sorted.data_ptr<scalar_t>(),
        sorted_labels.defined() ? sorted_labels.data_ptr<int64_t>() : nullptr, n, tiles,
        static_cast<scalar_t>(iou_threshold), (unsigned long long*)mask.data_ptr<int64_t>());
  });
  C10_CUDA_KERNEL_LAUNCH_CHECK();
  const std::vector<int64_t> keep = reduce_mask(mask.to(at::kCPU), n, tiles);
  at::Tensor keep_t = at::empty({(int64_t)keep.size()}, at::TensorOptions().dtype(at::kLong));
  std::copy(keep.begin(), keep.end(), keep_t.data_ptr<int64_t>());
  return order.index_select(0, keep_t.to(boxes.device()));
}

}  // namespace

TORCH_LIBRARY_IMPL(daik, CUDA, m) { m.impl("nms_rotated", &nms_rotated_cuda); }

}  // namespace daik
